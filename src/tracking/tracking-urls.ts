// The public URL scheme of tracking links (`<PETREL_PUBLIC_URL>/t/o|c|u/<token>`) and the builder that
// gives the per-recipient transform its signed pixel, click and unsubscribe URLs.
import { signToken, type TrackingKind, type TrackingSecret } from './tokens.js';

/** Path prefixes under the public base URL; the HTTP routes serve `<prefix>:token`. */
export const TRACKING_PATHS: Readonly<Record<TrackingKind, string>> = {
  open: '/t/o/',
  click: '/t/c/',
  unsubscribe: '/t/u/',
};

/** Whose copy of which message the links belong to. */
export interface TrackedCopy {
  messageId: string;
  recipient: string;
  /** SMTP username, or the API key id for mail sent through the HTTP API. */
  username: string;
  accountId: string;
}

export interface TrackingLinks {
  unsubscribeUrl: string;
  openPixelUrl: string;
  /** Returns the signed redirect URL for an http(s) link found in the message. */
  trackClick: (url: string) => string;
}

function normalizeBase(publicUrl: string): string {
  const parsed = new URL(publicUrl);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`The public URL must be http(s), found '${publicUrl}'`);
  }
  // Keeps a path prefix (Petrel behind a reverse proxy at /mail/) but never a query or fragment.
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** `<base>/t/<o|c|u>/<token>`; the token alphabet (base64url and '.') needs no escaping. */
export function trackingUrl(publicUrl: string, kind: TrackingKind, token: string): string {
  return `${normalizeBase(publicUrl)}${TRACKING_PATHS[kind]}${token}`;
}

/** Signed URLs for one recipient's copy of a message. */
export function createTrackingLinks(
  secret: TrackingSecret | TrackingSecret[],
  publicUrl: string,
  copy: TrackedCopy,
): TrackingLinks {
  const base = normalizeBase(publicUrl);
  const url = (kind: TrackingKind, target?: string): string =>
    `${base}${TRACKING_PATHS[kind]}${signToken(secret, { kind, ...copy, ...(target === undefined ? {} : { url: target }) })}`;
  return {
    unsubscribeUrl: url('unsubscribe'),
    openPixelUrl: url('open'),
    trackClick: (target) => url('click', target),
  };
}
