// Clients that connect from a chosen loopback address (127.0.0.2, 127.0.0.3, …), so that IP allow lists
// and IP authentication can be tested with real connections without leaving the machine.
import { request } from 'node:http';
import nodemailer from 'nodemailer';
import type { ApiAnswer } from '../helpers/node.js';

/** POSTs JSON to `<httpUrl>/v3<path>` from `localAddress`, with `key` in the header. */
export function callFrom(
  httpUrl: string,
  localAddress: string,
  path: string,
  body: unknown,
  key: string,
): Promise<ApiAnswer> {
  const url = new URL(`${httpUrl}/v3${path}`);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': key },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // the test sees the text
          }
          resolve({ status: res.statusCode ?? 0, headers: new Headers(), body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export interface SmtpOutcome {
  ok: boolean;
  /** The server's reply to the failing command ("550 5.7.1 …"), or the final 250. */
  response: string;
  responseCode: number | undefined;
  rejected: string[];
}

/** Sends one message over real SMTP from `localAddress`; logs in when `auth` is given. */
export async function smtpFrom(
  port: number,
  localAddress: string,
  mail: { from: string; to: string[] },
  auth?: { user: string; pass: string },
): Promise<SmtpOutcome> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    localAddress,
    ...(auth ? { auth } : {}),
    ignoreTLS: true,
    tls: { rejectUnauthorized: false },
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: mail.from, to: mail.to },
      from: mail.from,
      to: mail.to,
      subject: 'restrictions',
      text: 'Hello\n',
    });
    return {
      ok: true,
      response: info.response,
      responseCode: 250,
      rejected: (info.rejected as unknown[]).map(String),
    };
  } catch (err) {
    const e = err as { response?: string; responseCode?: number; rejected?: string[] };
    return {
      ok: false,
      response: e.response ?? String(err),
      responseCode: e.responseCode,
      rejected: (e.rejected ?? []).map(String),
    };
  } finally {
    transport.close();
  }
}
