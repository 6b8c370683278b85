// The shape of a loaded configuration, and the one error a bad setting raises.
import type { DestinationRule } from '../delivery/pacing/rules.js';
import type { RetrySchedule } from '../webhooks/retry-schedule.js';

export class ConfigError extends Error {
  constructor(setting: string, problem: string) {
    super(`Invalid configuration: ${setting} ${problem}`);
    this.name = 'ConfigError';
  }
}

export interface ListenAddress {
  host: string;
  port: number;
}

export interface IpPoolConfig {
  id: number;
  name: string;
  ip_addresses: string[];
  /** Warm-up schedules by address (SPEC §9): messages a day on day 1, 2, 3…; unlimited after the list. */
  warmup?: Record<string, number[]>;
  ehlo: string | null;
  /** "*" or the list of account ids the pool is granted to. */
  accounts: '*' | string[];
}

export interface IpAuthEntry {
  /** An IP address or CIDR block. */
  network: string;
  username: string;
}

export interface Config {
  dataDir: string;
  databaseUrl: string | null;
  httpListen: ListenAddress;
  smtpListen: ListenAddress[];
  smtpsListen: ListenAddress[];
  publicUrl: string;
  smarthost: ListenAddress | null;
  dnsServers: string[];
  hostname: string;
  ipPools: IpPoolConfig[];
  /** Per-destination pacing rules (SPEC §9); the built-in ones apply after these. */
  destinationRules: DestinationRule[];
  tlsCert: string | null;
  tlsKey: string | null;
  logLevel: string;
  apiRequestsPerMinute: number;
  metricsToken: string | null;
  /** Failed API authentications per client address (IPv6: per /64) per minute, before 429 (SPEC §10). */
  apiAuthFailuresPerMinute: number;
  /** Seconds a client may take to send an HTTP request's headers… */
  httpHeadersTimeoutSeconds: number;
  /** …and the whole request; past either it is answered 408 and closed. */
  httpRequestTimeoutSeconds: number;
  smtpMaxMessageBytes: number;
  smtpAuthRequiresTls: 'except-loopback' | 'always' | 'never';
  ipAuth: IpAuthEntry[];
  /** SMTP AUTH failures from one address (IPv6: one /64) that trigger the back-off… */
  smtpAuthFailureLimit: number;
  /** …when they happen within this many seconds… */
  smtpAuthFailureWindowSeconds: number;
  /** …after which the address is refused with 421 for this many seconds. */
  smtpAuthBlockSeconds: number;
  /** How long a successful SMTP AUTH verification is remembered (in memory, per node). */
  smtpAuthCacheSeconds: number;
  /** Days an archived message (archive_enabled) is kept before the periodic purge removes it. */
  archiveRetentionDays: number;
  /** Days a sandboxed message stays viewable in the spool before the periodic purge removes it. */
  sandboxRetentionDays: number;
  /** Days activity events are kept (day partitions dropped on PostgreSQL, batched purge on SQLite). */
  eventRetentionDays: number;
  /** Delay before the first retry of a deferred recipient; doubled after each failure… */
  retryFirstDelaySeconds: number;
  /** …up to this many seconds between tries… */
  retryMaxDelaySeconds: number;
  /** …until the message is this old; then it bounces. */
  retryMaxAgeSeconds: number;
  /** Age of a still-undelivered message at which its one "delayed" DSN goes out (SPEC §9); 0: never. */
  delayNoticeAfterSeconds: number;
  /** Deliveries (one message to one domain) in progress at once; 0 runs no delivery on this node. */
  deliveryConcurrency: number;
  /** Serving processes on this node (`petrel serve`), each with its own spool shard (docs/workers.md). */
  workers: number;
  /** How often the delivery worker looks at the queue when nothing woke it (seconds). */
  deliveryPollSeconds: number;
  /** Port of the MX hosts delivered to (25; tests point it at their own peers). */
  mxPort: number;
  /** MTA-STS: extra CAs (PEM file) trusted for policy fetches and MX certificates, beside the system's. */
  mtaStsCaFile: string | null;
  /** MTA-STS: port of the policy servers (443; tests point it at their own HTTPS server). */
  mtaStsPolicyPort: number;
  /** Outbound SMTP: how long to wait for a TCP connection to an MX… */
  outboundConnectTimeoutSeconds: number;
  /** …for its greeting once connected… */
  outboundGreetingTimeoutSeconds: number;
  /** …and for any later reply or write; past these the recipient is deferred. */
  outboundSocketTimeoutSeconds: number;
  /** At SIGTERM, how long open SMTP sessions may take to finish before they are told 421 and closed. */
  shutdownGraceSeconds: number;
  /** SMTP connections one client address may hold open at once on this node; beyond it 421 4.7.0. */
  smtpMaxConnectionsPerIp: number;
  /** SMTP AUTH attempts one client address may have in progress at once. */
  smtpMaxConcurrentAuthPerIp: number;
  /** CIDR blocks mail may be delivered to although they are private, loopback or the node's own (§10). */
  allowedPrivateDestinations: string[];
  /** Base64 of the 32-byte key sealing the secrets kept in the database; null: the data dir key file. */
  secretsKey: string | null;
  /** Host of VERP envelope senders for domains without a verified return path (SPEC §5); null: none. */
  returnPathHost: string | null;
  /** `any`: every sender passes; `verified`: only verified sender domains and single senders (SPEC §5). */
  senderPolicy: 'any' | 'verified';
  /** Sender of Petrel's own mail (single sender verification); default no-reply@<hostname>. */
  systemSender: string;
  /** How often sender domains' DNS records are checked again (seconds; default hourly). */
  domainRecheckSeconds: number;
  /** The listener for late bounces and complaints to VERP addresses (SPEC §6). */
  inboundListen: ListenAddress;
  /** Webhooks may call loopback, private and link-local addresses (tests, closed networks). */
  webhookAllowPrivate: boolean;
  /** Back-off of failed webhook calls (PETREL_WEBHOOK_RETRY_SCHEDULE `15,30,60/172800`). */
  webhookRetrySchedule: RetrySchedule;
  /** Webhook calls in flight at once on this node; 0 runs no webhook dispatcher here. */
  webhookConcurrency: number;
  /** `petrel serve`'s log lines: auto (readable on a terminal, JSON otherwise), json or pretty. */
  logFormat: 'auto' | 'json' | 'pretty';
}
