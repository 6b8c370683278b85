// Streaming edits of one HTML part on top of parse5's rewriting tokenizer: links become tracked
// redirects, the footer and pixel go in before </body>, and <meta> charsets follow a charset switch.
// Tokens we do not edit are written back from their raw source, so the rest of the HTML is unchanged.
import { RewritingStream } from 'parse5-html-rewriting-stream';
import { escapeHtml } from './footer.js';

interface SourceSpan {
  startOffset: number;
  endOffset: number;
}

interface TagLocation extends SourceSpan {
  attrs?: Record<string, SourceSpan>;
}

interface StartTagToken {
  tagName: string;
  attrs: { name: string; value: string }[];
  sourceCodeLocation?: TagLocation | null;
}

interface EndTagToken {
  tagName: string;
}

export interface HtmlEditOptions {
  /** Rewrites http(s) link targets; null leaves links alone. */
  trackClick: ((url: string) => string) | null;
  /** A link target never tracked (the unsubscribe URL). */
  keepUrl: string | null;
  /** Inserted before the first </body> (or </html>), or at the end when there is neither. */
  insertion: string | null;
  /** When the part switches charset, <meta> declarations are rewritten to name this one. */
  metaCharset: string | null;
  /** The part's line ending, for line breaks the editor adds. */
  eol: string;
  /**
   * For a part kept in 7bit/8bit: its longest original line. A longer link is then put on a line of
   * its own inside the tag, so no line grows past the 998 octets RFC 5322 allows.
   */
  longestLine: number | null;
}

const MAX_LINE = 998;
const TRACKABLE = /^https?:\/\//i;

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Upper bound of the octets a string takes in any ASCII-compatible charset. */
function octets(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export class HtmlEditor extends RewritingStream {
  readonly #options: HtmlEditOptions;
  #out: string[] = [];
  #insertion: string | null;
  // How much longer than in the original the current output line has become.
  #lineGrowth = 0;

  constructor(options: HtmlEditOptions) {
    super();
    this.#options = options;
    this.#insertion = options.insertion;
    this.on('startTag', (tag: StartTagToken, raw: string) => this.#startTag(tag, raw));
    this.on('endTag', (tag: EndTagToken, raw: string) => this.#endTag(tag, raw));
  }

  /** The parser's output is collected here rather than queued on the stream: the editor is used synchronously. */
  override push(chunk: unknown): boolean {
    if (typeof chunk === 'string' && chunk.length > 0) {
      this.#out.push(chunk);
      if (chunk.includes('\n')) this.#lineGrowth = 0;
    }
    return true;
  }

  /** Parses more decoded HTML and returns what can be written out so far. */
  feed(html: string): string {
    this._transformChunk(html);
    return this.#take();
  }

  /** Ends the part: flushes the tokenizer and places the insertion if no </body> came. */
  finish(): string {
    // _final runs the tokenizer over the end of input synchronously; there is no stream to end.
    this._final(() => undefined);
    if (this.#insertion !== null) this.push(this.#insertion);
    this.#insertion = null;
    return this.#take();
  }

  #take(): string {
    const text = this.#out.join('');
    this.#out = [];
    return text;
  }

  #track(href: string): string | null {
    if (!TRACKABLE.test(href) || this.#options.trackClick === null) return null;
    try {
      return this.#options.trackClick(href);
    } catch {
      // A link the tracker refuses (e.g. not a parseable URL) is delivered as it was, untracked.
      return null;
    }
  }

  #endTag(tag: EndTagToken, raw: string): void {
    if (this.#insertion !== null && (tag.tagName === 'body' || tag.tagName === 'html')) {
      this.push(this.#insertion);
      this.#insertion = null;
    }
    this.emitRaw(raw);
  }

  #startTag(tag: StartTagToken, raw: string): void {
    const location = tag.sourceCodeLocation;
    const edits: Edit[] = [];
    const attrEdit = (name: string, text: string): void => {
      const span = location?.attrs?.[name];
      if (location && span) {
        edits.push({
          start: span.startOffset - location.startOffset,
          end: span.endOffset - location.startOffset,
          text,
        });
      }
    };

    let link: Edit | undefined;
    if (tag.tagName === 'a' && this.#options.trackClick !== null) {
      const href = tag.attrs.find((a) => a.name === 'href')?.value.trim();
      const tracked = href !== undefined && href !== this.#options.keepUrl ? this.#track(href) : null;
      if (tracked !== null) {
        attrEdit('href', `href="${escapeHtml(tracked)}"`);
        link = edits[0];
      }
    }
    const charset = this.#options.metaCharset;
    if (tag.tagName === 'meta' && charset !== null) {
      if (tag.attrs.some((a) => a.name === 'charset')) attrEdit('charset', `charset="${charset}"`);
      const content = tag.attrs.find((a) => a.name === 'content');
      const isContentType = tag.attrs.some(
        (a) => a.name === 'http-equiv' && /^content-type$/i.test(a.value.trim()),
      );
      if (content && isContentType && /charset=/i.test(content.value)) {
        const value = content.value.replace(/charset=\s*["']?[^\s;"']*["']?/i, `charset=${charset}`);
        attrEdit('content', `content="${escapeHtml(value)}"`);
      }
    }
    if (edits.length === 0) {
      this.emitRaw(raw);
      return;
    }

    let html = raw;
    for (const edit of edits.sort((a, b) => b.start - a.start)) {
      html = html.slice(0, edit.start) + edit.text + html.slice(edit.end);
    }
    const growth = octets(html) - octets(raw);
    const longest = this.#options.longestLine;
    if (
      longest === null ||
      growth <= 0 ||
      (!raw.includes('\n') && longest + this.#lineGrowth + growth <= MAX_LINE)
    ) {
      this.push(html);
      if (longest !== null && !html.includes('\n')) this.#lineGrowth += Math.max(growth, 0);
      return;
    }
    if (link === undefined || edits.length > 1 || octets(link.text) > MAX_LINE) {
      // No way to keep lines short around this one: the link stays as it was, untracked.
      this.emitRaw(raw);
      return;
    }
    // Line breaks between attributes mean nothing in HTML: the line before and after the new href are
    // pieces of the original line, and the href gets a line of its own.
    const eol = this.#options.eol;
    this.push(
      `${raw.slice(0, link.start).replace(/[ \t]+$/, '')}${eol}${link.text}${eol}${raw.slice(link.end)}`,
    );
  }
}

/** Runs a small HTML fragment (the footer) through the link tracking of `trackClick`. */
export function trackLinksInFragment(
  html: string,
  trackClick: (url: string) => string,
  keepUrl: string | null,
): string {
  const editor = new HtmlEditor({
    trackClick,
    keepUrl,
    insertion: null,
    metaCharset: null,
    eol: '\n',
    longestLine: null,
  });
  return editor.feed(html) + editor.finish();
}
