// The DKIM signer (SPEC §5) on its own: a 20 MiB message run through the per-recipient transform and
// signed stays streamed (RSS growth under 64 MiB while it is read), and the result passes mailauth's
// independent verifier; From is over-signed; a changed byte fails verification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable, pipeline } from 'node:stream';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { signedCopy, signatureField } from '../../src/sender-domains/dkim-signer.js';
import { readMessageOutline } from '../../src/transform/message-outline.js';
import { createRecipientTransform } from '../../src/transform/recipient-transform.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RECORD = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
const KEY = { domain: 'big.example', selector: 's100200', privateKey };
const resolver = (name: string) => {
  assert.equal(name, 's100200._domainkey.big.example');
  return Promise.resolve([[RECORD]]);
};

async function writeBigMessage(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const head = [
    'From: Big <big@big.example>',
    'To: r@far.example',
    'Subject: twenty mebibytes',
    'Message-ID: <big@big.example>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="bb"',
    '',
    '--bb',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The attachment follows.',
    '--bb',
    'Content-Type: application/octet-stream; name="blob.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    '',
  ].join('\r\n');
  out.write(head);
  const line = `${Buffer.alloc(57, 7).toString('base64')}\r\n`;
  const block = line.repeat(1000);
  for (let written = 0; written < bytes; written += block.length) {
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end('--bb--\r\n');
  await once(out, 'finish');
}

test(
  'a 20 MiB message is transformed and signed streamed (RSS growth < 64 MiB) and verifies',
  { timeout: 120_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'petrel-dkim-'));
    try {
      const file = join(dir, 'big.eml');
      await writeBigMessage(file, 20 * 1024 * 1024);
      const outline = await readMessageOutline(createReadStream(file));
      const open = () =>
        pipeline(
          createReadStream(file),
          createRecipientTransform({
            outline,
            recipient: 'r@far.example',
            footer: { text: 'Unsubscribe: %%UNSUBSCRIBE%%', html: '' },
            unsubscribeUrl: 'http://links.example/t/u/abc',
          }),
          () => undefined,
        );
      (globalThis as { gc?: () => void }).gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      let size = 0;
      let head = '';
      await new Promise<void>((resolve, reject) => {
        const sink = new Writable({
          write(chunk: Buffer, _enc, done) {
            if (head.length < 4096) head += chunk.toString('latin1');
            size += chunk.length;
            done();
          },
        });
        pipeline(signedCopy(open, KEY), sink, (err) => (err ? reject(err) : resolve()));
      });
      clearInterval(sampler);
      const growth = peak - baseline;
      t.diagnostic(`RSS growth while signing: ${(growth / 1048576).toFixed(1)} MiB`);
      assert.ok(size > 20 * 1024 * 1024, `the whole copy went through (${size} bytes)`);
      assert.ok(growth < 64 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB`);
      assert.match(head, /^DKIM-Signature: v=1;/);
      assert.match(head, /List-Unsubscribe: <http:\/\/links\.example\/t\/u\/abc>/);

      // Verified by mailauth, reading the signed copy again as a stream.
      const result = await dkimVerify(signedCopy(open, KEY), { resolver });
      assert.equal(result.results[0]?.status.result, 'pass', JSON.stringify(result.results[0]?.status));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('From is over-signed; a message with a second From added fails, as does a changed body', async () => {
  const message =
    'From: a@big.example\r\nTo: b@far.example\r\nSubject: s\r\nDate: Fri, 04 Dec 2026 09:00:00 +0000\r\n\r\nBody  text \r\n\r\n';
  const field = await signatureField(
    message.slice(0, message.indexOf('\r\n\r\n') + 4),
    await bodyHashOf(message),
    KEY,
  );
  assert.match(field, /h=from:from:subject:date:to;/);
  const signed = field + message;
  assert.equal((await dkimVerify(Buffer.from(signed), { resolver })).results[0]?.status.result, 'pass');
  const added = field + 'From: evil@attacker.example\r\n' + message;
  assert.notEqual((await dkimVerify(Buffer.from(added), { resolver })).results[0]?.status.result, 'pass');
  const changed = signed.replace('Body', 'B0dy');
  assert.notEqual((await dkimVerify(Buffer.from(changed), { resolver })).results[0]?.status.result, 'pass');
});

async function bodyHashOf(message: string): Promise<string> {
  const signed = signedCopy(() => Readable.from([Buffer.from(message)]), KEY);
  let text = '';
  for await (const chunk of signed) text += (chunk as Buffer).toString('latin1');
  return /bh=([^;]+);/.exec(text)?.[1] ?? '';
}
