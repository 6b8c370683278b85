// The table of every setting: its key in the config file, its environment variable, its default and
// how a raw value is checked. `load.ts` walks this table; docs/configuration.md mirrors it.
import { isIP } from 'node:net';
import { availableParallelism, hostname as machineHostname } from 'node:os';
import {
  LOG_LEVELS,
  asString,
  ipAuth,
  ipPools,
  period,
  listen,
  listenList,
  numberIn,
  optionalString,
  parseListen,
  positiveInt,
  positiveSeconds,
  type Parse,
} from './parsers.js';
import { cidrList, secretsKey } from './security-parsers.js';
import { parseDestinationRules } from '../delivery/pacing/parse.js';
import { ConfigError, type Config } from './types.js';
import { defaultRetrySchedule, retrySchedule, trueOrFalse } from '../webhooks/settings.js';

export * from './types.js';

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  parse: Parse<Config[K]>;
  default: () => Config[K];
}

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
  setting('destinationRules', 'PETREL_DESTINATION_RULES', parseDestinationRules, () => []),
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
  setting('eventRetentionDays', 'PETREL_EVENT_RETENTION_DAYS', positiveInt, () => 90),
  setting('retryFirstDelaySeconds', 'PETREL_RETRY_FIRST_DELAY_SECONDS', positiveSeconds, () => 60),
  setting('retryMaxDelaySeconds', 'PETREL_RETRY_MAX_DELAY_SECONDS', positiveSeconds, () => 3600),
  setting('retryMaxAgeSeconds', 'PETREL_RETRY_MAX_AGE_SECONDS', positiveSeconds, () => 3 * 86400),
  setting(
    'deliveryConcurrency',
    'PETREL_DELIVERY_CONCURRENCY',
    numberIn({ min: 0, integer: true }, 'a non-negative integer'),
    () => 20,
  ),
  setting(
    'workers',
    'PETREL_WORKERS',
    numberIn({ min: 1, max: 64, integer: true }, 'a whole number from 1 to 64'),
    () => availableParallelism(),
  ),
  setting('delayNoticeAfterSeconds', 'PETREL_DELAY_NOTICE_AFTER', period, () => 4 * 3600),
  setting('deliveryPollSeconds', 'PETREL_DELIVERY_POLL_SECONDS', positiveSeconds, () => 5),
  setting(
    'mxPort',
    'PETREL_MX_PORT',
    numberIn({ min: 1, max: 65535, integer: true }, 'a port number'),
    () => 25,
  ),
  setting('mtaStsCaFile', 'PETREL_MTA_STS_CA_FILE', optionalString, () => null),
  setting(
    'mtaStsPolicyPort',
    'PETREL_MTA_STS_POLICY_PORT',
    numberIn({ min: 1, max: 65535, integer: true }, 'a port number'),
    () => 443,
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
  setting('smtpMaxConnectionsPerIp', 'PETREL_SMTP_MAX_CONNECTIONS_PER_IP', positiveInt, () => 100),
  setting('smtpMaxConcurrentAuthPerIp', 'PETREL_SMTP_MAX_CONCURRENT_AUTH_PER_IP', positiveInt, () => 10),
  setting('allowedPrivateDestinations', 'PETREL_ALLOWED_PRIVATE_DESTINATIONS', cidrList, () => []),
  setting('secretsKey', 'PETREL_SECRETS_KEY', secretsKey, () => null),
  setting('apiAuthFailuresPerMinute', 'PETREL_API_AUTH_FAILURES_PER_MINUTE', positiveInt, () => 20),
  setting('httpHeadersTimeoutSeconds', 'PETREL_HTTP_HEADERS_TIMEOUT_SECONDS', positiveSeconds, () => 10),
  setting('httpRequestTimeoutSeconds', 'PETREL_HTTP_REQUEST_TIMEOUT_SECONDS', positiveSeconds, () => 30),
  setting(
    'returnPathHost',
    'PETREL_RETURN_PATH_HOST',
    (r, n) => {
      const s = optionalString(r, n);
      if (s !== null && !/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(s))
        throw new ConfigError(n, `must be a host name, found '${s}'`);
      return s === null ? null : s.toLowerCase();
    },
    () => null,
  ),
  setting(
    'senderPolicy',
    'PETREL_SENDER_POLICY',
    (r, n) => {
      const s = asString(r, n).toLowerCase();
      if (s !== 'any' && s !== 'verified') throw new ConfigError(n, `must be any or verified, found '${s}'`);
      return s;
    },
    () => 'any' as const,
  ),
  setting(
    'systemSender',
    'PETREL_SYSTEM_SENDER',
    (r, n) => {
      const s = asString(r, n);
      if (!/^[^@\s<>]+@[A-Za-z0-9.-]+$/.test(s))
        throw new ConfigError(n, `must be an email address, found '${s}'`);
      return s;
    },
    () => '',
  ),
  setting('domainRecheckSeconds', 'PETREL_DOMAIN_RECHECK_SECONDS', positiveSeconds, () => 3600),
  setting('inboundListen', 'PETREL_INBOUND_LISTEN', listen, () => ({ host: '127.0.0.1', port: 2625 })),
  setting('webhookAllowPrivate', 'PETREL_WEBHOOK_ALLOW_PRIVATE', trueOrFalse, () => false),
  setting('webhookRetrySchedule', 'PETREL_WEBHOOK_RETRY_SCHEDULE', retrySchedule, defaultRetrySchedule),
  setting(
    'webhookConcurrency',
    'PETREL_WEBHOOK_CONCURRENCY',
    numberIn({ min: 0, integer: true }, 'a non-negative integer'),
    () => 64,
  ),
  setting(
    'logFormat',
    'PETREL_LOG_FORMAT',
    (r, n) => {
      const s = asString(r, n).toLowerCase();
      if (s !== 'auto' && s !== 'json' && s !== 'pretty')
        throw new ConfigError(n, `must be auto, json or pretty, found '${s}'`);
      return s;
    },
    () => 'auto' as const,
  ),
] as const;
