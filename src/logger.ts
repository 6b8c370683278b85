// The process logger: one JSON event per line, or readable lines (pino-pretty) for a person at a
// terminal; secrets are redacted wherever they might appear, in either format.
import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

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
    ? pinoPretty({
        destination: out,
        sync: true,
        colorize: (out as { isTTY?: boolean }).isTTY === true,
        translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
        ignore: 'pid,hostname,service',
      })
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
