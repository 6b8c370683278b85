// What a reply means for a recipient: 2xx delivered, 4xx deferred, 5xx bounced unless the bounce-rules
// table knows the wording to be temporary in practice; no reply at all (DNS, network) is deferred.
import { TEMPORARY_5XX_RULES, type BounceRule } from './bounce-rules.js';
import { formatReply } from './smtp-reply.js';
import type { Outcome, SmtpReply } from './types.js';

export interface Classification {
  outcome: Outcome;
  /** The rule that turned a 5xx into a deferral, when one did. */
  rule: string | null;
}

export function classifyReply(
  reply: SmtpReply,
  rules: readonly BounceRule[] = TEMPORARY_5XX_RULES,
): Classification {
  const code = reply.code;
  if (code === null) {
    // No server said anything: a local or network condition. Only an explicit permanent enhanced code
    // (e.g. the resolver's 5.1.2 for a domain that does not exist) makes it final.
    return { outcome: reply.enhancedCode.startsWith('5.') ? 'bounced' : 'deferred', rule: null };
  }
  if (code >= 200 && code < 300) return { outcome: 'delivered', rule: null };
  if (code >= 500 && code < 600) {
    const line = formatReply(reply);
    const rule = rules.find((r) => r.pattern.test(line));
    return rule ? { outcome: 'deferred', rule: rule.name } : { outcome: 'bounced', rule: null };
  }
  // 4xx, and anything a broken server might send (1xx, 3xx where a final reply was due): try again.
  return { outcome: 'deferred', rule: null };
}
