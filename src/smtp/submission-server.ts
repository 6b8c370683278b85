// The SMTP submission service of one node (SPEC §2): one protocol-library server per configured
// listener (STARTTLS or implicit TLS), all sharing one session policy, credential cache and back-off.
import type { Logger } from 'pino';
import type { SMTPServerOptions } from 'smtp-server';
import { ConfigError, type Config, type ListenAddress } from '../config/settings.js';
import type { Metrics } from '../metrics.js';
import type { Spool } from '../spool/types.js';
import type { AccountsRepository } from '../store/repositories/accounts.js';
import type { SendingLimitsRepository } from '../store/repositories/sending-limits.js';
import type { SmtpUsersRepository } from '../store/repositories/smtp-users.js';
import { createAuthenticator } from './authenticator.js';
import { CatalogueSmtpServer } from './catalogue-server.js';
import { LocalClientGuard, clientGuardOptions, type ClientGuard } from './client-guard.js';
import { IpAuthMap } from './client-address.js';
import { CredentialCache } from './credential-cache.js';
import { createMessageIntake } from './message-intake.js';
import { REPLIES, SmtpReplyError, replyText } from './replies.js';
import { createSessionPolicy, type SmtpRestrictionRepos } from './session-policy.js';
import type { SenderPolicy } from '../sender-domains/sender-policy.js';
import { loadTlsCredentials } from './tls-credentials.js';

export interface SmtpServiceDeps {
  config: Config;
  logger: Logger;
  users: Pick<SmtpUsersRepository, 'findByLogin'>;
  accounts: Pick<AccountsRepository, 'findById'>;
  limits: SendingLimitsRepository;
  /** Allowed senders and recipients, IP allow lists and IP-authenticated senders (SPEC §8). */
  restrictions: SmtpRestrictionRepos;
  spool: Spool;
  /** PETREL_SENDER_POLICY (SPEC §5): checks MAIL FROM and, after DATA, the From header. */
  senderPolicy?: Pick<SenderPolicy, 'allows'>;
  metrics: Pick<Metrics, 'smtpAccepted' | 'smtpRejected' | 'smtpAuthFailures' | 'smtpAcceptSeconds'>;
  /** The per-address guards; by default this process's own (a worker gets the node's, docs/workers.md). */
  clientGuard?: ClientGuard;
}

export type ListenerKind = 'starttls' | 'implicit-tls';

export interface BoundListener {
  kind: ListenerKind;
  host: string;
  /** The real port (differs from the configured one when that was 0). */
  port: number;
}

export interface SmtpService {
  listeners: BoundListener[];
  /** Bound ports by kind: `smtp` for the STARTTLS listeners, `smtps` for the implicit-TLS ones. */
  ports: { smtp: number[]; smtps: number[] };
  /** Drops the cached logins of a user whose password or settings changed. */
  forgetUser(usernameLower: string): void;
  /**
   * Stops accepting connections at once; open sessions finish their transaction (a next command gets
   * 421), and those still open after PETREL_SHUTDOWN_GRACE_SECONDS are told 421 and closed.
   */
  close(): Promise<void>;
}

/** Bounds for things a client could otherwise grow without limit. */
const MAX_CACHED_LOGINS = 10_000;
const MAX_CLIENTS_PER_LISTENER = 1_000;
const MAX_UNAUTHENTICATED_COMMANDS = 20;

function listen(server: CatalogueSmtpServer, address: ListenAddress, setting: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(
        new ConfigError(
          setting,
          `cannot listen on ${address.host}:${address.port} (${err.code ?? err.message})`,
        ),
      );
    server.server.once('error', onError);
    server.server.listen(address.port, address.host, () => {
      server.server.removeListener('error', onError);
      const bound = server.server.address();
      resolve(typeof bound === 'object' && bound ? bound.port : address.port);
    });
  });
}

function closeServer(server: CatalogueSmtpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startSmtpService(deps: SmtpServiceDeps): Promise<SmtpService> {
  const { config, logger } = deps;
  const tls = await loadTlsCredentials(config, logger);
  const cache = new CredentialCache({
    ttlMs: config.smtpAuthCacheSeconds * 1000,
    maxEntries: MAX_CACHED_LOGINS,
  });
  const policy = createSessionPolicy({
    config,
    logger,
    users: deps.users,
    accounts: deps.accounts,
    limits: deps.limits,
    restrictions: deps.restrictions,
    authenticator: await createAuthenticator(deps.users, cache),
    onAuthFailure: () => deps.metrics.smtpAuthFailures.inc(),
    guard: deps.clientGuard ?? new LocalClientGuard(clientGuardOptions(config)),
    ipAuth: new IpAuthMap(config.ipAuth),
    ...(deps.senderPolicy ? { senderPolicy: deps.senderPolicy } : {}),
  });
  const intake = createMessageIntake({
    spool: deps.spool,
    logger,
    policy,
    maxMessageBytes: config.smtpMaxMessageBytes,
    metrics: deps.metrics,
    ...(deps.senderPolicy ? { senderPolicy: deps.senderPolicy } : {}),
  });

  /**
   * Runs a policy step and hands its outcome to the library's callback (errors carry their reply). A
   * refusal that the catalogue gives a reason counts `recipients()` rejected recipients.
   */
  function settle<T>(
    step: () => T | Promise<T>,
    callback: (err?: Error | null, value?: T) => void,
    recipients: () => number = () => 1,
  ): void {
    Promise.resolve()
      .then(step)
      .then(
        (value) => callback(null, value),
        (err: unknown) => {
          if (err instanceof SmtpReplyError && err.reply.reason !== undefined)
            deps.metrics.smtpRejected.inc({ reason: err.reply.reason }, recipients());
          if (err instanceof Error && 'responseCode' in err) return callback(err);
          logger.error({ err }, 'SMTP session policy failed');
          return callback(Object.assign(new Error(replyText(REPLIES.localError())), { responseCode: 451 }));
        },
      );
  }

  const options = (secure: boolean): SMTPServerOptions => ({
    secure,
    key: tls.key,
    cert: tls.cert,
    name: config.hostname,
    banner: 'Petrel',
    size: config.smtpMaxMessageBytes,
    authMethods: ['PLAIN', 'LOGIN'],
    // The library's AUTH-before-TLS rule is global; Petrel decides per connection (session-policy.ts).
    allowInsecureAuth: true,
    authOptional: false,
    authRequiredMessage: replyText(REPLIES.authRequired()),
    maxAllowedUnauthenticatedCommands: MAX_UNAUTHENTICATED_COMMANDS,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: true,
    hideREQUIRETLS: true,
    // A reverse lookup per connection would delay every greeting and depend on outside DNS.
    disableReverseLookup: true,
    maxClients: MAX_CLIENTS_PER_LISTENER,
    closeTimeout: config.shutdownGraceSeconds * 1000,
    // The library's own logger would log usernames of failed logins; Petrel logs through pino instead.
    logger: false,
    onConnect: (session, callback) => settle(() => policy.onConnect(session), callback),
    onSecure: (_socket, session, callback) => settle(() => policy.onSecure(session), callback),
    onAuth: (auth, session, callback) =>
      settle(
        () => policy.onAuth(auth, session),
        (err, user) => (err ? callback(err) : callback(null, { user })),
      ),
    onMailFrom: (address, session, callback) => settle(() => policy.onMailFrom(session, address), callback),
    onRcptTo: (address, session, callback) => settle(() => policy.onRcptTo(address, session), callback),
    onData: (stream, session, callback) =>
      settle(
        () => intake.accept(stream, session),
        (err, text) => (err ? callback(err) : callback(null, text)),
        // Every recipient of the envelope is refused with the message.
        () => Math.max(session.envelope.rcptTo.length, 1),
      ),
    onClose: (session) => policy.onClose(session),
  });

  const servers: CatalogueSmtpServer[] = [];
  const listeners: BoundListener[] = [];
  const wanted: { kind: ListenerKind; address: ListenAddress }[] = [
    ...config.smtpListen.map((address) => ({ kind: 'starttls' as const, address })),
    ...config.smtpsListen.map((address) => ({ kind: 'implicit-tls' as const, address })),
  ];
  try {
    for (const { kind, address } of wanted) {
      const server = new CatalogueSmtpServer(options(kind === 'implicit-tls'));
      // Client and socket errors surface here; without a listener they would crash the process.
      server.on('error', (err: Error) => logger.debug({ err: err.message }, 'SMTP connection error'));
      servers.push(server);
      const port = await listen(
        server,
        address,
        kind === 'starttls' ? 'PETREL_SMTP_LISTEN' : 'PETREL_SMTPS_LISTEN',
      );
      listeners.push({ kind, host: address.host, port });
      logger.info({ kind, host: address.host, port, tls: tls.source }, 'SMTP listening');
    }
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    throw err;
  }

  let closing: Promise<void> | null = null;
  return {
    listeners,
    ports: {
      smtp: listeners.filter((l) => l.kind === 'starttls').map((l) => l.port),
      smtps: listeners.filter((l) => l.kind === 'implicit-tls').map((l) => l.port),
    },
    forgetUser: (usernameLower) => cache.forgetUser(usernameLower),
    // Once: the node's shutdown starts it early and its ordered clean-up waits for it again.
    close() {
      closing ??= Promise.all(servers.map(closeServer)).then(() => undefined);
      return closing;
    },
  };
}
