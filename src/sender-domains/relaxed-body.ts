// RFC 6376 §3.4.4 "relaxed" body canonicalisation, hashed as the bytes stream past: trailing whitespace
// of each line dropped, runs of spaces and tabs made one space, empty lines at the end ignored, and a
// final CRLF ensured. Memory: one partial line at a time.
import { createHash, type Hash } from 'node:crypto';

const LF = 0x0a;

export class RelaxedBodyHash {
  private readonly hash: Hash = createHash('sha256');
  private partial: Buffer[] = [];
  private emptyLines = 0;

  update(chunk: Buffer): void {
    let start = 0;
    for (let lf = chunk.indexOf(LF, start); lf !== -1; lf = chunk.indexOf(LF, start)) {
      const piece = chunk.subarray(start, lf);
      if (this.partial.length > 0) {
        this.partial.push(piece);
        this.line(Buffer.concat(this.partial));
        this.partial = [];
      } else this.line(piece);
      start = lf + 1;
    }
    if (start < chunk.length) this.partial.push(Buffer.from(chunk.subarray(start)));
  }

  /** The base64 body hash (the `bh=` tag). */
  digest(): string {
    if (this.partial.length > 0) this.line(Buffer.concat(this.partial));
    this.partial = [];
    return this.hash.digest('base64');
  }

  private line(raw: Buffer): void {
    const text = raw
      .toString('latin1')
      .replace(/\r$/, '')
      .replace(/[ \t]+/g, ' ')
      .replace(/ $/, '');
    if (text === '') {
      this.emptyLines++;
      return;
    }
    if (this.emptyLines > 0) this.hash.update('\r\n'.repeat(this.emptyLines));
    this.emptyLines = 0;
    this.hash.update(`${text}\r\n`, 'latin1');
  }
}
