// What a delivery attempt that got no transaction reports: the reply (a remote one, or one Petrel words
// itself) and how far the attempt got (host, addresses, TLS), for the recipient's result and its log.
import type { RecipientReply } from './smtp-session.js';
import type { Stage } from './types.js';

/** Where an answer came from, as far as the attempt got. */
export interface Where {
  host: string | null;
  remoteAddress: string | null;
  localAddress: string | null;
  tls: boolean;
}

export interface Failure extends RecipientReply {
  where: Where;
}

export const NOWHERE: Where = { host: null, remoteAddress: null, localAddress: null, tls: false };

/** A failure Petrel words itself (no remote reply code). */
export const localFailure = (stage: Stage, enhancedCode: string, text: string, where = NOWHERE): Failure => ({
  stage,
  reply: { code: null, enhancedCode, text },
  where,
});
