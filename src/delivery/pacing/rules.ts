// Per-destination delivery rules (SPEC §9): which rule governs a recipient domain, by its name or by the
// names of its MX hosts. Configured rules (PETREL_DESTINATION_RULES) come before the built-in ones.
import { BUILT_IN_DESTINATION_RULES } from './built-in-rules.js';

export interface DestinationRule {
  /** `example.com` (that domain), `.example.com` (it and its subdomains) or `mx:.google.com` (MX suffix). */
  match: string;
  /** Connections open at once to one destination address from this node. */
  max_connections?: number;
  /** Messages one connection carries before it is closed. */
  messages_per_connection?: number;
  /** Messages started in any rolling 60 seconds. */
  messages_per_minute?: number;
}

/** True when the rule's `match` covers the domain (for `mx:` rules: one of the MX host names). */
export function ruleMatches(rule: DestinationRule, domain: string, mxHosts: readonly string[]): boolean {
  const match = rule.match.toLowerCase();
  if (match.startsWith('mx:')) {
    const suffix = match.slice(3);
    return mxHosts.some((h) => nameMatches(suffix, h.toLowerCase().replace(/\.$/, '')));
  }
  return nameMatches(match, domain.toLowerCase());
}

function nameMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('.')) return name === pattern.slice(1) || name.endsWith(pattern);
  return name === pattern;
}

/**
 * The rule for a destination: the first configured rule that matches, else the first built-in one, else
 * null (no pacing beyond the connection pool's usual bound). Domain rules and MX rules are tried in the
 * order written, so an operator puts the more specific first.
 */
export function findRule(
  configured: readonly DestinationRule[],
  domain: string,
  mxHosts: readonly string[] = [],
  builtIn: readonly DestinationRule[] = BUILT_IN_DESTINATION_RULES,
): DestinationRule | null {
  return (
    configured.find((r) => ruleMatches(r, domain, mxHosts)) ??
    builtIn.find((r) => ruleMatches(r, domain, mxHosts)) ??
    null
  );
}
