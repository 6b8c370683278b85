// Turns a raw SMTP reply ("550-5.1.1 …\n550 5.1.1 …") into code, enhanced code and text, and back.
import type { SmtpReply } from './types.js';

const REPLY_LINE = /^(\d{3})(?:[ -](.*))?$/;
const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?:\s+|$)/;

/** The class-only enhanced code for a reply code, used when the server sent none (RFC 3463 §3). */
export function defaultEnhancedCode(code: number | null): string {
  if (code !== null && code >= 200 && code < 300) return '2.0.0';
  if (code !== null && code >= 500 && code < 600) return '5.0.0';
  return '4.0.0';
}

export function parseReply(raw: string): SmtpReply {
  const lines = raw.split(/\r?\n/).filter((l) => l.trim() !== '');
  let code: number | null = null;
  let enhancedCode: string | null = null;
  const texts: string[] = [];
  for (const line of lines) {
    const m = REPLY_LINE.exec(line.trim());
    if (!m) {
      texts.push(line.trim());
      continue;
    }
    code ??= Number(m[1]);
    let text = m[2] ?? '';
    const e = ENHANCED.exec(text);
    // Kept even when its class disagrees with the reply code ("550 4.7.1 greylisted"): the bounce rules
    // decide what such a reply means.
    if (e) {
      enhancedCode ??= `${e[1]}.${Number(e[2])}.${Number(e[3])}`;
      text = text.slice(e[0].length);
    }
    if (text !== '') texts.push(text);
  }
  return { code, enhancedCode: enhancedCode ?? defaultEnhancedCode(code), text: texts.join(' ') };
}

/** One line for logs and Diagnostic-Code: "550 5.1.1 No such user". */
export function formatReply(reply: SmtpReply): string {
  const text = reply.text === '' ? '' : ` ${reply.text}`;
  return reply.code === null ? `${reply.enhancedCode}${text}` : `${reply.code} ${reply.enhancedCode}${text}`;
}
