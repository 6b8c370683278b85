// The queue's rows as its users see them: a message with its envelope and settings snapshot, one
// recipient with its delivery state, and the mapping from the stored rows.
import { DEFAULT_SENDING_SETTINGS, type SendingSettings } from '../domain/sending-settings.js';
import type { MessageRow, RecipientKind, RecipientRow, RecipientState } from './queue-database.js';

export type { RecipientKind, RecipientState } from './queue-database.js';

/** A message's envelope and metadata as stored at acceptance. */
export interface QueuedMessage {
  id: string;
  /** Milliseconds since the epoch. */
  receivedAt: number;
  mailFrom: string;
  senderKind: 'smtp' | 'api';
  username: string;
  accountId: string;
  clientAddress: string;
  clientHelo: string;
  tls: boolean;
  sandbox: boolean;
  /** Stored bytes, including the Received header. */
  size: number;
  /** The sender's settings at acceptance; null for mail Petrel generates itself (bounces). */
  settings: SendingSettings | null;
  /** The schedule id of a message held until its time (SPEC §8); null for mail sent at once. */
  scheduleId?: string | null;
}

/** One envelope recipient of one message, with its delivery state. */
export interface QueueRecipient {
  id: number;
  messageId: string;
  address: string;
  kind: RecipientKind;
  state: RecipientState;
  attempts: number;
  /** When it is next due (ms since the epoch); null once final or held. */
  nextAttemptAt: number | null;
  lastReply: string | null;
  updatedAt: number;
}

export interface ClaimedRecipient extends QueueRecipient {
  message: QueuedMessage;
}

export type AttemptOutcome =
  | { recipientId: number; result: 'delivered'; reply: string }
  | { recipientId: number; result: 'bounced'; reply: string }
  | { recipientId: number; result: 'deferred'; reply: string; nextAttemptAt: number };

export interface ListOptions {
  /** Only rows in these states (default: queued and deferred). */
  states?: RecipientState[];
  messageId?: string;
  limit?: number;
  /** Paging: rows after this recipient id. */
  afterId?: number;
}

export interface QueueEntry extends QueueRecipient {
  mailFrom: string;
  username: string;
  receivedAt: number;
  sandbox: boolean;
}

export type StateCounts = Record<RecipientState, number>;

/** Every state at zero, where a count starts. */
export function noStateCounts(): StateCounts {
  return { queued: 0, deferred: 0, delivered: 0, bounced: 0, held: 0 };
}

/**
 * A stored snapshot over today's defaults: a setting added after the message was accepted gets its
 * default, and '{}' (mail accepted before snapshots were kept) means the defaults.
 */
function parseSettings(json: string | null): SendingSettings | null {
  if (json === null) return null;
  try {
    return { ...DEFAULT_SENDING_SETTINGS, ...(JSON.parse(json) as Partial<SendingSettings>) };
  } catch {
    // Only a damaged file could get here; delivering with the defaults beats never delivering.
    return { ...DEFAULT_SENDING_SETTINGS };
  }
}

export function toMessage(row: MessageRow): QueuedMessage {
  return {
    id: row.id,
    receivedAt: row.received_at,
    mailFrom: row.mail_from,
    senderKind: row.sender_kind,
    username: row.username,
    accountId: row.account_id,
    clientAddress: row.client_address,
    clientHelo: row.client_helo,
    tls: row.tls === 1,
    sandbox: row.sandbox === 1,
    size: row.size,
    settings: parseSettings(row.settings),
    scheduleId: row.schedule_id ?? null,
  };
}

export function toRecipient(row: RecipientRow): QueueRecipient {
  return {
    id: row.id,
    messageId: row.message_id,
    address: row.address,
    kind: row.kind,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastReply: row.last_reply,
    updatedAt: row.updated_at,
  };
}
