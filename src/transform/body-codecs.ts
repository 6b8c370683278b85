// Incremental, synchronous Content-Transfer-Encoding codecs for a part being rewritten. Each keeps
// only an unfinished line (or base64 group) between chunks, so a part streams through in bounded memory.
import libqp from 'libqp';

export interface ByteCodec {
  write(chunk: Buffer): Buffer;
  end(): Buffer;
}

/** The transfer encodings a part can be rewritten in; anything else (uuencode, …) is left untouched. */
export type TransferEncoding = 'base64' | 'quoted-printable' | '7bit' | '8bit' | 'binary';

// A QP line without a line break (malformed, or one huge line) is cut at this length rather than held.
const MAX_PENDING = 64 * 1024;
const BASE64_LINE_BYTES = 57; // 76 characters of base64
const QP_LINE_LENGTH = 76;
const EMPTY = Buffer.alloc(0);

export function transferEncoding(value: string | false): TransferEncoding | null {
  const name = (value || '7bit').trim().toLowerCase();
  return name === 'base64' ||
    name === 'quoted-printable' ||
    name === '7bit' ||
    name === '8bit' ||
    name === 'binary'
    ? name
    : null;
}

const identity: ByteCodec = { write: (chunk) => chunk, end: () => EMPTY };

function base64Decoder(): ByteCodec {
  let pending = '';
  const take = (all: string, final: boolean): Buffer => {
    const usable = final ? all.length : all.length - (all.length % 4);
    pending = all.slice(usable);
    return Buffer.from(all.slice(0, usable), 'base64');
  };
  return {
    write: (chunk) => take(pending + chunk.toString('latin1').replace(/[^A-Za-z0-9+/=_-]/g, ''), false),
    end: () => take(pending, true),
  };
}

/** Where a line with no line break can be cut without splitting `=XX` or losing trailing whitespace. */
function safeQpCut(text: string): number {
  let cut = text.length;
  while (
    cut > 0 &&
    (/[ \t]/.test(text[cut - 1] ?? '') || text.slice(Math.max(0, cut - 2), cut).includes('='))
  )
    cut--;
  return cut;
}

function quotedPrintableDecoder(): ByteCodec {
  let pending = '';
  return {
    write(chunk) {
      const all = pending + chunk.toString('latin1');
      let cut = all.lastIndexOf('\n') + 1;
      if (cut === 0 && all.length > MAX_PENDING) cut = safeQpCut(all);
      pending = all.slice(cut);
      return cut > 0 ? libqp.decode(all.slice(0, cut)) : EMPTY;
    },
    end: () => libqp.decode(pending),
  };
}

function base64Encoder(eol: string): ByteCodec {
  let pending = EMPTY;
  let started = false;
  const lines = (bytes: Buffer): Buffer => {
    if (bytes.length === 0) return EMPTY;
    const text = bytes.toString('base64');
    let out = started ? eol : '';
    for (let i = 0; i < text.length; i += 76) out += (i > 0 ? eol : '') + text.slice(i, i + 76);
    started = true;
    return Buffer.from(out, 'latin1');
  };
  return {
    write(chunk) {
      const all = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const whole = all.length - (all.length % BASE64_LINE_BYTES);
      pending = Buffer.from(all.subarray(whole));
      return lines(all.subarray(0, whole));
    },
    end: () => lines(pending),
  };
}

function quotedPrintableEncoder(eol: string): ByteCodec {
  let pending = EMPTY;
  // libqp wraps with CRLF soft breaks; a bare-LF message keeps bare LF.
  const fix = (qp: string): Buffer => Buffer.from(eol === '\r\n' ? qp : qp.replace(/\r\n/g, eol), 'latin1');
  return {
    write(chunk) {
      const all = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const cut = all.lastIndexOf(0x0a) + 1;
      if (cut === 0) {
        if (all.length <= MAX_PENDING) {
          pending = Buffer.from(all);
          return EMPTY;
        }
        // One enormous line: end it with a soft line break, which decodes to nothing.
        pending = EMPTY;
        return fix(`${libqp.wrap(libqp.encode(all), QP_LINE_LENGTH - 1)}=${eol}`);
      }
      pending = Buffer.from(all.subarray(cut));
      return fix(libqp.wrap(libqp.encode(all.subarray(0, cut)), QP_LINE_LENGTH));
    },
    end: () => (pending.length ? fix(libqp.wrap(libqp.encode(pending), QP_LINE_LENGTH)) : EMPTY),
  };
}

export function createBodyDecoder(encoding: TransferEncoding): ByteCodec {
  if (encoding === 'base64') return base64Decoder();
  if (encoding === 'quoted-printable') return quotedPrintableDecoder();
  return identity;
}

/** `eol` is the message's line ending, used for the line breaks the encoder adds. */
export function createBodyEncoder(encoding: TransferEncoding, eol: string): ByteCodec {
  if (encoding === 'base64') return base64Encoder(eol);
  if (encoding === 'quoted-printable') return quotedPrintableEncoder(eol);
  return identity;
}
