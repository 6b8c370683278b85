// Rewrites one text part as it streams: undo its transfer encoding, read its charset, append the footer
// (text) or edit the HTML, then write it back in the same charset and transfer encoding when they can
// carry the result, switching to UTF-8 or quoted-printable only when they cannot.
import {
  createBodyDecoder,
  createBodyEncoder,
  transferEncoding,
  type TransferEncoding,
} from './body-codecs.js';
import {
  canRepresent,
  createTextDecoder,
  createTextEncoder,
  encodeText,
  isAsciiCompatible,
  isSupportedCharset,
  partCharset,
  type PartCharset,
} from './charset.js';
import type { HeaderBlock } from './header-block.js';
import { HtmlEditor } from './html-editor.js';

const MAX_LINE = 998;
const EMPTY = Buffer.alloc(0);

/** What to do to one part. */
export interface PartEdit {
  kind: 'plain' | 'html';
  /** The rendered footer of this kind (`\n` line breaks), or null. */
  footer: string | null;
  /** The open-tracking image (HTML parts only), or null. */
  pixel: string | null;
  trackClick: ((url: string) => string) | null;
  keepUrl: string | null;
}

/** The facts about the part the splitter gives us. */
export interface PartFacts {
  charset: string | false;
  encoding: string | false;
  flowed: boolean;
  /** Longest raw line of the part, from the message outline. */
  longestLine: number;
  /** A single-part message: the part body runs to the end of the message. */
  isRoot: boolean;
}

export interface PartEditor {
  write(raw: Buffer): Buffer;
  end(): Buffer;
}

/** RFC 3676: footer lines must not end in a space (a soft break) or start like stuffed/quoted lines. */
function flowedSafe(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t]+$/, ''))
    .map((line) => (/^( |>|From )/.test(line) ? ` ${line}` : line))
    .join('\n');
}

function longestLineOf(bytes: Buffer): number {
  return Math.max(
    0,
    ...bytes
      .toString('latin1')
      .split(/\r?\n/)
      .map((l) => l.length),
  );
}

/** The Content-Type value with its charset parameter set (added when missing). */
function withCharset(contentType: string, charset: string): string {
  const param = /(;\s*)charset\*?\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;\s]*)/i;
  return param.test(contentType)
    ? contentType.replace(param, `$1charset=${charset}`)
    : `${contentType.replace(/[\s;]+$/, '')}; charset=${charset}`;
}

/**
 * Sets up the rewrite of one part and edits its header block (transfer encoding, charset) to match.
 * Returns null when the part cannot be rewritten safely (unknown charset or transfer encoding): it is
 * then passed through untouched.
 */
export function createPartEditor(head: HeaderBlock, facts: PartFacts, edit: PartEdit): PartEditor | null {
  const encoding = transferEncoding(facts.encoding);
  const charset = partCharset(facts.charset);
  if (encoding === null || !isSupportedCharset(charset)) return null;
  const eol = head.eol;
  const nl = (text: string): string => text.replace(/\r?\n/g, eol);

  const footer =
    edit.footer === null
      ? null
      : nl(facts.flowed && edit.kind === 'plain' ? flowedSafe(edit.footer) : edit.footer);
  const insertion =
    edit.kind === 'html' && (footer !== null || edit.pixel !== null)
      ? `${eol}${[footer, edit.pixel].filter((s) => s !== null).join(eol)}${eol}`
      : null;
  const added = (edit.kind === 'html' ? insertion : footer) ?? '';

  // The charset the part is written in afterwards: its own, or UTF-8 when the footer does not fit.
  const switching = !canRepresent(added, charset);
  const target: PartCharset = switching ? 'utf-8' : charset;
  // Unlabeled text is read as UTF-8 when it must become UTF-8 (ASCII is both), else byte for byte.
  const source: PartCharset = switching ? (charset ?? 'utf-8') : charset;

  let output: TransferEncoding = encoding;
  if (encoding === '7bit' || encoding === '8bit') {
    const addedBytes = encodeText(added, target);
    const grows = switching && source !== 'utf-8' && facts.longestLine * 3 > MAX_LINE;
    if (
      (encoding === '7bit' && addedBytes.some((b) => b > 0x7f)) ||
      longestLineOf(addedBytes) > MAX_LINE ||
      facts.longestLine > MAX_LINE ||
      grows
    ) {
      output = 'quoted-printable';
    }
  }
  if (output !== encoding) head.set('Content-Transfer-Encoding', output);
  if (switching) head.set('Content-Type', withCharset(head.get('Content-Type') ?? 'text/plain', 'utf-8'));

  const decoder = createBodyDecoder(encoding);
  const encoder = createBodyEncoder(output, eol);
  let last = -1; // last byte (or char code) of the part's own content
  let lastOut = -1;
  const emit = (bytes: Buffer): Buffer => {
    const encoded = encoder.write(bytes);
    if (encoded.length > 0) lastOut = encoded[encoded.length - 1] ?? -1;
    return encoded;
  };
  const close = (parts: Buffer[]): Buffer => {
    const tail = encoder.end();
    if (tail.length > 0) lastOut = tail[tail.length - 1] ?? -1;
    // A single-part message ends with a line break like any other.
    const end = facts.isRoot && lastOut !== 0x0a ? Buffer.from(eol, 'latin1') : EMPTY;
    return Buffer.concat([...parts, tail, end]);
  };
  const footerBlock = (): string => {
    if (footer === null) return '';
    const gap = last === -1 ? '' : last === 0x0a ? eol : eol + eol;
    return gap + footer + (facts.isRoot ? eol : '');
  };

  if (edit.kind === 'plain' && !switching && isAsciiCompatible(charset)) {
    // The text itself never needs decoding: the footer's bytes are appended to the part's bytes.
    const pass = (bytes: Buffer): Buffer => {
      if (bytes.length > 0) last = bytes[bytes.length - 1] ?? -1;
      return emit(bytes);
    };
    return {
      write: (raw) => pass(decoder.write(raw)),
      end: () => {
        const rest = pass(decoder.end());
        return close([rest, emit(encodeText(footerBlock(), charset))]);
      },
    };
  }

  const reader = createTextDecoder(source);
  const writer = createTextEncoder(target);
  const text = (s: string): Buffer => {
    if (s.length > 0) last = s.charCodeAt(s.length - 1);
    return s.length > 0 ? emit(writer.write(s)) : EMPTY;
  };
  if (edit.kind === 'plain') {
    return {
      write: (raw) => text(reader.write(decoder.write(raw))),
      end: () => {
        const rest = text(reader.write(decoder.end()) + reader.end());
        const added = text(footerBlock());
        return close([rest, added, emit(writer.end())]);
      },
    };
  }
  const html = new HtmlEditor({
    trackClick: edit.trackClick,
    keepUrl: edit.keepUrl,
    insertion,
    metaCharset: switching ? 'utf-8' : null,
    eol,
    longestLine: output === '7bit' || output === '8bit' ? facts.longestLine : null,
  });
  return {
    write: (raw) => text(html.feed(reader.write(decoder.write(raw)))),
    end: () => {
      const rest = text(html.feed(reader.write(decoder.end()) + reader.end()) + html.finish());
      return close([rest, emit(writer.end())]);
    },
  };
}
