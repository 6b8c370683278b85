// Charset decisions for a part being rewritten: which charset its text is read in, whether the footer
// fits in it, and the streaming iconv-lite codecs that read and write it.
import iconv from 'iconv-lite';

/** What the part's text is written in: an iconv-lite charset, or null for unlabeled/US-ASCII text. */
export type PartCharset = string | null;

const ASCII_LABELS = new Set([
  '',
  'us-ascii',
  'ascii',
  'ansi_x3.4-1968',
  'iso646-us',
  'us',
  'iso-ir-6',
  'cp367',
]);
// Stateful encodings where ASCII bytes may stand for other characters; iconv-lite has most of them
// not at all, and for the rest a byte-level append would change the meaning of what follows.
const STATEFUL = /^(utf-?7|iso-?2022|hz-?gb)/i;
const PROBE = '<a href="x">\r\n=&;#%- \t';

/** Normalizes a Content-Type charset parameter; null when the part is (declared or defaulted) US-ASCII. */
export function partCharset(label: string | false | undefined): PartCharset {
  const name = (label || '').trim().toLowerCase();
  return ASCII_LABELS.has(name) ? null : name;
}

/** Whether iconv-lite can read and write the charset at all; unknown charsets leave a part untouched. */
export function isSupportedCharset(charset: PartCharset): boolean {
  return charset === null || (!STATEFUL.test(charset) && iconv.encodingExists(charset));
}

/** ASCII bytes mean ASCII characters, so footer bytes can be appended to the raw text unchanged. */
export function isAsciiCompatible(charset: PartCharset): boolean {
  if (charset === null) return true;
  if (!isSupportedCharset(charset)) return false;
  return iconv.encode(PROBE, charset).equals(Buffer.from(PROBE, 'latin1'));
}

/** Whether `text` survives a round trip through the charset (unlabeled text must be ASCII). */
export function canRepresent(text: string, charset: PartCharset): boolean {
  if (charset === null) return !/[^\p{ASCII}]/u.test(text);
  return iconv.decode(iconv.encode(text, charset), charset) === text;
}

/** Encodes text added to a part (a footer) in the part's charset; unlabeled text is ASCII here. */
export function encodeText(text: string, charset: PartCharset): Buffer {
  return charset === null ? Buffer.from(text, 'latin1') : iconv.encode(text, charset);
}

export interface TextDecoder {
  write(bytes: Buffer): string;
  end(): string;
}

export interface TextEncoder {
  write(text: string): Buffer;
  end(): Buffer;
}

// Unlabeled 8-bit bytes are read as latin1, which maps every byte to one character and back, so text
// whose real charset is unknown goes through unchanged.
function iconvName(charset: PartCharset): string {
  return charset ?? 'latin1';
}

export function createTextDecoder(charset: PartCharset): TextDecoder {
  // A BOM is kept as U+FEFF so that the encoder writes it back where it was.
  const decoder = iconv.getDecoder(iconvName(charset), { stripBOM: false });
  return { write: (bytes) => decoder.write(bytes), end: () => decoder.end() ?? '' };
}

export function createTextEncoder(charset: PartCharset): TextEncoder {
  const encoder = iconv.getEncoder(iconvName(charset), { addBOM: false });
  return { write: (text) => encoder.write(text), end: () => encoder.end() ?? Buffer.alloc(0) };
}
