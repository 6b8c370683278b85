// Shared by the email/send and email/mime tests: API keys with sending settings, and reading a message
// back from the node's spool (envelope, recipients and the stored bytes, parsed with postal-mime).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import PostalMime, { type Email } from 'postal-mime';
import type { QueuedMessage } from '../../src/spool/index.js';
import type { TestNode } from '../helpers/node.js';

export interface NewKey {
  key: string;
  id: string;
}

/** A new key of the master account (or of `subaccount_id` when given), with these sending settings. */
export async function addKey(node: TestNode, settings: Record<string, unknown> = {}): Promise<NewKey> {
  const answer = await node.call('/api_keys/add', {
    description: `email test ${randomBytes(3).toString('hex')}`,
    ...settings,
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return { key: answer.body.data.api_key as string, id: answer.body.data.id as string };
}

export interface StoredMessage {
  message: QueuedMessage;
  /** "kind:address:state", sorted. */
  recipients: string[];
  raw: Buffer;
  parsed: Email;
}

export async function readStored(node: TestNode, id: string): Promise<StoredMessage> {
  const message = node.spool.queue.getMessage(id);
  assert.ok(message, `message ${id} is not in the spool`);
  const recipients = node.spool.queue
    .recipientsOf(id)
    .map((r) => `${r.kind}:${r.address}:${r.state}`)
    .sort();
  const chunks: Buffer[] = [];
  for await (const chunk of node.spool.queue.openBody(id)) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return { message, recipients, raw, parsed: await PostalMime.parse(raw) };
}

/** The header block of a stored message, as text. */
export function headerBlock(raw: Buffer): string {
  const text = raw.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

/** `data` of a 200 answer from email/send or email/mime. */
export interface SendData {
  succeeded: number;
  failed: number;
  failures: string[];
  email_id: string | null;
}
