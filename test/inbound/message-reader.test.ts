// The inbound listener's memory bounds: 10 MiB per message and one budget for all sessions together;
// mail that is only logged is never held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { SMTPServerDataStream } from 'smtp-server';
import { MessageReader } from '../../src/inbound/message-reader.js';

function dataStream(bytes: number, chunk = 10): SMTPServerDataStream {
  const chunks = Array.from({ length: Math.ceil(bytes / chunk) }, (_, i) =>
    Buffer.alloc(Math.min(chunk, bytes - i * chunk), 'x'),
  );
  return Object.assign(Readable.from(chunks), {
    byteLength: bytes,
    sizeExceeded: false,
  }) as unknown as SMTPServerDataStream;
}

test('a message is held until released, and the shared budget refuses what would pass it', async () => {
  const reader = new MessageReader(1000, 100);
  const first = await reader.read(dataStream(80), true);
  assert.equal(first.kind, 'read');
  assert.equal(reader.held, 80);
  const second = await reader.read(dataStream(80), true);
  assert.equal(second.kind, 'busy');
  assert.equal(reader.held, 80, 'a refused message holds nothing');
  if (first.kind === 'read') {
    assert.equal(first.raw.length, 80);
    first.release();
  }
  assert.equal(reader.held, 0);
  const third = await reader.read(dataStream(80), true);
  assert.equal(third.kind, 'read');
  if (third.kind === 'read') third.release();
});

test('over the per-message limit is too large; unkept mail is counted, never held', async () => {
  const reader = new MessageReader(50, 1000);
  assert.equal((await reader.read(dataStream(51), true)).kind, 'too-large');
  assert.equal(reader.held, 0);
  const logged = await reader.read(dataStream(40), false);
  assert.equal(logged.kind, 'read');
  if (logged.kind === 'read') {
    assert.equal(logged.size, 40);
    assert.equal(logged.raw.length, 0);
  }
  assert.equal(reader.held, 0);
});
