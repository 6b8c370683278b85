// The progress line of long commands (`bench`, `queue purge`): one line on stderr rewritten in place,
// and only when stderr is a terminal, so pipes, files and --json output never see it.
export interface ProgressLine {
  update(text: string): void;
  /** Clears the line, leaving the terminal as it was before the first update. */
  done(): void;
}

interface TtyLike {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

const OFF: ProgressLine = { update: () => undefined, done: () => undefined };

export function progressLine(stream: TtyLike = process.stderr): ProgressLine {
  if (stream.isTTY !== true) return OFF;
  let shown = false;
  return {
    update(text) {
      // Cut to the terminal's width: a wrapped line could not be rewritten by a carriage return.
      // A pseudo-terminal may report 0 columns: then assume the usual 80.
      const width = Math.max((stream.columns || 80) - 1, 10);
      stream.write(`\r${text.slice(0, width)}\x1b[K`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
