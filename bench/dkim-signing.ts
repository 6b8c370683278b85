// The cost of DKIM signing (issue 11, acceptance 4): one in-process Petrel node relays to a counting
// smarthost sink; phases of N messages alternate between a From domain that is a verified sender domain
// (every copy signed) and one that is not (unsigned), after a warm-up in the order off on on off on off
// off on, so drift on a busy machine hits both alike. Each phase reports accepted msg/s (the SMTP load generator) and delivered
// msg/s (phase start to the last copy at the sink). Usage:
//   node --import tsx bench/dkim-signing.ts [--messages 800] [--sessions 10] [--size 4096]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { runBench } from '../src/bench/run.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import { createMasterAccount } from '../src/operations/accounts.js';
import { addDomain } from '../src/operations/sender-domains.js';
import { addSmtpUser } from '../src/operations/smtp-users.js';
import { startNode } from '../src/server.js';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '800' },
    sessions: { type: 'string', default: '10' },
    size: { type: 'string', default: '4096' },
  },
});
const MESSAGES = Number(args.messages);
const PASSWORD = 'Bench-Passw0rd-dkim-petrel';

let delivered = 0;
let signed = 0;
const sink = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    let first = true;
    stream.on('data', (chunk: Buffer) => {
      if (first && chunk.subarray(0, 15).toString() === 'DKIM-Signature:') signed++;
      first = false;
    });
    stream.on('end', () => {
      delivered++;
      callback();
    });
  },
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkPort = (sink.server.address() as { port: number }).port;

const dataDir = mkdtempSync(join(tmpdir(), 'petrel-bench-dkim-'));
const config = loadConfig({
  env: {
    PETREL_DATA_DIR: dataDir,
    PETREL_HTTP_LISTEN: '127.0.0.1:0',
    PETREL_SMTP_LISTEN: '127.0.0.1:0',
    PETREL_INBOUND_LISTEN: '127.0.0.1:0',
    PETREL_SMTPS_LISTEN: '127.0.0.1:0',
    PETREL_HOSTNAME: 'petrel.bench',
    PETREL_LOG_LEVEL: 'warn',
    PETREL_SMARTHOST: `127.0.0.1:${sinkPort}`,
    PETREL_ALLOWED_PRIVATE_DESTINATIONS: '127.0.0.0/8',
  },
});
const node = await startNode(config, createLogger(config.logLevel));
const master = await createMasterAccount(node.ops, 'Bench');
const caller = { accountId: master.account_id, keyId: null };
await addSmtpUser(node.ops, caller, { username: 'dkim-bench', email_password: PASSWORD });
// The signing domain is marked verified directly: DNS is not what is measured.
const added = await addDomain(node.ops, caller, { domain: 'signed.example', auto_verify: false });
const row = await node.ops.repos.senderDomains.findByName('signed.example');
if (!row || added.domains.length !== 1) throw new Error('the bench domain was not added');
// checked_at now: the hourly re-check (no DNS here) leaves it alone during the run.
await node.ops.repos.senderDomains.update(row.id, {
  dkim_verified: 1,
  dkim_status: '',
  checked_at: new Date().toISOString(),
});
node.senderDomains.directory.forget();

const smtpPort = node.smtp.ports.smtp[0] as number;
// A warm-up (not counted), then ABBA BAAB so warm-up and drift weigh on both alike.
const phases: ('warm-up' | 'off' | 'on')[] = ['warm-up', 'off', 'on', 'on', 'off', 'on', 'off', 'off', 'on'];
const rates = {
  on: { accepted: [] as number[], delivered: [] as number[] },
  off: { accepted: [] as number[], delivered: [] as number[] },
};
console.log(`messages per phase ${MESSAGES}, sessions ${args.sessions}, size ${args.size} bytes`);
for (const mode of phases) {
  const before = delivered;
  const signedBefore = signed;
  const started = process.hrtime.bigint();
  const result = await runBench({
    host: '127.0.0.1',
    port: smtpPort,
    tls: 'none',
    verifyCertificate: false,
    user: 'dkim-bench',
    password: PASSWORD,
    sessions: Number(args.sessions),
    messages: MESSAGES,
    size: Number(args.size),
    recipients: 1,
    durationSeconds: 60,
    from: mode === 'off' ? 'bench@plain.example' : 'bench@signed.example',
    to: 'sink@far.example',
    helo: 'bench.local',
  });
  while (delivered - before < result.accepted) await new Promise((r) => setTimeout(r, 20));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const deliveredPerSecond = result.accepted / seconds;
  if (mode !== 'warm-up') {
    rates[mode].accepted.push(result.acceptedPerSecond);
    rates[mode].delivered.push(deliveredPerSecond);
  }
  console.log(
    `signing ${mode.padEnd(7)}: accepted ${result.accepted} at ${result.acceptedPerSecond.toFixed(0)} msg/s, ` +
      `delivered at ${deliveredPerSecond.toFixed(0)} msg/s, signed copies ${signed - signedBefore}, failed ${result.failed}`,
  );
}
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
    : (sorted[Math.floor(middle)] ?? 0);
};
const ratio = (k: 'accepted' | 'delivered') => median(rates.on[k]) / median(rates.off[k]);
console.log(
  `medians of four phases each: accepted on/off = ${ratio('accepted').toFixed(3)}, delivered on/off = ${ratio('delivered').toFixed(3)} ` +
    `(signing cost: ${((1 - ratio('delivered')) * 100).toFixed(1)} % of delivered msg/s)`,
);
await node.close();
await new Promise<void>((resolve) => sink.close(() => resolve()));
rmSync(dataDir, { recursive: true, force: true });
