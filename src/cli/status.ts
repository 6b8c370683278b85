// `petrel status`: this node's queue by state and its oldest waiting message (read from the spool),
// its delivery counts over the last minute and five minutes (from its heartbeat row, written by
// `petrel serve`), the destinations it is slowing down, and the nodes seen in the last minute (several
// with a shared PostgreSQL database).
import type { Command } from 'commander';
import { listNodeSlowDowns } from '../delivery/pacing/slowdown-file.js';
import { SEEN_WITHIN_MS, nodeIdOf, nodeOfHeartbeat, workerNodeId } from '../operations/node-heartbeat.js';
import type { StateCounts } from '../spool/index.js';
import { existingShards, sumStateCounts } from '../spool/shards.js';
import type { NodeHeartbeatRow, NodeHeartbeatsRepository } from '../store/repositories/node-heartbeats.js';
import { loadCliConfig } from './config.js';
import { withSession } from './context.js';
import { printFields, printJson, printLine, printTable } from './output.js';
import { withQueues } from './queue.js';

const WAITING = ['queued', 'deferred', 'held'] as const;

interface StatusReport {
  node: string;
  database: 'sqlite' | 'postgres';
  queue: StateCounts;
  oldest: { message_id: string; received_at: string; age_seconds: number } | null;
  /** Null when this node has never written a heartbeat (it has not run `petrel serve` yet). */
  delivery: {
    delivered_last_minute: number;
    delivered_last_5_minutes: number;
    per_minute_over_5_minutes: number;
    deferred_last_5_minutes: number;
    bounced_last_5_minutes: number;
    as_of: string;
    running: boolean;
  } | null;
  /** Destinations this node is slowing down after "rate limited" replies (SPEC §9). */
  slowdowns: {
    destination: string;
    factor: number;
    messages_per_minute: number;
    since: string;
    last_reply: string;
  }[];
  nodes: {
    node_id: string;
    hostname: string;
    pid: number;
    version: string;
    started_at: string;
    seen_at: string;
    /** Worker processes of the node seen (PETREL_WORKERS). */
    workers: number;
  }[];
}

/** The queue section: counts by state and the oldest message still waiting, over every spool shard. */
async function queueSection(command: Command): Promise<Pick<StatusReport, 'queue' | 'oldest'>> {
  // A node that never served has no spool yet: an empty queue, not an error.
  if (existingShards(loadCliConfig(command).dataDir).length === 0)
    return { queue: sumStateCounts([]), oldest: null };
  const shards = await withQueues(command, (admin) => ({
    counts: admin.queue.counts(),
    first: admin.queue.list({ states: [...WAITING], limit: 1 })[0],
  }));
  const queue = sumStateCounts(shards.map((s) => s.counts));
  const first = shards
    .map((s) => s.first)
    .filter((f) => f !== undefined)
    .sort((a, b) => a.receivedAt - b.receivedAt)[0];
  const oldest =
    first === undefined
      ? null
      : {
          message_id: first.messageId,
          received_at: new Date(first.receivedAt).toISOString(),
          age_seconds: Math.round((Date.now() - first.receivedAt) / 1000),
        };
  return { queue, oldest };
}

/** The delivery section: this node's last heartbeat, and whether it is recent enough to mean "running". */
function deliverySection(row: NodeHeartbeatRow | undefined, now: number): StatusReport['delivery'] {
  if (row === undefined) return null;
  return {
    delivered_last_minute: row.delivered_1m,
    delivered_last_5_minutes: row.delivered_5m,
    per_minute_over_5_minutes: Math.round((row.delivered_5m / 5) * 10) / 10,
    deferred_last_5_minutes: row.deferred_5m,
    bounced_last_5_minutes: row.bounced_5m,
    as_of: row.seen_at,
    running: now - Date.parse(row.seen_at) <= SEEN_WITHIN_MS,
  };
}

/**
 * This node's heartbeat: its own row, or under PETREL_WORKERS the sum of its workers' rows (each worker
 * reports its own deliveries), seen when the most recent of them was.
 */
async function nodeHeartbeat(
  heartbeats: Pick<NodeHeartbeatsRepository, 'find'>,
  node: string,
  dataDir: string,
): Promise<NodeHeartbeatRow | undefined> {
  const shards = existingShards(dataDir);
  const rows: NodeHeartbeatRow[] = [];
  for (const id of [node, ...shards.map((s) => workerNodeId(node, s.index))]) {
    const row = await heartbeats.find(id);
    if (row) rows.push(row);
  }
  if (rows.length <= 1) return rows[0];
  const newest = rows.reduce((a, b) => (a.seen_at >= b.seen_at ? a : b));
  // Only the rows of the run that wrote last: a single process's row from before the workers is stale.
  const current = rows.filter((r) => Date.parse(newest.seen_at) - Date.parse(r.seen_at) <= SEEN_WITHIN_MS);
  const total = (pick: (r: NodeHeartbeatRow) => number) => current.reduce((n, r) => n + pick(r), 0);
  return {
    ...newest,
    delivered_1m: total((r) => r.delivered_1m),
    delivered_5m: total((r) => r.delivered_5m),
    deferred_5m: total((r) => r.deferred_5m),
    bounced_5m: total((r) => r.bounced_5m),
  };
}

/** The nodes section: every node whose heartbeat is within the last minute. */
function nodesSection(rows: NodeHeartbeatRow[]): StatusReport['nodes'] {
  // A node with several workers has a row per worker: shown once, with how many of them were seen.
  const nodes = new Map<string, StatusReport['nodes'][number]>();
  for (const { node_id, hostname, pid, version, started_at, seen_at } of rows) {
    const id = nodeOfHeartbeat(node_id);
    const seen = nodes.get(id);
    if (seen === undefined) {
      nodes.set(id, { node_id: id, hostname, pid, version, started_at, seen_at, workers: 1 });
      continue;
    }
    seen.workers += 1;
    if (started_at < seen.started_at) seen.started_at = started_at;
    if (seen_at > seen.seen_at) seen.seen_at = seen_at;
  }
  return [...nodes.values()];
}

/** The slow-downs section: what the node's pacer wrote beside its spool, recovery applied. */
function slowdownsSection(dataDir: string): StatusReport['slowdowns'] {
  return listNodeSlowDowns(dataDir).map((s) => ({
    destination: s.destination,
    factor: s.factor,
    messages_per_minute: s.messagesPerMinute,
    since: new Date(s.since).toISOString(),
    last_reply: s.lastReply,
  }));
}

async function collect(command: Command): Promise<StatusReport> {
  const config = loadCliConfig(command);
  const node = nodeIdOf(config);
  const { queue, oldest } = await queueSection(command);
  return withSession(config, { createDataDir: false }, async ({ store, ops }) => {
    const now = Date.now();
    const heartbeats = ops.repos.nodeHeartbeats;
    return {
      node,
      database: store.dialect,
      queue,
      oldest,
      delivery: deliverySection(await nodeHeartbeat(heartbeats, node, config.dataDir), now),
      slowdowns: slowdownsSection(config.dataDir),
      nodes: nodesSection(await heartbeats.seenSince(new Date(now - SEEN_WITHIN_MS).toISOString())),
    };
  });
}

function printReport(report: StatusReport): void {
  const d = report.delivery;
  printFields({
    node: report.node,
    running: d === null ? 'never started' : d.running ? 'yes' : `no (last seen ${d.as_of})`,
    queue: WAITING.map((s) => `${s} ${report.queue[s]}`).join(', '),
    oldest:
      report.oldest === null
        ? 'none waiting'
        : `${report.oldest.message_id}, received ${report.oldest.received_at} (${report.oldest.age_seconds} s ago)`,
    delivered:
      d === null
        ? '-'
        : `${d.delivered_last_minute} in the last minute, ${d.delivered_last_5_minutes} in 5 minutes (${d.per_minute_over_5_minutes}/min)`,
    'deferred, bounced':
      d === null ? '-' : `${d.deferred_last_5_minutes}, ${d.bounced_last_5_minutes} in 5 minutes`,
  });
  if (report.slowdowns.length > 0) {
    printLine('\nSlowed-down destinations:');
    printTable(
      ['DESTINATION', 'RATE', 'PER MINUTE', 'SINCE', 'LAST REPLY'],
      report.slowdowns.map((s) => [
        s.destination,
        `x${s.factor}`,
        s.messages_per_minute,
        s.since,
        s.last_reply,
      ]),
    );
  }
  printLine(`\nNodes seen in the last minute (${report.database}):`);
  if (report.nodes.length === 0) printLine('none');
  else
    printTable(
      ['NODE', 'HOST', 'PID', 'WORKERS', 'VERSION', 'STARTED', 'LAST SEEN'],
      report.nodes.map((n) => [n.node_id, n.hostname, n.pid, n.workers, n.version, n.started_at, n.seen_at]),
    );
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      "This node's queue by state, its oldest waiting message and delivery counts (last minute and " +
        '5 minutes), and the nodes seen in the last minute',
    )
    .option('--json', 'print the report as one JSON object')
    .addHelpText(
      'after',
      `
Delivery counts come from the heartbeat a running 'petrel serve' writes every 15 s, so they are
as fresh as its last beat. With PostgreSQL every node sharing the database is listed.

Example:
  $ petrel status --json`,
    )
    .action(async (options: { json?: boolean }, command: Command) => {
      const report = await collect(command);
      if (options.json) printJson(report);
      else printReport(report);
    });
}
