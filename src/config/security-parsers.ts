// Parsers of the security settings (SPEC §10): the CIDR list of private destinations mail may still be
// delivered to, and the key that seals the secrets kept in the database.
import ipaddr from 'ipaddr.js';
import { asString, type Parse } from './parsers.js';
import { ConfigError } from './types.js';

/** A comma-separated list (or JSON list) of CIDR blocks or single addresses, each checked. */
export const cidrList: Parse<string[]> = (raw, name) => {
  const items = Array.isArray(raw) ? raw.map((x) => asString(x, name)) : asString(raw, name).split(',');
  return items
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      try {
        if (s.includes('/')) ipaddr.parseCIDR(s);
        else ipaddr.parse(s);
      } catch {
        throw new ConfigError(name, `has '${s}', which is not a CIDR block (e.g. 10.0.0.0/8) or IP address`);
      }
      return s;
    });
};

/** Base64 of exactly 32 bytes. */
export const secretsKey: Parse<string | null> = (raw, name) => {
  if (raw === null) return null;
  const s = asString(raw, name);
  if (s === '') return null;
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(s) ? Buffer.from(s, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32) {
    throw new ConfigError(name, 'must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`)');
  }
  return s;
};
