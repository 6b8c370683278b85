// Delivers the webhook outbox (SPEC §7). Every node runs one: it claims due calls (PostgreSQL: FOR UPDATE
// SKIP LOCKED, so two nodes never take the same call), sends them concurrently, and writes the outcomes
// in batches. It works apart from the mail flow: a slow or dead receiver only ever delays other calls.
import type { Logger } from 'pino';
import type { SecretBox } from '../security/secret-box.js';
import type {
  CallOutcome,
  WebhookCallRow,
  WebhookCallsRepository,
} from '../store/repositories/webhook-calls.js';
import type { WebhookRecord, WebhooksRepository } from '../store/repositories/webhooks.js';
import { encodeBody, type WebhookPayload } from './event-payload.js';
import { CALL_TIMEOUT_MS, type WebhookClient } from './http-call.js';
import type { WebhookMetrics } from './metrics.js';
import { nextAttemptAt, type RetrySchedule } from './retry-schedule.js';
import { HookKeyCache } from './hook-keys.js';
import { signedWithKey } from './signature.js';

export interface DispatcherDeps {
  calls: WebhookCallsRepository;
  webhooks: WebhooksRepository;
  box: SecretBox;
  client: WebhookClient;
  schedule: RetrySchedule;
  metrics: WebhookMetrics;
  logger: Logger;
}

export interface DispatcherOptions {
  /** Calls in flight at once on this node. */
  concurrency: number;
  /** How often an idle dispatcher looks for due calls. */
  pollMs: number;
}

/** A claimed call is another node's again after this long (past the 10 s timeout and the write-back). */
const LEASE_MS = 6 * CALL_TIMEOUT_MS;
/** Outcomes are written together at most this often. */
const SETTLE_MS = 50;

export class WebhookDispatcher {
  private stopped = false;
  private inflight = 0;
  private outcomes: CallOutcome[] = [];
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly running = new Set<Promise<void>>();
  private readonly keys: HookKeyCache;

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly options: DispatcherOptions,
  ) {
    this.keys = new HookKeyCache(deps.box);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Looks for due calls now (e.g. after a test call was queued). */
  wake(): void {
    this.wakeUp?.();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    await Promise.all([...this.running]);
    await this.settle();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let claimed = 0;
      const room = this.options.concurrency - this.inflight;
      // The outcomes so far and the next claim share one transaction: one commit per turn.
      const batch = this.outcomes.splice(0, this.outcomes.length);
      try {
        const rows = await this.deps.calls.settleAndClaim(batch, Math.max(0, room), LEASE_MS);
        claimed = rows.length;
        if (rows.length > 0) await this.launch(rows);
      } catch (err) {
        // Unwritten outcomes leave their calls claimed until the lease ends; they are then tried again.
        this.deps.logger.warn({ err, calls: batch.length }, 'webhooks: could not claim or settle calls');
      }
      // A full claim means more may be due: go again soon. Otherwise the outbox is caught up, and the
      // next look waits a poll interval, so calls are claimed (and outcomes written) in few, large
      // transactions rather than many small ones competing with the mail flow for the database.
      await this.pause(claimed > 0 && claimed === room ? SETTLE_MS : this.options.pollMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async launch(rows: WebhookCallRow[]): Promise<void> {
    const hooks = await this.deps.webhooks.byId([...new Set(rows.map((r) => r.webhook_id))]);
    for (const row of rows) {
      this.inflight++;
      const work = this.attempt(row, hooks.get(Number(row.webhook_id))).then(
        (outcome) => {
          this.outcomes.push(outcome);
        },
        (err: unknown) => this.deps.logger.error({ err, call: row.id }, 'webhooks: call failed unexpectedly'),
      );
      const tracked = work.finally(() => {
        this.inflight--;
        this.running.delete(tracked);
      });
      this.running.add(tracked);
    }
  }

  private async settle(): Promise<void> {
    if (this.outcomes.length === 0) return;
    const batch = this.outcomes.splice(0, this.outcomes.length);
    try {
      await this.deps.calls.settle(batch);
    } catch (err) {
      // The calls stay claimed until their lease ends and are then tried again (at least once).
      this.deps.logger.warn({ err, calls: batch.length }, 'webhooks: could not write call outcomes');
    }
  }

  private async attempt(row: WebhookCallRow, hook: WebhookRecord | undefined): Promise<CallOutcome> {
    const at = new Date();
    const failedTries = row.attempts + 1;
    if (!hook) {
      this.keys.forget(Number(row.webhook_id));
      return {
        id: row.id,
        status: null,
        answer: 'webhook removed',
        at,
        nextAttemptAt: null,
        delivered: false,
      };
    }
    // The outbox holds the payload as JSON already: a JSON webhook sends it as stored.
    const { body, contentType } =
      hook.outputFormat === 'json'
        ? { body: row.payload, contentType: 'application/json' }
        : encodeBody(JSON.parse(row.payload) as WebhookPayload, hook.outputFormat);
    const keys = this.keys.of(hook);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'user-agent': 'Petrel-Webhooks/1',
      ...signedWithKey(keys.key, `msg_${row.id}`, body, at),
    };
    if (keys.authorization !== null) headers.authorization = keys.authorization;
    const stop = this.deps.metrics.seconds.startTimer();
    const result = await this.deps.client.call(hook.url, headers, body);
    stop();
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    this.deps.metrics.attempts.inc({ result: ok ? 'success' : result.refused ? 'refused' : 'failure' });
    if (ok) {
      this.deps.metrics.delivered.inc();
      return {
        id: row.id,
        status: result.status,
        answer: result.answer,
        at,
        nextAttemptAt: null,
        delivered: true,
      };
    }
    const next = nextAttemptAt(this.deps.schedule, Date.parse(row.created_at), failedTries, at.getTime());
    if (next === null) {
      this.deps.metrics.givenUp.inc();
      this.deps.logger.warn(
        { webhook: hook.id, call: row.id, tries: failedTries },
        'webhooks: call given up',
      );
    }
    return {
      id: row.id,
      status: result.status,
      answer: result.answer,
      at,
      nextAttemptAt: next,
      delivered: false,
    };
  }
}
