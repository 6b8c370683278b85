// The logger of the one-shot commands (init, migrate, apikey, user): stdout belongs to the command's own
// output, so log events go to stderr — one readable line each, or full JSON lines at debug/trace level.
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../logger.js';

export function isDebugLevel(level: string | undefined): boolean {
  return level === 'debug' || level === 'trace';
}

const LABELS: Record<number, string> = { 40: 'warning', 50: 'error', 60: 'fatal' };

/** Turns each pino JSON line into `petrel: warning: <msg>` on stderr. */
function readableStderr(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          const event = JSON.parse(line) as { level?: number; msg?: string };
          const label = LABELS[event.level ?? 0] ?? 'info';
          process.stderr.write(`petrel: ${label}: ${event.msg ?? ''}\n`);
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

/**
 * The operations log an `info` line for every change ("SMTP user added"); a command already says so on
 * stdout, so below debug level only warnings and errors are shown.
 */
export function createCommandLogger(level: string): Logger {
  if (isDebugLevel(level)) return createLogger(level, process.stderr);
  return createLogger(level === 'info' ? 'warn' : level, readableStderr());
}
