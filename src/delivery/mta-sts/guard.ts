// Applies a domain's MTA-STS policy to one delivery (RFC 8461 §4, §5): which MX hosts may be used, what
// TLS their sessions need, and what a session that fails the policy means — a deferral in `enforce`, a
// logged warning in `testing`. Without a policy (or with `none`) delivery stays opportunistic.
import type { Logger } from 'pino';
import type { MxHost } from '../resolver.js';
import type { SessionSpec, SmtpSession } from '../smtp-session.js';
import type { SmtpReply } from '../types.js';
import type { MtaStsPolicyCache } from './policy-cache.js';
import { policyAllowsMx, type StsPolicy } from './policy.js';
import type { TrustStore } from './trust-store.js';

/** Why a delivery failed (or, in testing mode, would have failed) the policy; the metrics' label. */
export type StsFailure = 'mx_mismatch' | 'tls';

export interface MtaStsCounters {
  /** A policy fetched over HTTPS, or a fetch that failed. */
  fetch(result: 'ok' | 'failed'): void;
  deferral(reason: StsFailure): void;
  testingFailure(reason: StsFailure): void;
}

/** RFC 3463 X.7.5 "cryptographic failure": what Postfix also reports when a TLS policy is not met. */
export const STS_ENHANCED_CODE = '4.7.5';

export type StsPlan =
  | { kind: 'deliver'; hosts: MxHost[]; tls: NonNullable<SessionSpec['tls']>; policy: StsPolicy | null }
  | { kind: 'defer'; reply: SmtpReply };

export interface MtaStsGuardOptions {
  policies: MtaStsPolicyCache;
  trust: TrustStore;
  counters?: MtaStsCounters;
  logger?: Logger;
}

export class MtaStsGuard {
  constructor(private readonly options: MtaStsGuardOptions) {}

  /** The hosts to try and the TLS their sessions need; or a deferral when no MX may be used. */
  async plan(domain: string, hosts: MxHost[], messageId?: string): Promise<StsPlan> {
    const policy = await this.options.policies.policyFor(domain);
    const secureContext = this.options.trust.secureContext;
    // Every session carries the trust store, so a verified session can be reused under any policy.
    if (!policy || policy.mode === 'none') {
      return { kind: 'deliver', hosts, tls: { secureContext, require: false }, policy: null };
    }
    const matching = hosts.filter((h) => policyAllowsMx(policy, h.name));
    const others = hosts.filter((h) => !matching.includes(h)).map((h) => h.name);
    if (policy.mode === 'testing') {
      if (others.length > 0) this.testingFailure('mx_mismatch', { domain, messageId, hosts: others });
      return { kind: 'deliver', hosts, tls: { secureContext, require: false }, policy };
    }
    if (others.length > 0) {
      this.options.logger?.warn(
        { domain, messageId, hosts: others, mx: policy.mx },
        'mta-sts: MX hosts not in the policy are not used',
      );
    }
    if (matching.length === 0) {
      this.options.counters?.deferral('mx_mismatch');
      const text =
        `MTA-STS policy of ${domain} (enforce) allows none of its MX hosts ` +
        `(${hosts.map((h) => h.name).join(', ')}; policy mx: ${policy.mx.join(', ')})`;
      return { kind: 'defer', reply: { code: null, enhancedCode: STS_ENHANCED_CODE, text } };
    }
    return { kind: 'deliver', hosts: matching, tls: { secureContext, require: true }, policy };
  }

  /**
   * Checks a session before any transaction: under `enforce` a session without a verified STARTTLS
   * (possible only for a reused connection) is refused with the reply to record; under `testing` the
   * failure is logged and the session used. Null: go ahead.
   */
  checkSession(plan: StsPlan, session: SmtpSession, domain: string, messageId?: string): SmtpReply | null {
    if (plan.kind !== 'deliver' || !plan.policy) return null;
    const { verified, error } = session.tlsVerification;
    if (verified) return null;
    const host = session.spec.hostName;
    if (!plan.tls.require) {
      this.testingFailure('tls', { domain, messageId, hosts: [host], error });
      return null;
    }
    this.options.counters?.deferral('tls');
    return this.tlsReply(domain, `${host}[${session.spec.address}]: ${error ?? 'not verified'}`);
  }

  /**
   * A connection that failed under `enforce` during STARTTLS (not offered, refused, or a certificate not
   * valid for the MX) gets the policy's reason, and is temporary even when the server said 5xx to
   * STARTTLS (RFC 8461 §5: a policy failure is not a bounce).
   */
  explainConnectFailure(
    plan: StsPlan,
    failure: { reply: SmtpReply; duringTls?: boolean },
    domain: string,
  ): SmtpReply {
    if (plan.kind !== 'deliver' || !plan.tls.require || !failure.duringTls) return failure.reply;
    this.options.counters?.deferral('tls');
    return this.tlsReply(domain, failure.reply.text);
  }

  close(): void {
    this.options.policies.close();
  }

  private tlsReply(domain: string, detail: string): SmtpReply {
    const text = `MTA-STS policy of ${domain} (enforce) requires STARTTLS with a valid certificate: ${detail}`;
    return { code: null, enhancedCode: STS_ENHANCED_CODE, text };
  }

  private testingFailure(
    reason: StsFailure,
    fields: { domain: string; messageId?: string; hosts: string[]; error?: string | null },
  ): void {
    this.options.counters?.testingFailure(reason);
    const what = reason === 'tls' ? 'no verified TLS' : 'MX not in the policy';
    this.options.logger?.warn(
      { ...fields, reason },
      `mta-sts testing: would have deferred under enforce (${what}); delivering anyway`,
    );
  }
}
