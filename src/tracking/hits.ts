// What a tracking hit does to the store: an event (opened, clicked, unsubscribed) carrying the message's
// sender and subject as earlier events recorded them, and, for an unsubscribe, a suppression.
import type { EventName, EventsRepository } from '../store/repositories/events.js';
import type { SuppressionsRepository } from '../store/repositories/suppressions.js';
import type { TrackingPayload } from './tokens.js';

export interface TrackingStore {
  events: EventsRepository;
  suppressions: SuppressionsRepository;
}

/** Who followed the link, as the HTTP request shows it. */
export interface TrackingClient {
  ip: string;
  userAgent: string | null;
}

const MAX_USER_AGENT = 512;

/** The client's address without the IPv4-mapped prefix (::ffff:192.0.2.1 reads 192.0.2.1). */
export function clientIp(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

export function clientOf(ip: string, userAgent: string | undefined): TrackingClient {
  const agent = userAgent?.trim().slice(0, MAX_USER_AGENT);
  return { ip: clientIp(ip), userAgent: agent ? agent : null };
}

/** Sender and subject of the message, from the event that recorded its acceptance (or any earlier one). */
async function messageFacts(store: TrackingStore, token: TrackingPayload) {
  const earlier = await store.events.forEmail(token.accountId, token.messageId);
  const origin =
    earlier.find((e) => e.event === 'processed') ??
    earlier.find((e) => e.event === 'delivered') ??
    earlier[0];
  return { sender: origin?.sender ?? '', subject: origin?.subject ?? '' };
}

export async function recordHit(
  store: TrackingStore,
  token: TrackingPayload,
  event: Extract<EventName, 'opened' | 'clicked' | 'unsubscribed'>,
  client: TrackingClient,
): Promise<void> {
  await store.events.record([
    {
      accountId: token.accountId,
      event,
      emailId: token.messageId,
      username: token.username,
      recipient: token.recipient,
      ...(await messageFacts(store, token)),
      url: event === 'clicked' ? (token.url ?? null) : null,
      userAgent: client.userAgent,
      ip: client.ip,
    },
  ]);
}

/**
 * Suppresses the recipient for mail from the token's sender and records `unsubscribed` — once: asking
 * again (a second click, a mail client retrying the one-click POST) changes nothing.
 */
export async function unsubscribe(
  store: TrackingStore,
  token: TrackingPayload,
  client: TrackingClient,
): Promise<void> {
  const { accountId, username, recipient, messageId } = token;
  const current = await store.suppressions.check(accountId, username, [recipient]);
  if (current.get(recipient.toLowerCase()) === 'unsubscribed') return;
  await store.suppressions.add({
    accountId,
    username,
    recipient,
    reason: 'unsubscribed',
    emailId: messageId,
  });
  await recordHit(store, token, 'unsubscribed', client);
}
