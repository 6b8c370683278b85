// What Petrel keeps per SMTP connection beside the protocol library's session: who is logged in, the
// sender as read at MAIL FROM, and the recipients counted against limits but not yet accepted.
import type { SMTPServerSession } from 'smtp-server';
import type { SendingSettings } from '../domain/sending-settings.js';
import type { Reservation } from '../store/repositories/sending-limits.js';

/** The identity stored in the library's `session.user`: an AUTH login or an IP-authenticated client. */
export interface SessionUser {
  kind: 'auth' | 'ip';
  username: string;
  /** The user's id at login (AUTH only), so that a user removed and re-added is not the same login. */
  userId: string | null;
  /** IP authentication from the database (SPEC §8): the entry's id, read afresh at each MAIL FROM. */
  ipAuthId?: string;
}

/** An SMTP user as read from the database at MAIL FROM: what applies to this one transaction. */
export interface Sender {
  userId: string;
  username: string;
  accountId: string;
  /** Logged in with SMTP AUTH (false for IP authentication), for the Received header. */
  authenticated: boolean;
  sandbox: boolean;
  auditRecipients: string[];
  rate: { limit: number; periodSeconds: number; period: string } | null;
  monthlyLimit: number | null;
  /** The user's settings as read at MAIL FROM: the snapshot its message is delivered with. */
  settings: SendingSettings;
}

export interface SessionState {
  sender: Sender | null;
  /** Counted against the limits during this transaction; given back unless its message is accepted. */
  pending: Reservation[];
  /** The message is being handed to the spool: only the DATA handler may settle `pending` now. */
  inData: boolean;
}

const states = new WeakMap<SMTPServerSession, SessionState>();

export function stateOf(session: SMTPServerSession): SessionState {
  let state = states.get(session);
  if (!state) states.set(session, (state = { sender: null, pending: [], inData: false }));
  return state;
}

export function sessionUser(session: SMTPServerSession): SessionUser | null {
  // The library types `session.user` as any; only this module's code ever sets it.
  const user = session.user as SessionUser | false | undefined;
  return user ? user : null;
}

/** Takes the pending reservations out of the state, for giving back or for keeping. */
export function takePending(state: SessionState): Reservation[] {
  const pending = state.pending;
  state.pending = [];
  return pending;
}
