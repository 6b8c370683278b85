// Which endpoints an API key may call. A key lists patterns such as "*", "/users/smtp/*" or
// "/email/send"; a trailing "*" matches any rest of the path.

function patternCovers(pattern: string, endpoint: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return endpoint.startsWith(pattern.slice(0, -1));
  return pattern === endpoint;
}

export function isEndpointPermitted(patterns: readonly string[], endpoint: string): boolean {
  return patterns.some((p) => patternCovers(p, endpoint));
}

/** True when pattern `held` allows at least everything pattern `wanted` allows. */
function patternIncludes(held: string, wanted: string): boolean {
  if (held === '*') return true;
  if (wanted === '*') return false;
  if (!held.endsWith('*')) return held === wanted;
  const wantedPrefix = wanted.endsWith('*') ? wanted.slice(0, -1) : wanted;
  return wantedPrefix.startsWith(held.slice(0, -1));
}

/** True when a key holding `held` may grant `wanted`: a key never grants more than it has. */
export function isGrantWithin(held: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((w) => held.some((h) => patternIncludes(h, w)));
}
