// The suppression list: recipients unsubscribed from one sender, or hard-bounced for a whole account.
import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';

/** `spam`: the recipient complained (an ARF report, SPEC §6); account-wide like a hard bounce. */
export type SuppressionReason = 'unsubscribed' | 'suppressed' | 'spam';

export interface Suppression {
  accountId: string;
  /** The sender (SMTP username or API key id) unsubscribed from; '' for the whole account. */
  username: string;
  recipient: string;
  reason: SuppressionReason;
  emailId: string | null;
}

export function suppressionsRepository(db: Kysely<Database>) {
  return {
    /** Adds a suppression; adding one that exists changes nothing. */
    async add(s: Suppression): Promise<void> {
      await db
        .insertInto('suppressions')
        .values({
          account_id: s.accountId,
          username: s.username,
          recipient: s.recipient.toLowerCase(),
          reason: s.reason,
          email_id: s.emailId,
          created_at: new Date().toISOString(),
        })
        .onConflict((oc) => oc.columns(['account_id', 'recipient', 'username']).doNothing())
        .execute();
    },

    /**
     * The reason each of `recipients` is suppressed for mail from `username` of `accountId`
     * ('unsubscribed' wins over an account-wide 'suppressed'); recipients not listed are not suppressed.
     */
    async check(
      accountId: string,
      username: string,
      recipients: string[],
    ): Promise<Map<string, SuppressionReason>> {
      const found = new Map<string, SuppressionReason>();
      if (recipients.length === 0) return found;
      const rows = await db
        .selectFrom('suppressions')
        .select(['recipient', 'username', 'reason'])
        .where('account_id', '=', accountId)
        .where(
          'recipient',
          'in',
          recipients.map((r) => r.toLowerCase()),
        )
        .where('username', 'in', [username, ''])
        .execute();
      for (const row of rows) {
        const reason = row.reason as SuppressionReason;
        if (!found.has(row.recipient) || reason === 'unsubscribed') found.set(row.recipient, reason);
      }
      return found;
    },
  };
}

export type SuppressionsRepository = ReturnType<typeof suppressionsRepository>;
