// The activity events of a message as it is accepted (SPEC §1.7, §2.3): `processed` for each recipient,
// and `rejected` with reason `sandbox` for the recipients of a sandboxed sender. Recorded after the
// message is durable, behind the reply: they never delay the 250 and cannot fail it.
import type { AcceptListener } from '../spool/index.js';
import type { NewEvent } from '../store/repositories/events.js';
import type { EventRecorder } from './event-recorder.js';
import { headerBlockOf, readHeaderBlock, subjectOf } from './header-block.js';
import { messageFacts } from './message-facts.js';

export interface AcceptedEventsDeps {
  events: EventRecorder;
  /** Told each subject read (the delivery worker keeps it for its own events). */
  onSubject?: (messageId: string, subject: string) => void;
}

/** A spool listener (DurableSpool.onAccepted) for every way in: SMTP and the HTTP send API alike. */
export function acceptedEventsListener(deps: AcceptedEventsDeps): AcceptListener {
  return (accepted, envelope) => {
    // No settings: Petrel's own message (a bounce), not the account's mail.
    if (envelope.settings === undefined || envelope.recipients.length === 0) return;
    const date = new Date();
    // An inline body is read from memory; a body file is opened at once (in a microtask), while the
    // message cannot have left the spool yet, whatever the worker does next.
    const headers = accepted.inlineBody
      ? Promise.resolve(headerBlockOf(accepted.inlineBody))
      : Promise.resolve().then(() => readHeaderBlock(accepted.openBody()));
    deps.events.addLater(
      headers
        .then((head) => ({
          subject: subjectOf(head),
          message: messageFacts(head, envelope.recipients, accepted.size),
        }))
        .catch(() => ({ subject: '', message: undefined }))
        .then(({ subject, message }) => {
          deps.onSubject?.(accepted.id, subject);
          const base = {
            accountId: envelope.accountId,
            date,
            emailId: accepted.id,
            username: envelope.username,
            sender: envelope.mailFrom,
            subject,
          };
          const events: NewEvent[] = envelope.recipients.map((recipient, i) => ({
            ...base,
            recipient,
            event: 'processed',
            // The message's header facts, kept once (with its first event).
            ...(i === 0 && message ? { message } : {}),
          }));
          if (envelope.sandbox) {
            for (const recipient of envelope.recipients)
              events.push({ ...base, recipient, event: 'rejected', reason: 'sandbox' });
          }
          return events;
        }),
    );
  };
}
