// `petrel status`: this node's queue by state and its oldest waiting message (read from the spool),
// its delivery counts over the last minute and five minutes (from its heartbeat row, written by
// `petrel serve`), the destinations it is slowing down, and the nodes seen in the last minute (several
// with a shared PostgreSQL database).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { listSlowDowns } from '../delivery/pacing/slowdown-file.js';
import { SEEN_WITHIN_MS, nodeIdOf } from '../operations/node-heartbeat.js';
import { spoolDirectory, type StateCounts } from '../spool/index.js';
import type { NodeHeartbeatRow } from '../store/repositories/node-heartbeats.js';
import { loadCliConfig, withSession } from './context.js';
import { printFields, printJson, printLine, printTable } from './output.js';
import { withQueue } from './queue.js';

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
  }[];
}

/** The queue section: counts by state and the oldest message still waiting (queued, deferred, held). */
async function queueSection(command: Command): Promise<Pick<StatusReport, 'queue' | 'oldest'>> {
  // A node that never served has no spool yet: an empty queue, not an error.
  if (!existsSync(spoolDirectory(loadCliConfig(command).dataDir)))
    return { queue: { queued: 0, deferred: 0, held: 0, delivered: 0, bounced: 0 }, oldest: null };
  return withQueue(command, (admin) => {
    const [first] = admin.queue.list({ states: [...WAITING], limit: 1 });
    const oldest =
      first === undefined
        ? null
        : {
            message_id: first.messageId,
            received_at: new Date(first.receivedAt).toISOString(),
            age_seconds: Math.round((Date.now() - first.receivedAt) / 1000),
          };
    return Promise.resolve({ queue: admin.queue.counts(), oldest });
  });
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

/** The nodes section: every node whose heartbeat is within the last minute. */
function nodesSection(rows: NodeHeartbeatRow[]): StatusReport['nodes'] {
  return rows.map(({ node_id, hostname, pid, version, started_at, seen_at }) => ({
    node_id,
    hostname,
    pid,
    version,
    started_at,
    seen_at,
  }));
}

/** The slow-downs section: what the node's pacer wrote beside its spool, recovery applied. */
function slowdownsSection(dataDir: string): StatusReport['slowdowns'] {
  return listSlowDowns(spoolDirectory(dataDir)).map((s) => ({
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
      delivery: deliverySection(await heartbeats.find(node), now),
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
      ['NODE', 'HOST', 'PID', 'VERSION', 'STARTED', 'LAST SEEN'],
      report.nodes.map((n) => [n.node_id, n.hostname, n.pid, n.version, n.started_at, n.seen_at]),
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
