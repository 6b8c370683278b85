// Measures the spool alone (no SMTP): N messages from C concurrent sessions through accept(), in each
// durability design, printing messages/s, commits per message and CPU per message. Used to choose the
// design in docs/spool.md. Run: npx tsx bench/spool-throughput.ts [messages] [sessions] [size]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { openSpool, type SpoolEnvelope, type SpoolOptions } from '../src/spool/index.js';

const messages = Number(process.argv[2] ?? 20000);
const sessions = Number(process.argv[3] ?? 20);
const size = Number(process.argv[4] ?? 1024);
const only = process.argv[5];

const envelope: SpoolEnvelope = {
  mailFrom: 'bench@example.test',
  recipients: ['rcpt@example.test'],
  auditRecipients: [],
  sandbox: false,
  senderKind: 'smtp',
  username: 'bench',
  accountId: 'acct',
  clientAddress: '127.0.0.1',
  clientHelo: 'bench.test',
  tls: false,
};

const body = Buffer.alloc(size, 'x');

/** The body arrives on a later turn of the event loop, as from a socket. */
function socketLike(): Readable {
  let sent = false;
  return new Readable({
    read() {
      setImmediate(() => {
        this.push(sent ? null : body);
        sent = true;
      });
    },
  });
}

const designs: Record<string, SpoolOptions> = {
  'inline + WAL fdatasync off-thread (default)': {},
  'inline + SQLite synchronous=FULL on the event loop': { durability: 'sqlite-full' },
  'body file per message + WAL fdatasync': { inlineMaxBytes: 0 },
  'inline, group commit off (one commit per message)': { maxBatch: 1 },
  'body file per message, group commit off': { inlineMaxBytes: 0, maxBatch: 1 },
};

for (const [name, options] of Object.entries(designs)) {
  if (only && !name.includes(only)) continue;
  const dir = mkdtempSync(join(tmpdir(), 'petrel-spool-bench-'));
  const spool = await openSpool(dir, pino({ level: 'silent' }), options);
  let next = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: sessions }, async () => {
      while (next < messages) {
        next++;
        await spool.accept(envelope, socketLike(), { maxBytes: 1 << 20 });
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const stats = spool.commitStats();
  await spool.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `${name.padEnd(52)} ${(messages / seconds).toFixed(0).padStart(7)} msg/s  ` +
      `commits/msg ${(stats.commits / messages).toFixed(3)}  walSyncs/msg ${(stats.walSyncs / messages).toFixed(3)}  ` +
      `cpu ${((used.user + used.system) / messages).toFixed(0)} µs/msg`,
  );
}
