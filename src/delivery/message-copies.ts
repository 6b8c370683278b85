// The bytes each recipient gets (SPEC §3.1, §3.2): the stored message run through the per-recipient
// transform when the sender's settings ask for a footer or tracking, or the message as accepted —
// one copy for all — when nothing applies (audit copies, Petrel's own bounces, plain senders).
import { pipeline, type Readable } from 'node:stream';
import type { SendingSettings } from '../domain/sending-settings.js';
import type { QueuedMessage, RecipientKind, SpoolQueue } from '../spool/index.js';
import { createTrackingLinks } from '../tracking/tracking-urls.js';
import type { MessageOutline } from '../transform/message-outline.js';
import { createRecipientTransform } from '../transform/recipient-transform.js';
import type { MessageSource } from './outbound.js';

export interface CopyDeps {
  queue: Pick<SpoolQueue, 'openBody'>;
  trackingSecret: Buffer;
  /** Base of tracking and unsubscribe links (config.publicUrl). */
  publicUrl: string;
}

/** Whether recipients of this kind get a copy of their own (footer, tracking) under these settings. */
export function needsOwnCopies(settings: SendingSettings | null, kind: RecipientKind): boolean {
  // Audit copies are the message as accepted (SPEC §3.2); Petrel's own bounces carry no settings.
  if (kind !== 'recipient' || settings === null) return false;
  return settings.feedback_enabled || settings.click_tracking_enabled || settings.open_tracking_enabled;
}

/** The message as stored, the same for every recipient. */
export function sameCopy(deps: CopyDeps, message: QueuedMessage): MessageSource {
  return { sameForAll: true, open: () => deps.queue.openBody(message.id), size: message.size };
}

/**
 * Each recipient's own copy. `outline` is null when the message cannot be split into MIME parts: it
 * then goes out as accepted rather than not at all.
 */
export function ownCopies(
  deps: CopyDeps,
  message: QueuedMessage,
  settings: SendingSettings,
  outline: MessageOutline | null,
): MessageSource {
  if (outline === null) return sameCopy(deps, message);
  return {
    sameForAll: false,
    size: message.size,
    open(recipient: string): Readable {
      const links = createTrackingLinks(deps.trackingSecret, deps.publicUrl, {
        messageId: message.id,
        recipient,
        username: message.username,
        accountId: message.accountId,
      });
      const footer = settings.feedback_enabled;
      // Throws (before anything is sent) for options the transform refuses; outbound defers then.
      const transform = createRecipientTransform({
        outline,
        recipient,
        footer: footer ? { html: settings.feedback_html, text: settings.feedback_text } : null,
        unsubscribeUrl: footer ? links.unsubscribeUrl : null,
        trackClick: settings.click_tracking_enabled ? links.trackClick : null,
        openPixelUrl: settings.open_tracking_enabled ? links.openPixelUrl : null,
      });
      // A failure anywhere (the body file, the splitter) errors the copy, so the transaction is
      // abandoned before its final dot instead of delivering a truncated message.
      return pipeline(deps.queue.openBody(message.id), transform, () => undefined);
    },
  };
}
