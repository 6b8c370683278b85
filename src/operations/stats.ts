// /v3/stats/* (SPEC §8): the account's statistics from the per-day rollups (kept as events are written).
// The cycle is the calendar month (UTC), as the monthly limit counts it; bounces, spam and unsubscribes
// cover the last 30 days, as SMTP2GO's do.
import type {
  EmailHistoryBody,
  EmailHistoryResult,
  EmailSummaryResult,
  HistoryRow,
  StatsBody,
} from '../domain/schemas/stats.js';
import { searchDateRange } from '../domain/search-dates.js';
import type { AccountRow } from '../store/repositories/accounts.js';
import type { RollupQuery } from '../store/repositories/stats.js';
import { fieldError } from '../domain/errors.js';
import { actingAccount, type Caller, type OperationsDeps } from './context.js';

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function percent(part: number, whole: number): string {
  return whole === 0 ? '0.00' : ((part / whole) * 100).toFixed(2);
}

/** Totals of a rollup map, with every `rejected:<reason>` counted as a reject too. */
function counts(totals: Map<string, number>) {
  const get = (e: string) => totals.get(e) ?? 0;
  let rejects = 0;
  for (const [event, n] of totals) if (event === 'rejected' || event.startsWith('rejected:')) rejects += n;
  return {
    emails: get('processed'),
    delivered: get('delivered'),
    hard: get('hard-bounced'),
    soft: get('soft-bounced'),
    spam: get('spam'),
    unsubscribes: get('unsubscribed'),
    opens: get('opened'),
    clicks: get('clicked'),
    suppressed: get('rejected:suppressed') + get('rejected:unsubscribed'),
    rejects,
  };
}

function cycle(account: AccountRow, used: number, now = new Date()) {
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const stamp = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}+00:00`;
  const max = account.monthly_limit ?? 0;
  return {
    range: { fromDay: day(start), toDay: day(end - 1) },
    fields: {
      cycle_start: stamp(start),
      cycle_end: stamp(end),
      cycle_used: used,
      cycle_max: max,
      cycle_remaining: Math.max(0, max - used),
    },
  };
}

async function scope(deps: OperationsDeps, caller: Caller, body: StatsBody) {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const username = body.username?.trim().toLowerCase();
  return { account, username: username ? username : undefined };
}

async function totals(deps: OperationsDeps, q: RollupQuery) {
  return counts(await deps.repos.stats.totals(q));
}

function last30Days(now = Date.now()) {
  return { fromDay: day(now - 29 * DAY_MS), toDay: day(now) };
}

export async function emailCycle(deps: OperationsDeps, caller: Caller, body: StatsBody) {
  const { account } = await scope(deps, caller, body);
  const month = cycle(account, 0);
  const c = await totals(deps, { accountIds: [account.id], ...month.range });
  return cycle(account, c.emails).fields;
}

export async function emailSummary(
  deps: OperationsDeps,
  caller: Caller,
  body: StatsBody,
): Promise<EmailSummaryResult> {
  const { account, username } = await scope(deps, caller, body);
  const month = cycle(account, 0);
  const [all, mine] = await Promise.all([
    totals(deps, { accountIds: [account.id], ...month.range }),
    totals(deps, { accountIds: [account.id], ...month.range, username }),
  ]);
  return {
    ...cycle(account, all.emails).fields,
    email_count: mine.emails,
    hardbounces: mine.hard,
    softbounces: mine.soft,
    bounce_rejects: mine.suppressed,
    bounce_percent: percent(mine.hard + mine.soft, mine.emails),
    spam_emails: mine.spam,
    spam_rejects: 0,
    spam_percent: percent(mine.spam, mine.emails),
    unsubscribes: mine.unsubscribes,
    unsubscribe_percent: percent(mine.unsubscribes, mine.emails),
    opens: mine.opens,
    clicks: mine.clicks,
    rejects: mine.rejects,
  };
}

export async function emailBounces(deps: OperationsDeps, caller: Caller, body: StatsBody) {
  const { account, username } = await scope(deps, caller, body);
  const c = await totals(deps, { accountIds: [account.id], ...last30Days(), username });
  return {
    emails: c.emails,
    hardbounces: c.hard,
    softbounces: c.soft,
    rejects: c.rejects,
    bounce_percent: percent(c.hard + c.soft, c.emails),
  };
}

export async function emailSpam(deps: OperationsDeps, caller: Caller, body: StatsBody) {
  const { account, username } = await scope(deps, caller, body);
  const c = await totals(deps, { accountIds: [account.id], ...last30Days(), username });
  return { emails: c.emails, spams: c.spam, rejects: c.rejects, spam_percent: percent(c.spam, c.emails) };
}

export async function emailUnsubs(deps: OperationsDeps, caller: Caller, body: StatsBody) {
  const { account, username } = await scope(deps, caller, body);
  const c = await totals(deps, { accountIds: [account.id], ...last30Days(), username });
  return {
    emails: c.emails,
    unsubscribes: c.unsubscribes,
    rejects: c.rejects,
    unsubscribe_percent: percent(c.unsubscribes, c.emails),
  };
}

function historyRow(
  key: { username: string; subaccount: string; day: string },
  totals: Map<string, number>,
): HistoryRow {
  const c = counts(totals);
  return {
    username: key.username,
    email_address: key.username,
    subaccount: key.subaccount,
    domain: '',
    day: key.day,
    used: c.emails,
    delivered: c.delivered,
    bounces: c.hard + c.soft,
    clicks: c.clicks,
    opens: c.opens,
    rejects: c.rejects,
    spam: c.spam,
    unsubscribes: c.unsubscribes,
    bounce_percent: percent(c.hard + c.soft, c.emails),
    open_percent: percent(c.opens, c.emails),
    reject_percent: percent(c.rejects, c.emails),
    spam_percent: percent(c.spam, c.emails),
    unsubscribe_percent: percent(c.unsubscribes, c.emails),
  };
}

export async function emailHistory(
  deps: OperationsDeps,
  caller: Caller,
  body: EmailHistoryBody,
): Promise<EmailHistoryResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const accounts = [account];
  for (const id of body.subaccounts ?? []) {
    const sub = await deps.repos.accounts.findSubaccount(account.id, id);
    if (!sub) throw fieldError('subaccounts', `must list subaccounts of this account, found '${id}'`);
    accounts.push(sub);
  }
  const searched = (body.subaccounts ?? []).length > 0 ? accounts.slice(1) : accounts;
  const range = searchDateRange(body.start_date, body.end_date);
  const from = range.startDate?.slice(0, 10) ?? day(Date.now() - 30 * DAY_MS);
  const to = range.endDate?.slice(0, 10) ?? day(Date.now());
  const username = body.username?.trim().toLowerCase();
  const rows = await deps.repos.stats.rows({
    accountIds: searched.map((a) => a.id),
    fromDay: from,
    toDay: to,
    username: username ? username : undefined,
  });
  const group = body.group_by ?? 'username';
  const groups = new Map<
    string,
    { key: { username: string; subaccount: string; day: string }; totals: Map<string, number> }
  >();
  const all = new Map<string, number>();
  for (const row of rows) {
    const key = {
      username: group === 'subaccount' || group === 'day' ? '' : row.username,
      subaccount: group === 'subaccount' ? row.account_id : '',
      day: group === 'day' ? row.day : '',
    };
    const id = JSON.stringify(key);
    const entry = groups.get(id) ?? { key, totals: new Map<string, number>() };
    entry.totals.set(row.event, (entry.totals.get(row.event) ?? 0) + row.count);
    groups.set(id, entry);
    all.set(row.event, (all.get(row.event) ?? 0) + row.count);
  }
  const history = [...groups.values()]
    .map((g) => historyRow(g.key, g.totals))
    .sort((a, b) => (group === 'day' ? a.day.localeCompare(b.day) : b.used - a.used));
  const total = historyRow({ username: '', subaccount: '', day: '' }, all);
  return {
    count: history.length,
    history,
    bounce_percent_total: total.bounce_percent,
    open_percent_total: total.open_percent,
    reject_percent_total: total.reject_percent,
    spam_percent_total: total.spam_percent,
    unsubscribe_percent_total: total.unsubscribe_percent,
  };
}
