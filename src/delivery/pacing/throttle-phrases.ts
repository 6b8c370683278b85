// Replies that mean "you are sending too fast" (SPEC §9), as data: a 421 or 4.7.x reply whose text
// matches one of these slows its destination down instead of being retried at full speed.
export const THROTTLE_PHRASES: readonly RegExp[] = [
  /rate[- ]?limit/i,
  /try (again )?later/i,
  /too many (messages|connections|recipients|mails)/i,
  /throttl/i,
  /temporarily deferred/i,
  /slow down/i,
  /exceeded .*(limit|quota)/i,
  /unusual rate/i,
];

/** True for a temporary reply that asks the sender to slow down. */
export function isThrottleReply(reply: {
  code: number | null;
  enhancedCode: string | null;
  text: string;
}): boolean {
  const temporary = reply.code === 421 || (reply.enhancedCode ?? '').startsWith('4.7.');
  return temporary && THROTTLE_PHRASES.some((p) => p.test(reply.text));
}
