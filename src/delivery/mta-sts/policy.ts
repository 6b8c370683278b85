// MTA-STS (RFC 8461) as pure rules: the `_mta-sts` TXT record, the policy file, and whether an MX host
// name matches a policy's `mx` patterns. No I/O here, so every rule is checked against the RFC's examples.

export type StsMode = 'enforce' | 'testing' | 'none';

export interface StsPolicy {
  mode: StsMode;
  /** Lower-case patterns: a host name, or `*.` followed by one (which stands for exactly one label). */
  mx: string[];
  /** Seconds the policy may be cached (RFC 8461 §3.2: at most 31557600). */
  maxAgeSeconds: number;
}

/** RFC 8461 §3.2: a policy may not be cached for more than about a year. */
export const MAX_AGE_LIMIT_SECONDS = 31_557_600;

export class StsPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StsPolicyError';
  }
}

/**
 * The policy id from the TXT answers of `_mta-sts.<domain>` (each answer as its character-strings), or
 * null when no valid STSv1 record is published. RFC 8461 §3.1: records not starting with `v=STSv1` are
 * ignored; more than one STSv1 record, or one without a valid id, means no policy.
 */
export function parseStsRecord(answers: readonly (readonly string[])[]): { id: string } | null {
  const records = answers.map((parts) => parts.join('')).filter((t) => /^v=STSv1;/.test(t.trim() + ';'));
  if (records.length !== 1) return null;
  const fields = new Map<string, string>();
  for (const field of (records[0] as string).split(';')) {
    const eq = field.indexOf('=');
    if (eq < 0) continue;
    const key = field.slice(0, eq).trim();
    // RFC 8461 §3.1: the first occurrence of a field counts.
    if (!fields.has(key)) fields.set(key, field.slice(eq + 1).trim());
  }
  const id = fields.get('id');
  if (fields.get('v') !== 'STSv1' || id === undefined || !/^[A-Za-z0-9]{1,32}$/.test(id)) return null;
  return { id };
}

/**
 * The policy file (RFC 8461 §3.2): `key: value` lines separated by CRLF (LF tolerated). Unknown keys are
 * ignored; `mx` may repeat. Throws StsPolicyError for a policy that must not be applied.
 */
export function parsePolicy(text: string): StsPolicy {
  let version: string | undefined;
  let mode: string | undefined;
  let maxAge: string | undefined;
  const mx: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'version') version ??= value;
    else if (key === 'mode') mode ??= value;
    else if (key === 'max_age') maxAge ??= value;
    else if (key === 'mx') {
      const pattern = value.toLowerCase().replace(/\.$/, '');
      if (pattern !== '' && !mx.includes(pattern)) mx.push(pattern);
    }
  }
  if (version !== 'STSv1') throw new StsPolicyError(`version is ${version ?? 'missing'}, not STSv1`);
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') {
    throw new StsPolicyError(`mode is ${mode ?? 'missing'}, not enforce, testing or none`);
  }
  if (maxAge === undefined || !/^\d{1,10}$/.test(maxAge)) {
    throw new StsPolicyError(`max_age is ${maxAge ?? 'missing'}, not a number of seconds`);
  }
  if (mode !== 'none' && mx.length === 0) throw new StsPolicyError(`mode ${mode} names no mx`);
  return { mode, mx, maxAgeSeconds: Math.min(Number(maxAge), MAX_AGE_LIMIT_SECONDS) };
}

/**
 * RFC 8461 §4.1: a pattern is a host name, or `*.` plus a name, the wildcard standing for exactly one
 * leftmost label (`*.example.com` matches `mx1.example.com`, not `example.com` nor `a.b.example.com`).
 */
export function mxMatches(pattern: string, host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === name;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === p.slice(2);
}

export function policyAllowsMx(policy: StsPolicy, host: string): boolean {
  return policy.mx.some((pattern) => mxMatches(pattern, host));
}
