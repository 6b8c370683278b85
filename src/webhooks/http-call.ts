// One HTTP call to a webhook: POST with a 10 s limit, redirects not followed, the answer read up to
// 64 KiB, through an undici Agent whose DNS lookup refuses non-public addresses (destination.ts).
// undici is loaded on the first call: a node whose accounts have no webhooks does not carry it
// (docs/memory.md).
import { isIP } from 'node:net';
import type * as UndiciModule from 'undici';
import type { Agent } from 'undici';
import { loadWhenUsed } from '../load-when-used.js';
import { DestinationRefused, guardedLookup, refusalOf } from './destination.js';

export const CALL_TIMEOUT_MS = 10_000;
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface CallResult {
  /** HTTP status, or null when no answer came (refused, unreachable, timed out). */
  status: number | null;
  /** The start of the answer's body, or why there was none. */
  answer: string;
  refused: boolean;
}

const loadUndici = loadWhenUsed<typeof UndiciModule>('undici');

function createWebhookAgent(allowPrivate: boolean): Agent {
  return new (loadUndici().Agent)({
    connect: { lookup: guardedLookup(allowPrivate), timeout: CALL_TIMEOUT_MS },
    headersTimeout: CALL_TIMEOUT_MS,
    bodyTimeout: CALL_TIMEOUT_MS,
    keepAliveTimeout: 10_000,
  });
}

function refusedBy(err: unknown): DestinationRefused | null {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof DestinationRefused) return e;
  return null;
}

/** Webhook calls of one node: one connection pool, made on the first call. */
export class WebhookClient {
  private agent: Agent | null = null;

  constructor(private readonly allowPrivate: boolean) {}

  call(url: string, headers: Record<string, string>, body: string): Promise<CallResult> {
    this.agent ??= createWebhookAgent(this.allowPrivate);
    return callWebhook(this.agent, this.allowPrivate, url, headers, body);
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }
}

async function callWebhook(
  agent: Agent,
  allowPrivate: boolean,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<CallResult> {
  // An address literal needs no lookup (Node skips it), so it is checked here; it cannot change.
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const literalRefusal = isIP(host) ? refusalOf(host, allowPrivate) : null;
  if (literalRefusal) return { status: null, answer: `refused: ${literalRefusal}`, refused: true };
  try {
    const res = await loadUndici().request(url, {
      method: 'POST',
      dispatcher: agent,
      headers,
      body,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ANSWER_BYTES) {
        res.body.destroy();
        break;
      }
    }
    const answer = Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
    return { status: res.statusCode, answer, refused: false };
  } catch (err) {
    const refused = refusedBy(err);
    if (refused) return { status: null, answer: `refused: ${refused.message}`, refused: true };
    const e = err as Error & { code?: string; cause?: Error & { code?: string } };
    const reason =
      e.name === 'TimeoutError' ? 'timed out after 10 s' : (e.cause?.code ?? e.code ?? e.message);
    return { status: null, answer: `no answer: ${reason}`, refused: false };
  }
}
