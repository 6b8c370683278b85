// The contract between the SMTP session (and, later, the HTTP send API) and the node's durable spool.
import type { Readable } from 'node:stream';
import type { SendingSettings } from '../domain/sending-settings.js';

/** Everything the spool needs to know about a message besides its bytes. */
export interface SpoolEnvelope {
  /** The envelope sender; '' for the null sender (MAIL FROM:<>). */
  mailFrom: string;
  /** Accepted RCPT TO addresses, in the order they were accepted. */
  recipients: string[];
  /** The sender's audit_email addresses: extra envelope recipients that get a copy (no header added). */
  auditRecipients: string[];
  /**
   * Sandbox status: the message is kept for viewing and NOT queued for `recipients`;
   * `auditRecipients` are still queued (SPEC §2.3).
   */
  sandbox: boolean;
  /** How the message came in: an SMTP user's login, or an API key (email/send). */
  senderKind: 'smtp' | 'api';
  /** The SMTP username (or API key id) whose settings apply at delivery. */
  username: string;
  accountId: string;
  /** The client's IP address, for the Received header and logs. */
  clientAddress: string;
  /** The client's EHLO/HELO name. */
  clientHelo: string;
  /** Whether the client connection was TLS-protected (for the Received header). */
  tls: boolean;
  /**
   * Whether the client logged in with SMTP AUTH (ESMTPA/ESMTPSA in the Received header). Optional;
   * when absent, SMTP messages count as authenticated (IP-authenticated senders should pass false).
   */
  authenticated?: boolean;
  /**
   * The sender's settings when the message was accepted (footer, tracking, archive, bounce routing,
   * IP pool…): delivery applies these, so mail accepted before an edit or removal goes out as accepted.
   * Absent only for mail Petrel generates itself (bounces).
   */
  settings?: SendingSettings;
  /**
   * A scheduled message (SPEC §8): held in the spool until `at` (ms since the epoch), delivered only
   * if its schedule `id` was not removed meanwhile.
   */
  schedule?: { id: string; at: number };
}

export interface AcceptedMessage {
  /** The id given to the client in `250 2.0.0 OK id=<id>`. */
  id: string;
  /** Bytes of the message as stored (including the added Received header). */
  size: number;
}

export interface AcceptOptions {
  /** Refuse (MessageTooLargeError) once the body exceeds this many bytes; the stream is still drained. */
  maxBytes: number;
}

export interface Spool {
  /**
   * Streams `body` (the DATA content, dot-unstuffed) to disk and resolves only once the body and its
   * queue rows are durably stored (fsync'd). Rejects with MessageTooLargeError, SpoolFullError, or
   * another error (nothing is left half-written in any case).
   */
  accept(envelope: SpoolEnvelope, body: Readable, options: AcceptOptions): Promise<AcceptedMessage>;
  close(): Promise<void>;
}

export class MessageTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`Message exceeds the size limit of ${limitBytes} bytes`);
    this.name = 'MessageTooLargeError';
  }
}

/** The spool's disk is full (ENOSPC/EDQUOT): a temporary condition, answered 452 4.3.1. */
export class SpoolFullError extends Error {
  constructor() {
    super('Insufficient system storage');
    this.name = 'SpoolFullError';
  }
}
