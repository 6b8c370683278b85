// The per-recipient rewrite of a message at delivery time (SPEC §3.1): unsubscribe footer and
// List-Unsubscribe headers, click tracking, open pixel. Raw message bytes stream in and out; only the
// parts that change are decoded and re-encoded, everything else is copied byte for byte.
import { Transform, Writable, type TransformCallback } from 'node:stream';
import type { MimeNode, SplitterChunk } from '@zone-eu/mailsplit';
import { renderFooter, pixelHtml, type FooterTemplates, type RenderedFooter } from './footer.js';
import { HeaderBlock } from './header-block.js';
import { trackLinksInFragment } from './html-editor.js';
import {
  bodyTextKind,
  createSplitter,
  isSealed,
  lastBodyPart,
  type BodyPartOutline,
  type MessageOutline,
} from './message-outline.js';
import { createPartEditor, type PartEdit, type PartEditor } from './part-editor.js';

export interface RecipientTransformOptions {
  /** From `readMessageOutline` over the same bytes: which parts are last, whether it is signed. */
  outline: MessageOutline;
  recipient: string;
  /** The footer templates when the footer is on; blank templates mean the built-in footer. */
  footer?: FooterTemplates | null;
  /** The signed unsubscribe URL: `%%UNSUBSCRIBE%%` and the List-Unsubscribe header. */
  unsubscribeUrl?: string | null;
  /** Click tracking: the redirect URL for an http(s) link (must return an ASCII URL). */
  trackClick?: ((url: string) => string) | null;
  /** Open tracking: the URL of the 1×1 image. */
  openPixelUrl?: string | null;
}

const URL_SAFE = /^[^\s<>"\p{Cc}]+$/u;

function checkUrl(name: string, url: string | null | undefined): string | null {
  if (url === null || url === undefined) return null;
  if (!URL_SAFE.test(url))
    throw new TypeError(`${name} must be a URL without spaces, quotes or angle brackets`);
  return url;
}

/** Turns splitter output into message bytes, editing the nodes the options ask for. */
class MessageEditor {
  readonly #parts: Map<number, BodyPartOutline>;
  readonly #lastPlain: number | undefined;
  readonly #lastHtml: number | undefined;
  readonly #footer: RenderedFooter | null;
  readonly #pixel: string | null;
  readonly #unsubscribeUrl: string | null;
  readonly #trackClick: ((url: string) => string) | null;
  #index = -1;
  #part: PartEditor | null = null;
  #sealed: boolean;

  constructor(options: RecipientTransformOptions) {
    this.#sealed = options.outline.sealed;
    this.#parts = new Map(options.outline.bodyParts.map((p) => [p.node, p]));
    this.#lastPlain = lastBodyPart(options.outline, 'plain')?.node;
    this.#lastHtml = lastBodyPart(options.outline, 'html')?.node;
    this.#unsubscribeUrl = checkUrl('unsubscribeUrl', options.unsubscribeUrl);
    this.#trackClick = options.trackClick ?? null;
    const pixelUrl = checkUrl('openPixelUrl', options.openPixelUrl);
    this.#pixel = pixelUrl === null ? null : pixelHtml(pixelUrl);
    if (options.footer) {
      if (this.#unsubscribeUrl === null)
        throw new TypeError('A footer needs an unsubscribeUrl for %%UNSUBSCRIBE%%');
      const rendered = renderFooter(options.footer, this.#unsubscribeUrl, options.recipient);
      // Footer first, then click tracking (SPEC §3.1 order): links in the footer are tracked too,
      // except the unsubscribe link itself.
      this.#footer = {
        text: rendered.text,
        html:
          this.#trackClick === null
            ? rendered.html
            : trackLinksInFragment(rendered.html, this.#trackClick, this.#unsubscribeUrl),
      };
    } else {
      this.#footer = null;
    }
  }

  get sealed(): boolean {
    return this.#sealed;
  }

  handle(chunk: SplitterChunk): Buffer[] {
    if (chunk.type === 'node') {
      const out = this.#closePart();
      this.#index += 1;
      out.push(this.#openNode(chunk));
      return out;
    }
    if (chunk.type === 'body' && this.#part !== null) return [this.#part.write(chunk.value)];
    const out = chunk.type === 'data' ? this.#closePart() : [];
    out.push(chunk.value);
    return out;
  }

  finish(): Buffer[] {
    return this.#closePart();
  }

  #closePart(): Buffer[] {
    const part = this.#part;
    this.#part = null;
    return part === null ? [] : [part.end()];
  }

  #openNode(node: MimeNode): Buffer {
    const original = node.getHeaders();
    if (this.#index === 0 && isSealed(node)) this.#sealed = true;
    if (this.#sealed) return original;

    let head: HeaderBlock | null = null;
    const edit = this.#editFor(node);
    if (edit !== null) {
      head = HeaderBlock.parse(original);
      this.#part = createPartEditor(
        head,
        {
          charset: node.charset,
          encoding: node.encoding,
          flowed: node.flowed,
          longestLine: this.#parts.get(this.#index)?.longestLine ?? 0,
          isRoot: this.#index === 0,
        },
        edit,
      );
      // A part we cannot rewrite keeps its headers exactly as they were.
      if (this.#part === null) head = null;
    }
    if (this.#index === 0 && this.#unsubscribeUrl !== null) {
      head ??= HeaderBlock.parse(original);
      // Ours replace the sender's: RFC 8058 one-click applies to the one HTTPS URI in the header.
      head.remove('List-Unsubscribe');
      head.remove('List-Unsubscribe-Post');
      head.append('List-Unsubscribe', `<${this.#unsubscribeUrl}>`);
      head.append('List-Unsubscribe-Post', 'List-Unsubscribe=One-Click');
    }
    return head === null ? original : head.toBuffer();
  }

  #editFor(node: MimeNode): PartEdit | null {
    const entry = this.#parts.get(this.#index);
    const kind = bodyTextKind(node);
    // An outline of other bytes than these cannot point us at the wrong kind of part.
    if (entry === undefined || kind !== entry.kind) return null;
    if (kind === 'plain') {
      if (this.#footer === null || this.#index !== this.#lastPlain) return null;
      return { kind, footer: this.#footer.text, pixel: null, trackClick: null, keepUrl: null };
    }
    const last = this.#index === this.#lastHtml;
    const footer = last && this.#footer !== null ? this.#footer.html : null;
    const pixel = last ? this.#pixel : null;
    if (footer === null && pixel === null && this.#trackClick === null) return null;
    return { kind, footer, pixel, trackClick: this.#trackClick, keepUrl: this.#unsubscribeUrl };
  }
}

/** Raw message in, this recipient's copy out; splits with mailsplit and rewrites as it goes. */
class RecipientTransform extends Transform {
  readonly #editor: MessageEditor;
  readonly #splitter = createSplitter();
  readonly #sink: Writable;
  // The sink's callback, held while our readable side is full: backpressure reaches the splitter.
  #resumeSink: (() => void) | null = null;

  constructor(editor: MessageEditor) {
    super();
    this.#editor = editor;
    this.#sink = new Writable({
      objectMode: true,
      write: (chunk: SplitterChunk, _encoding, done) => this.#consume(chunk, done),
    });
    this.#splitter.pipe(this.#sink);
    this.#splitter.on('error', (err) => this.destroy(err));
    this.#sink.on('error', (err) => this.destroy(err));
  }

  #consume(chunk: SplitterChunk, done: (err?: Error) => void): void {
    let more = true;
    try {
      for (const bytes of this.#editor.handle(chunk)) {
        if (bytes.length > 0) more = this.push(bytes) && more;
      }
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (more) done();
    else this.#resumeSink = () => done();
  }

  override _read(size: number): void {
    const resume = this.#resumeSink;
    this.#resumeSink = null;
    resume?.();
    super._read(size);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#splitter.write(chunk)) callback();
    else this.#splitter.once('drain', () => callback());
  }

  override _flush(callback: TransformCallback): void {
    this.#sink.once('finish', () => {
      try {
        for (const bytes of this.#editor.finish()) if (bytes.length > 0) this.push(bytes);
        callback();
      } catch (err) {
        callback(err instanceof Error ? err : new Error(String(err)));
      }
    });
    this.#splitter.end();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#splitter.destroy();
    this.#sink.destroy();
    callback(err);
  }
}

/** Copies a signed or encrypted message as it is: not one byte of it may change. */
function passThrough(): Transform {
  return new Transform({ transform: (chunk: Buffer, _encoding, callback) => callback(null, chunk) });
}

/**
 * The transform for one recipient's copy. Throws TypeError for inconsistent options (a footer without
 * an unsubscribe URL, a URL with spaces or angle brackets). The stream errors (never throws) on MIME
 * the splitter refuses, e.g. a header block over 1 MiB.
 */
export function createRecipientTransform(options: RecipientTransformOptions): Transform {
  const editor = new MessageEditor(options);
  return editor.sealed ? passThrough() : new RecipientTransform(editor);
}
