// `petrel queue list|retry|purge`: the operator's view of this node's local delivery queue, safe beside a
// running `petrel serve` (openSpoolAdmin takes no lock; its changes are seen at the worker's next poll).
import { Option, type Command } from 'commander';
import { apiException } from '../domain/errors.js';
import { type QueueEntry, type RecipientState, type SpoolAdmin } from '../spool/index.js';
import { eachShardQueue, existingShards, sumStateCounts, type SpoolShard } from '../spool/shards.js';
import { listNodeSlowDowns } from '../delivery/pacing/slowdown-file.js';
import { loadCliConfig } from './config.js';
import { createCommandLogger } from './log.js';
import { printJson, printLine, printTable } from './output.js';
import { progressLine } from './progress.js';

const STATES: RecipientState[] = ['queued', 'deferred', 'held', 'delivered', 'bounced'];

/**
 * Runs `work` on the queue of every spool shard of the configured data directory (one per worker,
 * docs/workers.md), each opened and closed in turn.
 */
export async function withQueues<T>(
  command: Command,
  work: (admin: SpoolAdmin, shard: SpoolShard) => T | Promise<T>,
): Promise<T[]> {
  const config = loadCliConfig(command);
  if (existingShards(config.dataDir).length === 0) {
    throw apiException(
      `There is no spool in '${config.dataDir}'; check PETREL_DATA_DIR (or run 'petrel serve' once)`,
    );
  }
  return eachShardQueue(config.dataDir, createCommandLogger(config.logLevel), work);
}

const sum = (numbers: number[]): number => numbers.reduce((a, b) => a + b, 0);

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** One queue row as --json prints it (snake_case, like the API); `shard` only when a node has several. */
function entryJson(e: QueueEntry, shard: number | null) {
  return {
    ...(shard === null ? {} : { shard }),
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
  shard?: string;
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
    .option('--shard <n>', "only this worker's spool shard (the SHARD column; PETREL_WORKERS above 1)")
    .option('--json', 'print a JSON list of rows; the next --after goes to stderr when more follow')
    .addHelpText('after', '\nExample:\n  $ petrel queue list --state deferred --limit 20')
    .action(async (options: ListOptions, command: Command) => {
      const states = options.state.trim().toLowerCase() === 'all' ? STATES : parseStates(options.state);
      const limit = parseCount(options.limit, '--limit');
      const afterId = options.after === undefined ? undefined : parseCount(options.after, '--after');
      const onlyShard = options.shard === undefined ? null : parseShard(options.shard);
      const dataDir = loadCliConfig(command).dataDir;
      const sharded = existingShards(dataDir).length > 1;
      // Recipient ids are numbered per shard: a page is a page of one shard.
      if (sharded && afterId !== undefined && onlyShard === null)
        command.error('--after pages through one spool shard: give --shard too (the SHARD column)');
      const perShard = await withQueues(command, (admin, shard) => ({
        shard: shard.index,
        rows:
          onlyShard === null || onlyShard === shard.index
            ? admin.queue.list({ states, messageId: options.message, limit, afterId })
            : [],
        counts: admin.queue.counts(),
      }));
      const rows = perShard
        .flatMap(({ shard, rows }) => rows.map((entry) => ({ shard, entry })))
        .sort((a, b) => a.entry.receivedAt - b.entry.receivedAt || a.shard - b.shard)
        .slice(0, limit);
      const counts = sumStateCounts(perShard.map((p) => p.counts));
      const slowDowns = listNodeSlowDowns(dataDir);
      // More rows may follow in the shard of the last row shown (the hint pages that shard).
      const last = rows.at(-1);
      const more =
        rows.length === limit && last !== undefined
          ? sharded
            ? `--shard ${last.shard} --after ${last.entry.id}`
            : `--after ${last.entry.id}`
          : null;
      if (options.json) {
        printJson(rows.map(({ shard, entry }) => entryJson(entry, sharded ? shard : null)));
        if (more !== null) process.stderr.write(`petrel: more rows follow: ${more}\n`);
        return;
      }
      printTable(
        [
          ...(sharded ? ['SHARD'] : []),
          'ID',
          'MESSAGE',
          'STATE',
          'TRIES',
          'NEXT ATTEMPT',
          'RECIPIENT',
          'SENDER',
          'LAST REPLY',
        ],
        rows.map(({ shard, entry: e }) => [
          ...(sharded ? [shard] : []),
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
      if (more !== null) printLine(`More rows follow: petrel queue list ${more}`);
    });
}

function parseShard(value: string): number {
  if (!/^\d+$/.test(value)) throw apiException(`--shard must be a shard number (0, 1, …), found '${value}'`);
  return Number(value);
}

function registerRetry(queue: Command): void {
  queue
    .command('retry')
    .description('Make queued and deferred recipients due now (all of them, or those of one message)')
    .option('--message <id>', 'only this message')
    .option('--json', 'print {"recipients": <how many are now due>}')
    .addHelpText('after', '\nExample:\n  $ petrel queue retry --message 0mwx8q8zhzj9oorf2md')
    .action(async (options: { message?: string; json?: boolean }, command: Command) => {
      const n = sum(
        await withQueues(command, (admin) =>
          admin.queue.retry(options.message === undefined ? {} : { messageId: options.message }),
        ),
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
      const sharded = existingShards(loadCliConfig(command).dataDir).length > 1;
      const n = sum(
        await withQueues(command, (admin, shard) =>
          admin.queue.purge(
            options.all ? { all: true } : { messageIds: options.message ?? [] },
            (done, total) =>
              line.update(
                `purge: ${sharded ? `shard ${shard.index}: ` : ''}${done}/${total} messages removed`,
              ),
          ),
        ).finally(() => line.done()),
      );
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
