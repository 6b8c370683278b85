// `petrel queue list|retry|purge`: the operator's view of this node's local delivery queue, safe beside a
// running `petrel serve` (openSpoolAdmin takes no lock; its changes are seen at the worker's next poll).
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { apiException } from '../domain/errors.js';
import {
  openSpoolAdmin,
  spoolDirectory,
  type QueueEntry,
  type RecipientState,
  type SpoolAdmin,
} from '../spool/index.js';
import { listSlowDowns } from '../delivery/pacing/slowdown-file.js';
import { loadCliConfig } from './context.js';
import { createCommandLogger } from './log.js';
import { printJson, printLine, printTable } from './output.js';
import { progressLine } from './progress.js';

const STATES: RecipientState[] = ['queued', 'deferred', 'held', 'delivered', 'bounced'];

/** Opens the queue of the configured data directory for one command, and always closes it. */
export async function withQueue<T>(command: Command, work: (admin: SpoolAdmin) => Promise<T>): Promise<T> {
  const config = loadCliConfig(command);
  const dir = spoolDirectory(config.dataDir);
  if (!existsSync(dir)) {
    throw apiException(
      `There is no spool in '${config.dataDir}'; check PETREL_DATA_DIR (or run 'petrel serve' once)`,
    );
  }
  const admin = await openSpoolAdmin(dir, createCommandLogger(config.logLevel));
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** One queue row as --json prints it (snake_case, like the API). */
function entryJson(e: QueueEntry) {
  return {
    id: e.id,
    message_id: e.messageId,
    recipient: e.address,
    kind: e.kind,
    state: e.state,
    attempts: e.attempts,
    next_attempt_at: iso(e.nextAttemptAt),
    last_reply: e.lastReply,
    mail_from: e.mailFrom,
    username: e.username,
    received_at: iso(e.receivedAt),
    sandbox: e.sandbox,
  };
}

function parseStates(list: string): RecipientState[] {
  const states = list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  for (const s of states) {
    if (!STATES.includes(s as RecipientState)) {
      throw apiException(`--state takes ${STATES.join(', ')} or all; found '${s}'`);
    }
  }
  return states as RecipientState[];
}

function parseCount(value: string, name: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw apiException(`${name} must be a positive integer, found '${value}'`);
  return Number(value);
}

interface ListOptions {
  state: string;
  message?: string;
  limit: string;
  after?: string;
  json?: boolean;
}

function registerList(queue: Command): void {
  queue
    .command('list')
    .description('List the recipients in the queue (queued and deferred by default), oldest first')
    .option('--state <list>', `comma-separated states: ${STATES.join(', ')}, or all`, 'queued,deferred')
    .option('--message <id>', 'only this message')
    .option('--limit <n>', 'at most this many rows', '100')
    .option('--after <id>', 'paging: rows after this recipient id (the last ID of the previous page)')
    .option('--json', 'print a JSON list of rows; the next --after goes to stderr when more follow')
    .addHelpText('after', '\nExample:\n  $ petrel queue list --state deferred --limit 20')
    .action(async (options: ListOptions, command: Command) => {
      const states = options.state.trim().toLowerCase() === 'all' ? STATES : parseStates(options.state);
      const limit = parseCount(options.limit, '--limit');
      const afterId = options.after === undefined ? undefined : parseCount(options.after, '--after');
      const { rows, counts, slowDowns } = await withQueue(command, (admin) =>
        Promise.resolve({
          rows: admin.queue.list({ states, messageId: options.message, limit, afterId }),
          counts: admin.queue.counts(),
          slowDowns: listSlowDowns(spoolDirectory(loadCliConfig(command).dataDir)),
        }),
      );
      const last = rows.at(-1);
      const more = rows.length === limit && last !== undefined ? last.id : null;
      if (options.json) {
        printJson(rows.map(entryJson));
        if (more !== null) process.stderr.write(`petrel: more rows follow: --after ${more}\n`);
        return;
      }
      printTable(
        ['ID', 'MESSAGE', 'STATE', 'TRIES', 'NEXT ATTEMPT', 'RECIPIENT', 'SENDER', 'LAST REPLY'],
        rows.map((e) => [
          e.id,
          e.messageId,
          e.kind === 'audit' ? `${e.state} (audit)` : e.state,
          e.attempts,
          iso(e.nextAttemptAt),
          e.address,
          e.mailFrom === '' ? '<>' : e.mailFrom,
          e.lastReply,
        ]),
      );
      printLine(`\n${STATES.map((s) => `${s}: ${counts[s]}`).join(', ')}`);
      if (slowDowns.length > 0) {
        // Destinations that answered "rate limited": their mail waits longer between messages.
        printLine('\nSlowed down:');
        printTable(
          ['DESTINATION', 'RATE', 'PER MINUTE', 'SINCE', 'LAST REPLY'],
          slowDowns.map((d) => [
            d.destination,
            `${Math.round(d.factor * 100)}%`,
            d.messagesPerMinute,
            iso(d.since),
            d.lastReply,
          ]),
        );
      }
      if (more !== null) printLine(`More rows follow: petrel queue list --after ${more}`);
    });
}

function registerRetry(queue: Command): void {
  queue
    .command('retry')
    .description('Make queued and deferred recipients due now (all of them, or those of one message)')
    .option('--message <id>', 'only this message')
    .option('--json', 'print {"recipients": <how many are now due>}')
    .addHelpText('after', '\nExample:\n  $ petrel queue retry --message 0mwx8q8zhzj9oorf2md')
    .action(async (options: { message?: string; json?: boolean }, command: Command) => {
      const n = await withQueue(command, (admin) =>
        admin.queue.retry(options.message === undefined ? {} : { messageId: options.message }),
      );
      if (options.json) printJson({ recipients: n });
      else
        printLine(
          `${n} recipient${n === 1 ? '' : 's'} due now; the delivery worker takes them at its next poll.`,
        );
    });
}

function registerPurge(queue: Command): void {
  queue
    .command('purge')
    .description('Remove messages from the queue without delivering them (no bounce is sent)')
    .option('--message <id...>', 'the message(s) to remove')
    .addOption(new Option('--all', 'remove every message in the queue').conflicts('message'))
    .option('--json', 'print {"messages": <how many were removed>}')
    .addHelpText('after', '\nExample:\n  $ petrel queue purge --message 0mwx8q8zhzj9oorf2md')
    .action(async (options: { message?: string[]; all?: boolean; json?: boolean }, command: Command) => {
      if (!options.all && (options.message ?? []).length === 0)
        command.error('purge needs --message <id> or --all');
      const line = progressLine();
      const n = await withQueue(command, (admin) =>
        admin.queue.purge(
          options.all ? { all: true } : { messageIds: options.message ?? [] },
          (done, total) => line.update(`purge: ${done}/${total} messages removed`),
        ),
      ).finally(() => line.done());
      if (options.json) printJson({ messages: n });
      else printLine(`Removed ${n} message${n === 1 ? '' : 's'}.`);
    });
}

export function registerQueueCommands(program: Command): void {
  const queue = program.command('queue').description("The node's local delivery queue (operator's view)");
  registerList(queue);
  registerRetry(queue);
  registerPurge(queue);
}
