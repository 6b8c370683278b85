// A Petrel node for the API benchmark, in its own process: migrates, creates the master account,
// seeds N SMTP users straight into the store (one shared hash: seeding is not what is measured),
// starts the HTTP API, then prints one JSON line {url, key} and runs until killed.
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { createMasterAccount } from '../../src/operations/accounts.js';
import { DEFAULT_SENDING_SETTINGS } from '../../src/domain/sending-settings.js';
import { hashPassword } from '../../src/security/password-hash.js';
import { startNode } from '../../src/server.js';
import { smtpUsersRepository } from '../../src/store/repositories/smtp-users.js';

const seedCount = Number(process.env.BENCH_SEED_USERS ?? '10000');
const config = loadConfig();
const node = await startNode(config, createLogger(config.logLevel), {
  ...(process.env.BENCH_PG_SCHEMA ? { pgSchema: process.env.BENCH_PG_SCHEMA } : {}),
});
const master = await createMasterAccount(node.ops, 'Bench');
const passwordHash = await hashPassword('seeded-Password-0123456789');
const now = new Date().toISOString();
for (let start = 0; start < seedCount; start += 500) {
  await node.store.db.transaction().execute(async (trx) => {
    const users = smtpUsersRepository(trx);
    for (let i = start; i < Math.min(seedCount, start + 500); i++) {
      await users.insert({
        id: `seed${i}`,
        accountId: master.account_id,
        username: `seed-user-${String(i).padStart(6, '0')}`,
        passwordHash,
        description: '',
        settings: { ...DEFAULT_SENDING_SETTINGS },
        createdAt: now,
        updatedAt: now,
      });
    }
  });
}
process.stdout.write(JSON.stringify({ url: node.httpUrl, key: master.api_key }) + '\n');
process.on('SIGTERM', () => {
  void node.close().then(() => process.exit(0));
});
