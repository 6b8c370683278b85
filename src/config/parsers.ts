// How raw setting values (environment strings or config-file JSON) are checked and converted; each
// failure is a ConfigError naming the setting.
import { isIP } from 'node:net';
import { parseRatelimitPeriod } from '../domain/ratelimit-period.js';
import { ConfigError, type IpAuthEntry, type IpPoolConfig, type ListenAddress } from './types.js';

/** How one raw value (a string from the environment, or a JSON value from the file) becomes a setting. */
export type Parse<T> = (raw: unknown, name: string) => T;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function asString(raw: unknown, name: string): string {
  if (typeof raw !== 'string') throw new ConfigError(name, `must be a string, found ${JSON.stringify(raw)}`);
  return raw.trim();
}

export function parseListen(raw: string, name: string): ListenAddress {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(raw.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || !match[1] || port < 0 || port > 65535) {
    throw new ConfigError(name, `must look like host:port (e.g. 127.0.0.1:2525), found '${raw}'`);
  }
  return { host: match[1], port };
}

export const listen: Parse<ListenAddress> = (raw, name) => parseListen(asString(raw, name), name);

export const listenList: Parse<ListenAddress[]> = (raw, name) => {
  const items = Array.isArray(raw) ? raw.map((r) => asString(r, name)) : asString(raw, name).split(',');
  return items
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseListen(s, name));
};

export const optionalString: Parse<string | null> = (raw, name) => {
  if (raw === null) return null;
  const s = asString(raw, name);
  return s === '' ? null : s;
};

export const positiveInt: Parse<number> = (raw, name) => {
  const n = typeof raw === 'number' ? raw : Number(asString(raw, name));
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(name, `must be a positive integer, found '${String(raw)}'`);
  return n;
};

/** A number from `min` up (`integer`: whole numbers only; `above`: `min` itself excluded), at most `max`. */
export function numberIn(
  rule: { min: number; max?: number; integer?: boolean; above?: boolean },
  expected: string,
) {
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
export const positiveSeconds = numberIn({ min: 0, above: true }, 'a positive number of seconds');

/** A period in the grammar of SPEC §1.9 ("4 hours", "0:00:30", or plain seconds), as seconds; 0: off. */
export const period: Parse<number> = (raw, name) => {
  const text = typeof raw === 'number' ? String(raw) : asString(raw, name);
  if (text === '0') return 0;
  const result = parseRatelimitPeriod(text);
  if (!result.ok) throw new ConfigError(name, result.reason);
  return result.period.seconds;
};

export function parseJsonSetting(raw: unknown, name: string): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ConfigError(name, 'is not valid JSON');
  }
}

export const ipPools: Parse<IpPoolConfig[]> = (raw, name) => {
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
    const entries = pool.ip_addresses;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new ConfigError(`${where}.ip_addresses`, 'must be a non-empty list of IP addresses');
    }
    const parsed = entries.map((e: unknown, j) => poolAddress(e, `${where}.ip_addresses[${j}]`));
    const ips = parsed.map((a) => a.address);
    const warmup = Object.fromEntries(
      parsed.filter((a) => a.warmup !== undefined).map((a) => [a.address, a.warmup as number[]]),
    );
    const accounts = pool.accounts ?? '*';
    if (accounts !== '*' && !(Array.isArray(accounts) && accounts.every((a) => typeof a === 'string'))) {
      throw new ConfigError(`${where}.accounts`, 'must be "*" or a list of account ids');
    }
    if (pool.ehlo !== undefined && typeof pool.ehlo !== 'string')
      throw new ConfigError(`${where}.ehlo`, 'must be a string');
    return {
      id,
      name: pool.name,
      ip_addresses: ips,
      ...(Object.keys(warmup).length > 0 ? { warmup } : {}),
      ehlo: pool.ehlo ?? null,
      accounts: accounts,
    };
  });
};

/** One `ip_addresses` entry: a plain address, or `{"address": …, "warmup": [50, 100, …]}`. */
function poolAddress(entry: unknown, where: string): { address: string; warmup?: number[] } {
  if (typeof entry === 'string' && isIP(entry) !== 0) return { address: entry };
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ConfigError(where, 'must be an IP address or {"address": …, "warmup": […]}');
  }
  const { address, warmup } = entry as Record<string, unknown>;
  if (typeof address !== 'string' || isIP(address) === 0)
    throw new ConfigError(`${where}.address`, 'must be an IP address');
  if (warmup === undefined) return { address };
  if (
    !Array.isArray(warmup) ||
    warmup.length === 0 ||
    !warmup.every((n) => Number.isInteger(n) && (n as number) >= 0)
  ) {
    throw new ConfigError(`${where}.warmup`, 'must be a non-empty list of whole numbers (messages a day)');
  }
  return { address, warmup: warmup as number[] };
}

export const ipAuth: Parse<IpAuthEntry[]> = (raw, name) => {
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
