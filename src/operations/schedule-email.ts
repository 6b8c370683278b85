// Scheduling a message sent through the API (SPEC §8): the control plane's index row is written before the
// message is spooled (so a removal can always find it), and the message carries SMTP2GO's
// X-Smtp2go-Schedule-Id header so that the recipient and webhooks can tie it to its schedule_id.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { apiException } from '../domain/errors.js';
// SMTP2GO's cap on an account's queued scheduled emails, which Petrel keeps (docs/api-parity.md).
import { MAX_HELD_PER_ACCOUNT } from '../domain/schemas/scheduled-emails.js';
import type { OperationsDeps } from './context.js';

export const SCHEDULE_HEADER = 'X-Smtp2go-Schedule-Id';

export interface HeldSchedule {
  id: string;
  at: number;
}

export interface ScheduleFacts {
  accountId: string;
  at: number;
  sender: string;
  subject: string;
  recipients: readonly string[];
  clientIp: string;
  node: string;
}

/** Writes the index row of a message about to be spooled for later; refuses past the account's cap. */
export async function holdSchedule(deps: OperationsDeps, facts: ScheduleFacts): Promise<HeldSchedule> {
  const repo = deps.repos.scheduledEmails;
  if ((await repo.countHeld(facts.accountId)) >= MAX_HELD_PER_ACCOUNT) {
    throw apiException(
      `This account already has ${MAX_HELD_PER_ACCOUNT} scheduled emails waiting, the most it may have; ` +
        'send this one later or remove some (/v3/email/scheduled/remove)',
    );
  }
  const id = randomUUID();
  await repo.insert({
    schedule_id: id,
    account_id: facts.accountId,
    state: 'scheduled',
    schedule_at: new Date(facts.at).toISOString(),
    sender: facts.sender,
    subject: facts.subject,
    recipients: facts.recipients.join(', '),
    client_ip: facts.clientIp,
    node: facts.node,
    created_at: new Date().toISOString(),
  });
  return { id, at: facts.at };
}

/** The message with the schedule header put first (a header field's place among the others is free). */
export function withScheduleHeader(scheduleId: string, body: Readable): Readable {
  async function* prefixed(): AsyncGenerator<Buffer> {
    yield Buffer.from(`${SCHEDULE_HEADER}: ${scheduleId}\r\n`, 'latin1');
    for await (const chunk of body as AsyncIterable<Buffer | string>)
      yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  }
  return Readable.from(prefixed());
}
