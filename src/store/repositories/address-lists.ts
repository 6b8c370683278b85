// Allowed senders and recipients of each account (SPEC §8 "Restrictions"): a mode per list and its
// entries (lower-case addresses and bare domains). `check` is the one indexed query of the hot path.
import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';
import { compiledQuery } from '../compiled-query.js';
import { readThrough, type StoreVersion } from '../read-cache.js';

export type AddressListName = 'senders' | 'recipients';
export type AddressListMode = 'whitelist' | 'blacklist' | 'disabled';

export interface AddressList {
  mode: AddressListMode;
  entries: string[];
}

export function addressListsRepository(db: Kysely<Database>, version: StoreVersion | null = null) {
  async function insertEntries(
    trx: Kysely<Database>,
    accountId: string,
    list: AddressListName,
    values: string[],
  ): Promise<void> {
    if (values.length === 0) return;
    const top = await trx
      .selectFrom('address_list_entries')
      .select((eb) => eb.fn.max('position').as('top'))
      .where('account_id', '=', accountId)
      .where('list', '=', list)
      .executeTakeFirst();
    const base = top?.top === null || top?.top === undefined ? 0 : Number(top.top) + 1;
    await trx
      .insertInto('address_list_entries')
      .values(values.map((value, i) => ({ account_id: accountId, list, value, position: base + i })))
      .onConflict((oc) => oc.columns(['account_id', 'list', 'value']).doNothing())
      .execute();
  }

  async function setMode(
    trx: Kysely<Database>,
    accountId: string,
    list: AddressListName,
    mode: AddressListMode,
  ): Promise<void> {
    await trx
      .insertInto('address_lists')
      .values({ account_id: accountId, list, mode })
      .onConflict((oc) => oc.columns(['account_id', 'list']).doUpdateSet({ mode }))
      .execute();
  }

  // The check runs for every MAIL FROM and RCPT TO: compiled once per number of keys (compiled-query.ts),
  // answered from memory while the database is unchanged (read-cache.ts).
  const checks = new Map<number, ReturnType<typeof compileCheck>>();
  function compileCheck(keyCount: number) {
    const query = compiledQuery(db, 2 + keyCount, (accountId, list, ...keys) =>
      db
        .selectFrom('address_lists as l')
        .leftJoin('address_list_entries as e', (join) =>
          join
            .onRef('e.account_id', '=', 'l.account_id')
            .onRef('e.list', '=', 'l.list')
            .on('e.value', 'in', keys),
        )
        .select(['l.mode', 'e.value'])
        .where('l.account_id', '=', accountId)
        .where('l.list', '=', list as AddressListName)
        .limit(1),
    );
    return readThrough(version, query);
  }
  function checkWith(keyCount: number) {
    let check = checks.get(keyCount);
    if (!check) checks.set(keyCount, (check = compileCheck(keyCount)));
    return check;
  }

  return {
    async get(accountId: string, list: AddressListName): Promise<AddressList> {
      const head = await db
        .selectFrom('address_lists')
        .select('mode')
        .where('account_id', '=', accountId)
        .where('list', '=', list)
        .executeTakeFirst();
      const rows = await db
        .selectFrom('address_list_entries')
        .select('value')
        .where('account_id', '=', accountId)
        .where('list', '=', list)
        .orderBy('position')
        .execute();
      return { mode: (head?.mode ?? 'disabled') as AddressListMode, entries: rows.map((r) => r.value) };
    },

    /** Adds entries (existing ones stay where they are); `mode` undefined keeps the current mode. */
    async add(
      accountId: string,
      list: AddressListName,
      values: string[],
      mode: AddressListMode | undefined,
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await insertEntries(trx, accountId, list, values);
        if (mode !== undefined) await setMode(trx, accountId, list, mode);
      });
    },

    /** Replaces every entry and the mode. */
    async replace(accountId: string, list: AddressListName, values: string[], mode: AddressListMode) {
      await db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('address_list_entries')
          .where('account_id', '=', accountId)
          .where('list', '=', list)
          .execute();
        await insertEntries(trx, accountId, list, values);
        await setMode(trx, accountId, list, mode);
      });
    },

    async remove(
      accountId: string,
      list: AddressListName,
      values: string[],
      mode: AddressListMode | undefined,
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (values.length > 0) {
          await trx
            .deleteFrom('address_list_entries')
            .where('account_id', '=', accountId)
            .where('list', '=', list)
            .where('value', 'in', values)
            .execute();
        }
        if (mode !== undefined) await setMode(trx, accountId, list, mode);
      });
    },

    /**
     * The list's mode and whether any of `keys` (an address and its domain) is on it: one query over the
     * primary keys. 'disabled' when the account has no such list.
     */
    async check(
      accountId: string,
      list: AddressListName,
      keys: string[],
    ): Promise<{ mode: AddressListMode; listed: boolean }> {
      const values = keys.length > 0 ? keys : [''];
      const [row] = await checkWith(values.length)(accountId, list, ...values);
      return { mode: (row?.mode ?? 'disabled') as AddressListMode, listed: Boolean(row?.value) };
    },
  };
}

export type AddressListsRepository = ReturnType<typeof addressListsRepository>;
