// Wires the inbound listener of one node (SPEC §6) from the node's parts: the VERP key shared through
// the database, the SMTP listeners' TLS credentials, the return-path hosts, and the effects' stores.
import type { Logger } from 'pino';
import type { Config } from '../config/settings.js';
import type { EventRecorder } from '../delivery/event-recorder.js';
import { loadTlsCredentials } from '../smtp/tls-credentials.js';
import type { Spool } from '../spool/types.js';
import type { Repositories } from '../store/repositories/index.js';
import type { InboundListener as ReportListener } from './effects.js';
import { startInboundListener, type InboundListener } from './inbound-server.js';
import { anyReturnPathHost, configuredReturnPathHosts, type ReturnPathHosts } from './return-path-hosts.js';

export interface InboundStartDeps {
  config: Config;
  logger: Logger;
  /** The VERP key (sender-domains/verp.ts), the same on every node. */
  verpKey: Buffer;
  repos: Pick<Repositories, 'events' | 'suppressions' | 'smtpUsers' | 'apiKeys'>;
  spool: Pick<Spool, 'accept'>;
  events: Pick<EventRecorder, 'add'>;
  /** More return-path hosts than PETREL_RETURN_PATH_HOST (verified sender domains' return paths). */
  moreHosts?: ReturnPathHosts[];
  /** Told of each applied report (webhooks). */
  listeners?: ReportListener[];
}

export async function startInbound(deps: InboundStartDeps): Promise<InboundListener> {
  const { config, logger } = deps;
  const key = deps.verpKey;
  // The SMTP listeners generated or loaded these already; this reads the same files.
  const tls = await loadTlsCredentials(config, logger);
  return startInboundListener({
    listen: config.inboundListen,
    hostname: config.hostname,
    tls,
    logger,
    shutdownGraceSeconds: config.shutdownGraceSeconds,
    verp: {
      key,
      events: deps.repos.events,
      hosts: anyReturnPathHost(configuredReturnPathHosts(config.returnPathHost), ...(deps.moreHosts ?? [])),
    },
    effects: {
      spool: deps.spool,
      hostname: config.hostname,
      logger,
      events: deps.events,
      recorded: deps.repos.events,
      suppressions: deps.repos.suppressions,
      smtpUsers: deps.repos.smtpUsers,
      apiKeys: deps.repos.apiKeys,
      ...(deps.listeners ? { listeners: deps.listeners } : {}),
    },
  });
}
