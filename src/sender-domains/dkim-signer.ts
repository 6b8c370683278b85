// DKIM signing of one outgoing copy (SPEC §5): rsa-sha256 and, when the domain's second key is verified,
// ed25519-sha256 (RFC 8463), relaxed/relaxed, From over-signed. Streamed in two passes over the copy —
// the first hashes the body once for every signature and keeps only the header block, the second sends
// the DKIM-Signature fields followed by the copy — so a large message is never held in memory.
// The per-recipient transform is deterministic, so both passes produce the same bytes.
import { createHash, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { PassThrough, type Readable } from 'node:stream';
import { RelaxedBodyHash } from './relaxed-body.js';

export interface DkimKey {
  /** The d= domain (a verified sender domain). */
  domain: string;
  selector: string;
  privateKey: KeyObject;
  /** 'rsa' (the default) or 'ed25519' (RFC 8463). */
  algorithm?: DkimAlgorithm;
}

export type DkimAlgorithm = 'rsa' | 'ed25519';

/** Fields signed when present (SPEC §5's list and the usual companions); From is signed once more. */
export const SIGNED_FIELDS = [
  'from',
  'sender',
  'reply-to',
  'subject',
  'date',
  'to',
  'cc',
  'message-id',
  'in-reply-to',
  'references',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'list-id',
];

/** Header blocks larger than this are not signed (they go out as they are). */
const MAX_HEADER_BYTES = 1024 * 1024;

interface HeaderField {
  name: string;
  /** The whole field as written, folding included, without the final line break. */
  raw: string;
}

function splitHeaderFields(block: string): HeaderField[] {
  return block
    .split(/\r?\n(?![ \t])/)
    .filter((f) => f.length > 0)
    .map((raw) => ({
      name: raw
        .slice(0, Math.max(0, raw.indexOf(':')))
        .trim()
        .toLowerCase(),
      raw,
    }));
}

/** RFC 6376 §3.4.2: lower-case name, unfolded value, whitespace runs made one space, trimmed. */
export function relaxedHeader(raw: string): string {
  const colon = raw.indexOf(':');
  const name = raw.slice(0, colon).trim().toLowerCase();
  const value = raw
    .slice(colon + 1)
    .replace(/\r?\n(?=[ \t])/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

// With a callback, node:crypto signs on the libuv thread pool: the RSA operation leaves the event loop
// (SMTP intake, other deliveries) free.
const signAsync = promisify(sign);

/** RFC 8463 §3: Ed25519 (pure) signs the SHA-256 hash of the header data; RSA signs the data itself. */
function signData(data: Buffer, key: DkimKey): Promise<Buffer> {
  if (key.algorithm === 'ed25519')
    return signAsync(null, createHash('sha256').update(data).digest(), key.privateKey);
  return signAsync('sha256', data, key.privateKey);
}

/** The DKIM-Signature field (with its CRLF) for a header block and body hash. */
export async function signatureField(
  headerBlock: string,
  bodyHash: string,
  key: DkimKey,
  now = Date.now(),
): Promise<string> {
  const fields = splitHeaderFields(headerBlock);
  const names: string[] = [];
  const signed: string[] = [];
  for (const name of SIGNED_FIELDS) {
    // Several instances are signed bottom-up (RFC 6376 §5.4.2).
    const instances = fields.filter((f) => f.name === name).reverse();
    for (const f of instances) {
      names.push(name);
      signed.push(relaxedHeader(f.raw));
    }
    // Over-signing: one more `from` than present, so no From can be added without breaking it.
    if (name === 'from') names.push('from');
  }
  const tags = [
    'v=1',
    `a=${key.algorithm === 'ed25519' ? 'ed25519' : 'rsa'}-sha256`,
    'c=relaxed/relaxed',
    `d=${key.domain}`,
    `s=${key.selector}`,
    `t=${Math.floor(now / 1000)}`,
    `h=${names.join(':')}`,
    `bh=${bodyHash}`,
  ];
  const unsigned = `DKIM-Signature: ${tags.join(';\r\n\t')};\r\n\tb=`;
  const data = signed.map((s) => `${s}\r\n`).join('') + relaxedHeader(unsigned);
  const signature = (await signData(Buffer.from(data, 'latin1'), key)).toString('base64');
  return `${unsigned}${signature.replace(/(.{72})(?=.)/g, '$1\r\n\t')}\r\n`;
}

/** Reads one pass of a copy: its header block (bounded) and the relaxed hash of its body. */
async function readPass(copy: Readable): Promise<{ headers: string; bodyHash: string } | null> {
  const hash = new RelaxedBodyHash();
  const head: Buffer[] = [];
  let headBytes = 0;
  let headers: string | null = null;
  for await (const piece of copy) {
    const chunk = piece as Buffer;
    if (headers !== null) {
      hash.update(chunk);
      continue;
    }
    head.push(chunk);
    headBytes += chunk.length;
    const sofar = Buffer.concat(head);
    const crlf = sofar.indexOf('\r\n\r\n');
    const lf = sofar.indexOf('\n\n');
    const end = crlf !== -1 && (lf === -1 || crlf < lf) ? crlf + 4 : lf !== -1 ? lf + 2 : -1;
    if (end !== -1) {
      headers = sofar.subarray(0, end).toString('latin1');
      hash.update(sofar.subarray(end));
      head.length = 0;
    } else if (headBytes > MAX_HEADER_BYTES) {
      copy.destroy();
      return null;
    } else {
      head.length = 0;
      head.push(sofar);
    }
  }
  if (headers === null) return null;
  return { headers, bodyHash: hash.digest() };
}

/**
 * The copy that `open` makes, with one DKIM-Signature field per key in front, in the keys' order (the
 * body hash is computed once: both algorithms hash the same relaxed body with SHA-256). `open` is called
 * twice and must give the same bytes each time. A copy that cannot be read errors the result, as an
 * unsigned one would.
 */
export function signedCopy(open: () => Readable, key: DkimKey | readonly DkimKey[]): Readable {
  const keys: readonly DkimKey[] = 'privateKey' in key ? [key] : key;
  const out = new PassThrough();
  void (async () => {
    const pass = await readPass(open());
    const second = open();
    if (pass !== null) {
      const now = Date.now();
      const fields = await Promise.all(keys.map((k) => signatureField(pass.headers, pass.bodyHash, k, now)));
      out.write(fields.join(''));
    }
    second.on('error', (err) => out.destroy(err));
    second.pipe(out);
  })().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}
