// How commands print: compact JSON for --json, key: value lines and small tables for people, and the
// one-line error report with its exit code (1 for a refused request or bad config, 2 for usage).
import { CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { PetrelError } from '../domain/errors.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  printLine(JSON.stringify(value));
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (value === '') return '""';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One `key: value` line per field, values aligned. */
export function printFields(fields: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(fields).map((k) => k.length)) + 1;
  for (const [key, value] of Object.entries(fields)) {
    printLine(`${`${key}:`.padEnd(width)} ${formatValue(value)}`);
  }
}

/** A plain table: a header row, then one row per item, columns padded to their widest cell. */
export function printTable(headers: string[], rows: unknown[][]): void {
  const cells = [headers, ...rows.map((row) => row.map(formatValue))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  for (const row of cells) {
    printLine(
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    );
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Reports what a command threw and returns the exit code. Expected failures (configuration, a request
 * the rules refuse) are one line; anything else is one line plus a pointer to the debug log level,
 * and its stack only when that level is on.
 */
export function reportError(err: unknown, debug: boolean): number {
  // Commander has already printed its own usage message (or the help text).
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
  if (err instanceof ConfigError || err instanceof PetrelError) {
    process.stderr.write(`petrel: ${oneLine(err.message)}\n`);
    return EXIT_FAILURE;
  }
  const message = oneLine(err instanceof Error ? err.message : String(err));
  if (!debug) {
    process.stderr.write(`petrel: ${message}; run with PETREL_LOG_LEVEL=debug for details\n`);
  } else {
    process.stderr.write(`petrel: ${message}\n`);
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  }
  return EXIT_FAILURE;
}
