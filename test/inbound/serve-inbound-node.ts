// Runs one test node in its own process for the inbound listener's fuzz and load tests: seeds one
// accepted message (its `processed` event) so that one VERP address is valid, prints one JSON line
// (the inbound port, that address), then answers "counts" on standard input with the number of
// events other than `processed` and of suppressions, and stops when its standard input closes.
import { createInterface } from 'node:readline';
import { newSortableId } from '../../src/security/sortable-id.js';
import { verpAddress } from '../../src/sender-domains/verp.js';
import { startTestNode } from '../helpers/node.js';

export const FUZZ_RETURN_HOST = 'bounces.fuzz.test';

const node = await startTestNode({ PETREL_RETURN_PATH_HOST: FUZZ_RETURN_HOST });
const emailId = newSortableId();
const recipient = 'victim@far.test';
await node.ops.repos.events.record([
  {
    accountId: node.masterAccountId,
    event: 'processed',
    emailId,
    username: 'fuzz-user',
    sender: 'shop@sender.test',
    recipient,
    subject: 'Seeded',
  },
]);
const key = node.senderDomains.verpKey;
process.stdout.write(
  JSON.stringify({
    inbound: node.inbound.port,
    verp: verpAddress(key, emailId, recipient, FUZZ_RETURN_HOST),
    emailId,
    recipient,
  }) + '\n',
);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'counts') return;
  void (async () => {
    await node.events.idle();
    const events = await node.store.db
      .selectFrom('events')
      .select(['event', 'recipient'])
      // Besides the seeded event, Petrel's own notices (dsn-sent) are not what the fuzzing counts.
      .where('event', 'not in', ['processed', 'dsn-sent'])
      .execute();
    const suppressions = await node.store.db.selectFrom('suppressions').select('recipient').execute();
    process.stdout.write(JSON.stringify({ events, suppressions }) + '\n');
  })();
});
lines.on('close', () => {
  void node.stop().then(() => process.exit(0));
});
