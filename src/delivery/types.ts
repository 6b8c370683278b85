// The vocabulary shared by the outbound half of delivery: what a delivery attempt reports per recipient.

/** What one attempt did for one recipient. `deferred` is retried (see retry-policy.ts); `bounced` is final. */
export type Outcome = 'delivered' | 'deferred' | 'bounced';

/** A reply as read off the wire, or synthesised for a failure that had none (DNS, connection). */
export interface SmtpReply {
  /** The three-digit reply code; null when no server said anything (DNS failure, connection refused…). */
  code: number | null;
  /** RFC 3463 enhanced status code ("5.1.1"); synthesised from the code's class when the server sent none. */
  enhancedCode: string;
  /** The reply text without the codes, lines joined by a space; or what went wrong locally. */
  text: string;
}

/** Where in the conversation a result was decided, for logs, events and the DSN's diagnostic. */
export type Stage = 'dns' | 'connect' | 'mail' | 'rcpt' | 'data' | 'message' | 'config';

export interface RecipientResult extends SmtpReply {
  recipient: string;
  outcome: Outcome;
  stage: Stage;
  /** The name of the MX (or smarthost) that gave the answer; null when no host was reached. */
  host: string | null;
  /** The IP address connected to. */
  remoteAddress: string | null;
  /** The local address the connection was bound to (from the sender's IP pool), when one was. */
  localAddress: string | null;
  /** Whether the session was protected by STARTTLS when the answer came. */
  tls: boolean;
  /** Name of the bounce-rules entry that turned a 5xx into a deferral, when one did. */
  rule: string | null;
}
