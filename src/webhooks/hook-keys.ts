// The opened signing key and Authorization header of each webhook, kept between calls: opening the
// sealed values (AES-256-GCM) and decoding the secret per call was a measurable part of a call's CPU.
import type { SecretBox } from '../security/secret-box.js';
import type { WebhookRecord } from '../store/repositories/webhooks.js';
import { openAuthValue, openWebhookSecret } from './sealing.js';
import { secretBytes } from './signature.js';

export interface HookKeys {
  /** The decoded bytes of the webhook's `whsec_` secret (the HMAC key). */
  key: Buffer;
  /** The `Authorization` header value, when the webhook has one. */
  authorization: string | null;
}

interface Entry extends HookKeys {
  /** The sealed values these were opened from: an edit (new secret, new auth) changes them. */
  sealed: string;
}

export class HookKeyCache {
  private readonly entries = new Map<number, Entry>();

  constructor(private readonly box: SecretBox) {}

  of(hook: WebhookRecord): HookKeys {
    const sealed = `${hook.accountId}\n${hook.secret}\n${hook.authHeaderType}\n${hook.authHeaderValue}`;
    const found = this.entries.get(hook.id);
    if (found && found.sealed === sealed) return found;
    const scheme = hook.authHeaderType === 'bearer' ? 'Bearer' : 'Basic';
    const entry: Entry = {
      sealed,
      key: secretBytes(openWebhookSecret(this.box, hook)),
      authorization: hook.authHeaderType === '' ? null : `${scheme} ${openAuthValue(this.box, hook)}`,
    };
    this.entries.set(hook.id, entry);
    return entry;
  }

  /** Forgets a removed webhook, so the cache holds only webhooks that exist (or existed at their last call). */
  forget(id: number): void {
    this.entries.delete(id);
  }
}
