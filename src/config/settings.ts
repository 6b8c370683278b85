// The table of every setting: its key in the config file, its environment variable, its default and
// how a raw value is checked. `load.ts` walks this table; docs/configuration.md mirrors it.
import { hostname as machineHostname } from 'node:os';
import { isIP } from 'node:net';

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
  tlsCert: string | null;
  tlsKey: string | null;
  logLevel: string;
  apiRequestsPerMinute: number;
  metricsToken: string | null;
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
  /** Delay before the first retry of a deferred recipient; doubled after each failure… */
  retryFirstDelaySeconds: number;
  /** …up to this many seconds between tries… */
  retryMaxDelaySeconds: number;
  /** …until the message is this old; then it bounces. */
  retryMaxAgeSeconds: number;
  /** Deliveries (one message to one domain) in progress at once; 0 runs no delivery on this node. */
  deliveryConcurrency: number;
  /** How often the delivery worker looks at the queue when nothing woke it (seconds). */
  deliveryPollSeconds: number;
  /** Port of the MX hosts delivered to (25; tests point it at their own peers). */
  mxPort: number;
  /** Outbound SMTP: how long to wait for a TCP connection to an MX… */
  outboundConnectTimeoutSeconds: number;
  /** …for its greeting once connected… */
  outboundGreetingTimeoutSeconds: number;
  /** …and for any later reply or write; past these the recipient is deferred. */
  outboundSocketTimeoutSeconds: number;
  /** At SIGTERM, how long open SMTP sessions may take to finish before they are told 421 and closed. */
  shutdownGraceSeconds: number;
}

/** How one raw value (a string from the environment, or a JSON value from the file) becomes a setting. */
type Parse<T> = (raw: unknown, name: string) => T;

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  parse: Parse<Config[K]>;
  default: () => Config[K];
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function asString(raw: unknown, name: string): string {
  if (typeof raw !== 'string') throw new ConfigError(name, `must be a string, found ${JSON.stringify(raw)}`);
  return raw.trim();
}

function parseListen(raw: string, name: string): ListenAddress {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(raw.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || !match[1] || port < 0 || port > 65535) {
    throw new ConfigError(name, `must look like host:port (e.g. 127.0.0.1:2525), found '${raw}'`);
  }
  return { host: match[1], port };
}

const listen: Parse<ListenAddress> = (raw, name) => parseListen(asString(raw, name), name);

const listenList: Parse<ListenAddress[]> = (raw, name) => {
  const items = Array.isArray(raw) ? raw.map((r) => asString(r, name)) : asString(raw, name).split(',');
  return items
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseListen(s, name));
};

const optionalString: Parse<string | null> = (raw, name) => {
  if (raw === null) return null;
  const s = asString(raw, name);
  return s === '' ? null : s;
};

const positiveInt: Parse<number> = (raw, name) => {
  const n = typeof raw === 'number' ? raw : Number(asString(raw, name));
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(name, `must be a positive integer, found '${String(raw)}'`);
  return n;
};

/** A number from `min` up (`integer`: whole numbers only; `above`: `min` itself excluded), at most `max`. */
function numberIn(rule: { min: number; max?: number; integer?: boolean; above?: boolean }, expected: string) {
  return ((raw, name) => {
    const n = typeof raw === 'number' ? raw : Number(asString(raw, name));
    const ok =
      Number.isFinite(n) &&
      (rule.above ? n > rule.min : n >= rule.min) &&
      n <= (rule.max ?? Infinity) &&
      (!rule.integer || Number.isInteger(n));
    if (!ok) throw new ConfigError(name, `must be ${expected}, found '${String(raw)}'`);
    return n;
  }) satisfies Parse<number>;
}

// Durations allow fractions: tests run retry schedules in fractions of a second.
const positiveSeconds = numberIn({ min: 0, above: true }, 'a positive number of seconds');

function parseJsonSetting(raw: unknown, name: string): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ConfigError(name, 'is not valid JSON');
  }
}

const ipPools: Parse<IpPoolConfig[]> = (raw, name) => {
  const value = parseJsonSetting(raw, name);
  if (!Array.isArray(value)) throw new ConfigError(name, 'must be a JSON list of pools');
  const seen = new Set<number>();
  return value.map((p: unknown, i): IpPoolConfig => {
    const where = `${name}[${i}]`;
    if (typeof p !== 'object' || p === null) throw new ConfigError(where, 'must be an object');
    const pool = p as Record<string, unknown>;
    if (!Number.isInteger(pool.id) || (pool.id as number) < 1)
      throw new ConfigError(`${where}.id`, 'must be a positive integer');
    const id = pool.id as number;
    if (seen.has(id)) throw new ConfigError(`${where}.id`, `repeats the pool id ${id}`);
    seen.add(id);
    if (typeof pool.name !== 'string' || pool.name === '')
      throw new ConfigError(`${where}.name`, 'must be a non-empty string');
    const ips = pool.ip_addresses;
    if (
      !Array.isArray(ips) ||
      ips.length === 0 ||
      !ips.every((ip) => typeof ip === 'string' && isIP(ip) !== 0)
    ) {
      throw new ConfigError(`${where}.ip_addresses`, 'must be a non-empty list of IP addresses');
    }
    const accounts = pool.accounts ?? '*';
    if (accounts !== '*' && !(Array.isArray(accounts) && accounts.every((a) => typeof a === 'string'))) {
      throw new ConfigError(`${where}.accounts`, 'must be "*" or a list of account ids');
    }
    if (pool.ehlo !== undefined && typeof pool.ehlo !== 'string')
      throw new ConfigError(`${where}.ehlo`, 'must be a string');
    return {
      id,
      name: pool.name,
      ip_addresses: ips as string[],
      ehlo: pool.ehlo ?? null,
      accounts: accounts,
    };
  });
};

const ipAuth: Parse<IpAuthEntry[]> = (raw, name) => {
  const value = parseJsonSetting(raw, name);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      name,
      'must be a JSON object mapping IP addresses or CIDR blocks to SMTP usernames',
    );
  }
  return Object.entries(value).map(([network, username]) => {
    const [ip, bits] = network.split('/');
    const family = isIP(ip ?? '');
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      throw new ConfigError(name, `has '${network}', which is not an IP address or CIDR block`);
    }
    if (typeof username !== 'string' || username === '')
      throw new ConfigError(name, `maps '${network}' to a non-string username`);
    return { network, username };
  });
};

function setting<K extends keyof Config>(
  key: K,
  env: string,
  parse: Parse<Config[K]>,
  dflt: () => Config[K],
): Setting<K> {
  return { key, env, parse, default: dflt };
}

export const SETTINGS = [
  setting(
    'dataDir',
    'PETREL_DATA_DIR',
    (r, n) => asString(r, n) || './data',
    () => './data',
  ),
  setting(
    'databaseUrl',
    'PETREL_DATABASE_URL',
    (r, n) => {
      const url = optionalString(r, n);
      if (url !== null && !/^postgres(ql)?:\/\//.test(url))
        throw new ConfigError(
          n,
          'must be a postgres:// URL (leave it unset for the embedded SQLite database)',
        );
      return url;
    },
    () => null,
  ),
  setting('httpListen', 'PETREL_HTTP_LISTEN', listen, () => ({ host: '127.0.0.1', port: 8080 })),
  setting('smtpListen', 'PETREL_SMTP_LISTEN', listenList, () => [{ host: '127.0.0.1', port: 2525 }]),
  setting('smtpsListen', 'PETREL_SMTPS_LISTEN', listenList, () => [{ host: '127.0.0.1', port: 8465 }]),
  setting(
    'publicUrl',
    'PETREL_PUBLIC_URL',
    (r, n) => {
      const s = asString(r, n).replace(/\/+$/, '');
      if (!/^https?:\/\/[^/\s]+/.test(s)) throw new ConfigError(n, `must be an http(s) URL, found '${s}'`);
      return s;
    },
    () => 'http://127.0.0.1:8080',
  ),
  setting(
    'smarthost',
    'PETREL_SMARTHOST',
    (r, n) => {
      const s = optionalString(r, n);
      return s === null ? null : parseListen(s, n);
    },
    () => null,
  ),
  setting(
    'dnsServers',
    'PETREL_DNS_SERVERS',
    (r, n) => {
      const items = Array.isArray(r) ? r.map((x) => asString(x, n)) : asString(r, n).split(',');
      return items
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((s) => {
          const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(s);
          const ip = bracketed ? bracketed[1] : isIP(s) !== 0 ? s : s.replace(/:\d{1,5}$/, '');
          if (isIP(ip ?? '') === 0) throw new ConfigError(n, `has '${s}', which is not ip[:port]`);
          return s;
        });
    },
    () => [],
  ),
  setting(
    'hostname',
    'PETREL_HOSTNAME',
    (r, n) => {
      const s = asString(r, n);
      if (!/^[A-Za-z0-9.-]+$/.test(s)) throw new ConfigError(n, `must be a host name, found '${s}'`);
      return s;
    },
    () => machineHostname(),
  ),
  setting('ipPools', 'PETREL_IP_POOLS', ipPools, () => []),
  setting('tlsCert', 'PETREL_TLS_CERT', optionalString, () => null),
  setting('tlsKey', 'PETREL_TLS_KEY', optionalString, () => null),
  setting(
    'logLevel',
    'PETREL_LOG_LEVEL',
    (r, n) => {
      const s = asString(r, n).toLowerCase();
      if (!LOG_LEVELS.includes(s))
        throw new ConfigError(n, `must be one of ${LOG_LEVELS.join(', ')}, found '${s}'`);
      return s;
    },
    () => 'info',
  ),
  setting('apiRequestsPerMinute', 'PETREL_API_REQUESTS_PER_MINUTE', positiveInt, () => 600),
  setting('metricsToken', 'PETREL_METRICS_TOKEN', optionalString, () => null),
  setting('smtpMaxMessageBytes', 'PETREL_SMTP_MAX_MESSAGE_BYTES', positiveInt, () => 50 * 1024 * 1024),
  setting(
    'smtpAuthRequiresTls',
    'PETREL_SMTP_AUTH_REQUIRES_TLS',
    (r, n) => {
      const s = asString(r, n);
      if (s !== 'except-loopback' && s !== 'always' && s !== 'never') {
        throw new ConfigError(n, `must be except-loopback, always or never, found '${s}'`);
      }
      return s;
    },
    () => 'except-loopback' as const,
  ),
  setting('ipAuth', 'PETREL_IP_AUTH', ipAuth, () => []),
  setting('smtpAuthFailureLimit', 'PETREL_SMTP_AUTH_FAILURE_LIMIT', positiveInt, () => 10),
  setting('smtpAuthFailureWindowSeconds', 'PETREL_SMTP_AUTH_FAILURE_WINDOW_SECONDS', positiveInt, () => 300),
  setting('smtpAuthBlockSeconds', 'PETREL_SMTP_AUTH_BLOCK_SECONDS', positiveInt, () => 600),
  setting('smtpAuthCacheSeconds', 'PETREL_SMTP_AUTH_CACHE_SECONDS', positiveInt, () => 120),
  setting('archiveRetentionDays', 'PETREL_ARCHIVE_RETENTION_DAYS', positiveInt, () => 90),
  setting('sandboxRetentionDays', 'PETREL_SANDBOX_RETENTION_DAYS', positiveInt, () => 7),
  setting('retryFirstDelaySeconds', 'PETREL_RETRY_FIRST_DELAY_SECONDS', positiveSeconds, () => 60),
  setting('retryMaxDelaySeconds', 'PETREL_RETRY_MAX_DELAY_SECONDS', positiveSeconds, () => 3600),
  setting('retryMaxAgeSeconds', 'PETREL_RETRY_MAX_AGE_SECONDS', positiveSeconds, () => 3 * 86400),
  setting(
    'deliveryConcurrency',
    'PETREL_DELIVERY_CONCURRENCY',
    numberIn({ min: 0, integer: true }, 'a non-negative integer'),
    () => 20,
  ),
  setting('deliveryPollSeconds', 'PETREL_DELIVERY_POLL_SECONDS', positiveSeconds, () => 5),
  setting(
    'mxPort',
    'PETREL_MX_PORT',
    numberIn({ min: 1, max: 65535, integer: true }, 'a port number'),
    () => 25,
  ),
  setting(
    'outboundConnectTimeoutSeconds',
    'PETREL_OUTBOUND_CONNECT_TIMEOUT_SECONDS',
    positiveSeconds,
    () => 30,
  ),
  setting(
    'outboundGreetingTimeoutSeconds',
    'PETREL_OUTBOUND_GREETING_TIMEOUT_SECONDS',
    positiveSeconds,
    () => 60,
  ),
  setting(
    'outboundSocketTimeoutSeconds',
    'PETREL_OUTBOUND_SOCKET_TIMEOUT_SECONDS',
    positiveSeconds,
    () => 300,
  ),
  setting('shutdownGraceSeconds', 'PETREL_SHUTDOWN_GRACE_SECONDS', positiveSeconds, () => 10),
] as const;
