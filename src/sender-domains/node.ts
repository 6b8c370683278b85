// Sets up sender domains on a node (called by the composition root): loads the secret box, builds the
// DNS checker and directory for the operations, the outgoing plan for delivery, and starts the
// periodic re-check.
import type { Logger } from 'pino';
import type { Config } from '../config/settings.js';
import type { OperationsDeps } from '../operations/context.js';
import { loadSecretBox } from '../security/secrets-key.js';
import { sharedSecret } from '../store/repositories/secrets.js';
import { SenderDirectory } from './directory.js';
import { DomainChecker } from './dns-check.js';
import { OutgoingAuth } from './outgoing.js';
import { startDomainRecheck, type Recheck } from './recheck.js';
import { SenderPolicy } from './sender-policy.js';
import { VERP_SECRET_NAME } from './verp.js';
import type { SenderDomainsService } from './service.js';

export interface SenderDomainsNode {
  directory: SenderDirectory;
  outgoing: OutgoingAuth;
  policy: SenderPolicy;
  recheck: Recheck;
  /** Key of the VERP addresses (verp.ts), shared by every node; the inbound listener checks with it. */
  verpKey: Buffer;
  stop(): Promise<void>;
}

/** Gives the operations what sender domains need (the API's node, and the CLI's session). */
export async function attachSenderDomains(
  config: Config,
  ops: OperationsDeps,
): Promise<SenderDomainsService> {
  const box = await loadSecretBox(config);
  const targets = { returnPathHost: config.returnPathHost, publicUrl: config.publicUrl };
  const directory = new SenderDirectory(ops.repos, box);
  const checker = new DomainChecker({ ...targets, dnsServers: config.dnsServers });
  const policy = new SenderPolicy(config.senderPolicy, directory, ops.repos.senderDomains);
  ops.senderDomains = { box, checker, directory, targets, policy };
  return ops.senderDomains;
}

export async function startSenderDomains(
  config: Config,
  ops: OperationsDeps,
  logger: Logger,
): Promise<SenderDomainsNode> {
  const { box, directory, targets, policy } = await attachSenderDomains(config, ops);
  const verpKey = await sharedSecret(ops.store.db, VERP_SECRET_NAME, box);
  const outgoing = new OutgoingAuth({ directory, verpKey, ...targets, logger });
  const recheck = startDomainRecheck(ops, config.domainRecheckSeconds * 1000, logger);
  return { directory, outgoing, policy, recheck, verpKey, stop: () => recheck.stop() };
}
