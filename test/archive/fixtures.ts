// Shared by the archive tests: a real archiver over a test node's store and data directory, a MIME
// message, and the queued-message record the delivery worker hands to the archiver.
import { Readable } from 'node:stream';
import { createArchiver, type Archiver } from '../../src/archive/archiver.js';
import { createLogger } from '../../src/logger.js';
import { newSortableId } from '../../src/security/sortable-id.js';
import type { QueuedMessage } from '../../src/spool/index.js';
import type { TestNode } from '../helpers/node.js';

export const DAY = 86_400_000;

export function nodeArchiver(node: TestNode, retentionDays = 90): Archiver {
  return createArchiver({
    dataDir: node.config.dataDir,
    db: node.store.db,
    logger: createLogger('silent'),
    retentionDays,
    hostname: node.config.hostname,
  });
}

/** A multipart/alternative message with 8-bit UTF-8 text, as a client would have sent it. */
export function mime(subject: string): Buffer {
  return Buffer.from(
    [
      'Received: from client.test ([127.0.0.1])\r\n\tby petrel.test (Petrel) with ESMTPA id x;\r\n\tMon, 1 Jan 2024 00:00:00 +0000',
      'From: Shop <news@shop.example>',
      'To: Alice <alice@example.org>, bob@example.net',
      'Cc: carol@example.org',
      `Subject: ${subject}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Grüße, plain text',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Grüße, <b>HTML</b></p>',
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

/** The spool's record of an accepted message, of the test node's master account unless told otherwise. */
export function queued(node: TestNode, fields: Partial<QueuedMessage> = {}): QueuedMessage {
  const receivedAt = fields.receivedAt ?? Date.now();
  return {
    id: newSortableId(receivedAt),
    receivedAt,
    mailFrom: 'news@shop.example',
    senderKind: 'smtp',
    username: 'archive-web',
    accountId: node.masterAccountId,
    clientAddress: '127.0.0.1',
    clientHelo: 'client.test',
    tls: false,
    sandbox: false,
    size: 0,
    settings: null,
    ...fields,
  };
}

/** Archives `body` as `message`, as the delivery worker does when delivery first begins. */
export async function archiveMessage(
  archiver: Archiver,
  message: QueuedMessage,
  body: Buffer,
  subject: string,
  recipients?: string[],
): Promise<QueuedMessage> {
  await archiver.archive(message, () => Readable.from([body]), subject, recipients);
  return message;
}
