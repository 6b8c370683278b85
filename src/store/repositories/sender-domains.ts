// Sender domains and single sender emails (SPEC §5). Rows are returned as stored; the private DKIM key
// stays sealed here and is opened only by sender-domains/ when a message is signed.
import type { Kysely, Selectable } from 'kysely';
import type { Database, SenderDomainsTable, SingleSenderEmailsTable } from '../tables.js';

export type SenderDomainRow = Selectable<SenderDomainsTable>;
export type SingleSenderRow = Selectable<SingleSenderEmailsTable>;

/** What a DNS check found: the verified flags and statuses of the records plus the advice. */
export type DomainCheck = Pick<
  SenderDomainRow,
  | 'dkim_verified'
  | 'dkim_status'
  | 'rpath_verified'
  | 'rpath_status'
  | 'tracking_verified'
  | 'tracking_status'
  | 'ed25519_verified'
  | 'ed25519_status'
  | 'spf_status'
  | 'dmarc_status'
> & { checked_at: string };

export function senderDomainsRepository(db: Kysely<Database>) {
  return {
    async insert(row: SenderDomainRow): Promise<void> {
      await db.insertInto('sender_domains').values(row).execute();
    },
    /** The row of a domain (lower case), whoever owns it. */
    async findByName(domain: string): Promise<SenderDomainRow | undefined> {
      return db
        .selectFrom('sender_domains')
        .selectAll()
        .where('domain', '=', domain.toLowerCase())
        .executeTakeFirst();
    },
    async listForAccount(accountId: string): Promise<SenderDomainRow[]> {
      return db
        .selectFrom('sender_domains')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('domain')
        .execute();
    },
    /** Domains due for the periodic re-check (never checked, or checked before `before`). */
    async listDue(before: string, limit: number): Promise<SenderDomainRow[]> {
      return db
        .selectFrom('sender_domains')
        .selectAll()
        .where((eb) => eb.or([eb('checked_at', 'is', null), eb('checked_at', '<', before)]))
        .orderBy('checked_at')
        .limit(limit)
        .execute();
    },
    async saveCheck(id: string, check: DomainCheck): Promise<void> {
      await db.updateTable('sender_domains').set(check).where('id', '=', id).execute();
    },
    async update(
      id: string,
      values: Partial<
        Pick<
          SenderDomainRow,
          'tracking_subdomain' | 'rpath_selector' | 'tracking_enabled' | 'subaccounts' | 'future_subaccounts'
        > &
          Partial<DomainCheck>
      >,
    ): Promise<void> {
      await db.updateTable('sender_domains').set(values).where('id', '=', id).execute();
    },
    async remove(id: string): Promise<void> {
      await db.deleteFrom('sender_domains').where('id', '=', id).execute();
    },

    async addSingleSender(row: SingleSenderRow): Promise<void> {
      await db
        .insertInto('single_sender_emails')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['account_id', 'email_address']).doUpdateSet({ token_hash: row.token_hash }),
        )
        .execute();
    },
    async listSingleSenders(accountId: string): Promise<SingleSenderRow[]> {
      return db
        .selectFrom('single_sender_emails')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('email_address')
        .execute();
    },
    async findSingleSender(accountId: string, email: string): Promise<SingleSenderRow | undefined> {
      return db
        .selectFrom('single_sender_emails')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('email_address', '=', email.toLowerCase())
        .executeTakeFirst();
    },
    /** Marks the address whose pending token hashes to `tokenHash` verified; false when none waits. */
    async confirmSingleSender(tokenHash: string, at: string): Promise<boolean> {
      const result = await db
        .updateTable('single_sender_emails')
        .set({ verified: 1, token_hash: null, verified_at: at })
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async findSingleSenderByToken(tokenHash: string): Promise<SingleSenderRow | undefined> {
      return db
        .selectFrom('single_sender_emails')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
    },
    async removeSingleSender(accountId: string, email: string): Promise<boolean> {
      const result = await db
        .deleteFrom('single_sender_emails')
        .where('account_id', '=', accountId)
        .where('email_address', '=', email.toLowerCase())
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type SenderDomainsRepository = ReturnType<typeof senderDomainsRepository>;
