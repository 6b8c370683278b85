// The replies of the inbound listener (SPEC §6), written once. Same form as src/smtp/replies.ts, whose
// catalogue connection sends the enhanced codes as written.
import type { SmtpReply } from '../smtp/replies.js';

export const INBOUND_REPLIES = {
  /** Anything that is not a signed VERP address (or postmaster@) of a return-path host: never a relay. */
  noSuchRecipient: (): SmtpReply =>
    ({ code: 550, enhanced: '5.1.1', text: 'No such recipient here' }) as const,
  tooManyRecipients: (): SmtpReply =>
    ({ code: 452, enhanced: '4.5.3', text: 'Too many recipients in one transaction' }) as const,
  messageTooLarge: (limitBytes: number): SmtpReply =>
    ({
      code: 552,
      enhanced: '5.3.4',
      text: `Message exceeds the size limit of ${limitBytes} bytes`,
    }) as const,
  busy: (): SmtpReply =>
    ({ code: 451, enhanced: '4.3.2', text: 'Too many reports at once; try again later' }) as const,
  localError: (): SmtpReply =>
    ({
      code: 451,
      enhanced: '4.3.0',
      text: 'Local error while reading the report; try again later',
    }) as const,
  accepted: (): SmtpReply => ({ code: 250, enhanced: '2.0.0', text: 'OK, report received' }) as const,
} as const;
