// The process logger: one JSON event per line, or readable lines (pino-pretty) for a person at a
// terminal; secrets are redacted wherever they might appear, in either format.
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { loadWhenUsed } from './load-when-used.js';

// Loaded only for readable lines; a node logging JSON does not carry it (docs/memory.md).
const pinoPretty = loadWhenUsed<typeof PinoPretty>('pino-pretty');

export type LogFormat = 'auto' | 'json' | 'pretty';

/** `auto` is readable on a terminal and JSON otherwise (a pipe, a file, journald). */
export function wantsPretty(format: LogFormat, stream: { isTTY?: boolean }): boolean {
  return format === 'pretty' || (format === 'auto' && stream.isTTY === true);
}

export interface LoggerOptions {
  /** Readable lines instead of JSON; colours only when the destination is a terminal. */
  pretty?: boolean;
}

export function createLogger(
  level: string,
  destination?: NodeJS.WritableStream,
  options: LoggerOptions = {},
): Logger {
  const out = destination ?? process.stdout;
  const stream = options.pretty
    ? pinoPretty()({
        destination: out,
        sync: true,
        colorize: (out as { isTTY?: boolean }).isTTY === true,
        translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
        ignore: 'pid,hostname,service',
      })
    : out === process.stdout
      ? // Written behind the event loop: lines logged while a write is under way go out together in the
        // next one, so a busy node makes a few large writes instead of one per line (the JSON lines of
        // stdout were 5 % of the CPU of an accepted message). Pending lines are flushed at exit; a hard
        // kill can lose the last few.
        pino.destination({ dest: 1, sync: false })
      : out;
  return pino(
    {
      level,
      base: { service: 'petrel' },
      redact: {
        paths: [
          'password',
          'email_password',
          'api_key',
          '*.password',
          '*.email_password',
          '*.api_key',
          'req.headers.authorization',
          'req.headers["x-smtp2go-api-key"]',
        ],
        censor: '[redacted]',
      },
    },
    stream,
  );
}
