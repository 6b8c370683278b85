// PETREL_DESTINATION_RULES as a setting: a JSON list of rules, each checked at start-up; an error names
// the bad entry by its position and its `match`.
import { ConfigError } from '../../config/types.js';
import type { DestinationRule } from './rules.js';

const LIMITS = ['max_connections', 'messages_per_connection', 'messages_per_minute'] as const;
const MATCH = /^(mx:)?\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/i;

export function parseDestinationRules(raw: unknown, name: string): DestinationRule[] {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw new ConfigError(name, 'is not valid JSON');
    }
  }
  if (!Array.isArray(value)) throw new ConfigError(name, 'must be a JSON list of rules');
  return value.map((entry: unknown, i) => parseRule(entry, `${name} entry ${i + 1}`, name));
}

function parseRule(entry: unknown, where: string, name: string): DestinationRule {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ConfigError(name, `${where} must be an object, found ${JSON.stringify(entry)}`);
  }
  const record = entry as Record<string, unknown>;
  const match = record.match;
  if (typeof match !== 'string' || !MATCH.test(match.trim())) {
    throw new ConfigError(
      name,
      `${where}: match must be a domain, .domain or mx:.host-suffix, found ${JSON.stringify(match)}`,
    );
  }
  const label = `${where} (${match})`;
  for (const key of Object.keys(record)) {
    if (key !== 'match' && !(LIMITS as readonly string[]).includes(key)) {
      throw new ConfigError(name, `${label}: unknown field '${key}'`);
    }
  }
  const rule: DestinationRule = { match: match.trim().toLowerCase() };
  for (const key of LIMITS) {
    const v = record[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new ConfigError(name, `${label}: ${key} must be a positive integer, found ${JSON.stringify(v)}`);
    }
    rule[key] = v;
  }
  return rule;
}
