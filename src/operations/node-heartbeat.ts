// The node heartbeat (`petrel status`): every few seconds `petrel serve` writes its row in the control
// plane — when it was last seen and what it delivered in the last minute and five minutes. A failed
// write is logged and tried again at the next beat; it never stops the node.
import { hostname as machineHostname } from 'node:os';
import type { Logger } from 'pino';
import type { NodeHeartbeatsRepository } from '../store/repositories/node-heartbeats.js';
import type { DeliveryRateSampler } from './delivery-rates.js';

/** How often a node writes its heartbeat; `petrel status` lists nodes seen within a minute. */
export const HEARTBEAT_INTERVAL_MS = 15_000;
export const SEEN_WITHIN_MS = 60_000;

/** A node's name in the heartbeat table: PETREL_HOSTNAME (each node of a cluster needs its own). */
export function nodeIdOf(config: { hostname: string }, worker = { index: 0, count: 1 }): string {
  const host = config.hostname || machineHostname();
  // Under PETREL_WORKERS each worker reports its own delivery rate (docs/workers.md).
  return worker.count > 1 ? workerNodeId(host, worker.index) : host;
}

const WORKER_MARK = '/worker-';

/** The id a node's worker reports its heartbeat under (docs/workers.md). */
export function workerNodeId(node: string, index: number): string {
  return `${node}${WORKER_MARK}${index}`;
}

/** The node a heartbeat id belongs to: the id itself, or the node of a worker's id. */
export function nodeOfHeartbeat(nodeId: string): string {
  const at = nodeId.lastIndexOf(WORKER_MARK);
  return at >= 0 && /^\d+$/.test(nodeId.slice(at + WORKER_MARK.length)) ? nodeId.slice(0, at) : nodeId;
}

export interface HeartbeatOptions {
  nodeId: string;
  /** The pid to report (a worker names its supervisor, the process an operator signals); default own. */
  pid?: number;
  version: string;
  repo: NodeHeartbeatsRepository;
  sampler: DeliveryRateSampler;
  logger: Logger;
  intervalMs?: number;
}

export class NodeHeartbeat {
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAt = new Date().toISOString();
  private beating: Promise<void> = Promise.resolve();

  constructor(private readonly options: HeartbeatOptions) {}

  /** Writes the first beat now (so a fresh node is listed at once), then every interval. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beating = this.beat();
    }, this.options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
  }

  async beat(): Promise<void> {
    const { repo, sampler, logger } = this.options;
    try {
      const rates = await sampler.sample();
      await repo.beat({
        node_id: this.options.nodeId,
        hostname: machineHostname(),
        pid: this.options.pid ?? process.pid,
        version: this.options.version,
        started_at: this.startedAt,
        seen_at: new Date().toISOString(),
        ...rates,
      });
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'node heartbeat not written');
    }
  }
}
