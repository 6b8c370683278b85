// Byte-exact editing of one MIME header block: fields we do not touch keep their bytes, folding and
// order; fields we add use the block's own line ending.

interface Field {
  /** Lower-case field name; '' for a line that is not a field (an mbox "From " line). */
  name: string;
  /** The field as it was (or will be) written, folded lines and line ending included. */
  raw: string;
}

/** The line ending of the first line of a header block (or a message): CRLF unless it is a bare LF. */
export function detectLineEnding(head: Buffer): string {
  const lf = head.indexOf(0x0a);
  return lf > 0 && head[lf - 1] === 0x0d ? '\r\n' : lf < 0 ? '\r\n' : '\n';
}

export class HeaderBlock {
  readonly eol: string;
  #fields: Field[];
  #terminator: string;

  private constructor(fields: Field[], terminator: string, eol: string) {
    this.#fields = fields;
    this.#terminator = terminator;
    this.eol = eol;
  }

  /** Parses a header block as mailsplit hands it over: the fields and the empty line that ends them. */
  static parse(head: Buffer): HeaderBlock {
    const text = head.toString('latin1');
    const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    const eol = detectLineEnding(head);
    let terminator = '';
    // The empty line (and nothing after it) closes the block; a block cut short by EOF has none.
    const last = lines[lines.length - 1];
    if (last !== undefined && /^\r?\n$/.test(last)) {
      terminator = last;
      lines.pop();
    }
    const fields: Field[] = [];
    for (const line of lines) {
      const previous = fields[fields.length - 1];
      if ((line.startsWith(' ') || line.startsWith('\t')) && previous !== undefined) {
        previous.raw += line;
        continue;
      }
      const colon = line.indexOf(':');
      fields.push({ name: colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '', raw: line });
    }
    return new HeaderBlock(fields, terminator, eol);
  }

  /** The first field of that name, unfolded, without the name. */
  get(name: string): string | undefined {
    const field = this.#fields.find((f) => f.name === name.toLowerCase());
    if (field === undefined) return undefined;
    return field.raw
      .slice(field.raw.indexOf(':') + 1)
      .replace(/\r?\n([ \t])/g, '$1')
      .trim();
  }

  remove(name: string): void {
    this.#fields = this.#fields.filter((f) => f.name !== name.toLowerCase());
  }

  /** Replaces the first field of that name in place (dropping any others), or appends it. */
  set(name: string, value: string): void {
    const key = name.toLowerCase();
    const at = this.#fields.findIndex((f) => f.name === key);
    if (at < 0) {
      this.append(name, value);
      return;
    }
    this.#fields = this.#fields.filter((f, i) => f.name !== key || i === at);
    const field = this.#fields[at];
    if (field !== undefined) field.raw = this.#line(name, value);
  }

  append(name: string, value: string): void {
    this.#fields.push({ name: name.toLowerCase(), raw: this.#line(name, value) });
  }

  toBuffer(): Buffer {
    // A block that ended at EOF without an empty line gets one only if something was added after it.
    return Buffer.from(this.#fields.map((f) => f.raw).join('') + this.#terminator, 'latin1');
  }

  #line(name: string, value: string): string {
    if (/[\r\n]/.test(value)) throw new TypeError(`Header ${name} must not contain line breaks`);
    const last = this.#fields[this.#fields.length - 1];
    // The field before an appended one may be the last line of a block that EOF cut short.
    if (last !== undefined && !last.raw.endsWith('\n')) last.raw += this.eol;
    return `${name}: ${value}${this.eol}`;
  }
}
