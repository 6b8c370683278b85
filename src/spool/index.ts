// The spool's public face: open it (serving node or operator tool) and the types that go with it.
export {
  DEFAULT_INLINE_MAX_BYTES,
  openSpool,
  openSpoolAdmin,
  spoolDirectory,
  type AcceptListener,
  type DurableSpool,
  type SpoolAdmin,
  type SpoolOptions,
} from './spool.js';
export type { BodyFile, OpenBodyFile } from './body-receiver.js';
export { SpoolInUseError } from './lock-file.js';
export type { CommitStats, OpenForSync, SyncHandle } from './group-commit.js';
export type { DelayedMessage, DeliveryLedger, WarmupUsage } from './delivery-ledger.js';
export type { DurabilityMode } from './queue-database.js';
export type {
  AttemptOutcome,
  ClaimedRecipient,
  ListOptions,
  QueueEntry,
  QueueRecipient,
  QueuedMessage,
  RecipientKind,
  RecipientState,
  SpoolQueue,
  StateCounts,
} from './queue.js';
export { isMessageId, messageIdTime } from './message-id.js';
export * from './types.js';
