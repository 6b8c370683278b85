// The "delayed" DSN of SPEC §9: a periodic sweep finds messages still undelivered past
// PETREL_DELAY_NOTICE_AFTER and sends each one RFC 3464 `Action: delayed` notice for its recipients still
// waiting, under the bounce_notifications rules. The mark is stored durably before the notice is
// spooled: a crash in between loses that notice rather than ever sending two.
import type { Logger } from 'pino';
import type { DeliveryLedger, QueueRecipient, SpoolQueue } from '../spool/index.js';
import { sendDeliveryNotice, type BounceNoticeDeps } from './bounce-notice.js';
import type { DsnRecipient } from './dsn.js';
import { readHeaderBlock } from './header-block.js';
import { parseReply } from './smtp-reply.js';

export interface DelayNoticeDeps extends BounceNoticeDeps {
  ledger: Pick<DeliveryLedger, 'delayedMessages' | 'markDelayNotice'>;
  queue: Pick<SpoolQueue, 'openBody'>;
  logger: Logger;
}

export interface DelayNoticeOptions {
  /** Age (from acceptance) at which a waiting message gets its notice; 0 sends none. */
  afterMs: number;
  /** When Petrel gives up on a message (its Will-Retry-Until). */
  retryMaxAgeMs: number;
}

/** Messages looked at per sweep; the rest wait for the next one. */
const BATCH = 100;
/** Well within the minute SPEC §9 allows; shorter ages (tests) are swept more often. */
const MAX_SWEEP_MS = 30_000;

/** The recipient's last reply as the notice's diagnostic: "451 4.3.0 …" from a server, else local. */
function delayedRecipient(r: QueueRecipient, willRetryUntil: Date): DsnRecipient {
  const last = r.lastReply ?? '';
  const fromServer = /^\d{3}\b/.test(last);
  const reply = parseReply(last);
  const status = fromServer ? reply.enhancedCode : (/^[245]\.\d{1,3}\.\d{1,3}/.exec(last)?.[0] ?? '4.0.0');
  return {
    recipient: r.address,
    action: 'delayed',
    status,
    remoteMta: null,
    diagnostic: last === '' ? null : { type: fromServer ? 'smtp' : 'x-petrel', text: last },
    ...(r.attempts > 0 ? { lastAttemptAt: new Date(r.updatedAt) } : {}),
    willRetryUntil,
  };
}

/** Sends the notices due now; resolves to how many were spooled. */
export async function sweepDelayNotices(
  deps: DelayNoticeDeps,
  options: DelayNoticeOptions,
  now: number = Date.now(),
): Promise<number> {
  let sent = 0;
  for (const { message, pending } of deps.ledger.delayedMessages(now - options.afterMs, BATCH)) {
    const headers = await readHeaderBlock(deps.queue.openBody(message.id));
    if (!(await deps.ledger.markDelayNotice(message.id, now))) continue;
    const until = new Date(message.receivedAt + options.retryMaxAgeMs);
    const id = await sendDeliveryNotice(
      deps,
      message,
      headers,
      pending.map((r) => delayedRecipient(r, until)),
      new Date(now),
    );
    if (id !== null) sent++;
  }
  return sent;
}

/** Runs the sweep periodically until stopped; one sweep at a time. */
export function startDelayNotices(
  deps: DelayNoticeDeps,
  options: DelayNoticeOptions,
): { stop(): Promise<void> } {
  if (options.afterMs <= 0) return { stop: () => Promise.resolve() };
  let running: Promise<void> | null = null;
  const every = Math.min(MAX_SWEEP_MS, Math.max(250, options.afterMs / 4));
  const timer = setInterval(() => {
    // A sweep still going (a large backlog) is not joined by another.
    if (running) return;
    running = sweepDelayNotices(deps, options)
      .then(
        () => undefined,
        (err: unknown) => deps.logger.error({ err }, 'delivery: the delayed-notice sweep failed'),
      )
      .finally(() => (running = null));
  }, every);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
