// Subaccounts (master account only): search by name/email/id and state, add, edit, close (after a
// confirmation) and reopen, and switch the console to act inside one.
import { refreshAccounts, switchTo } from '../account-switch.js';
import { api } from '../api.js';
import { confirmDialog } from '../dialogs.js';
import { announce, dataTable, formatDate, h, tableRow } from '../dom.js';
import { clearErrors, formAlert, selectField, showApiError, textField, whileBusy } from '../form.js';
import { errorNotice, loadFailure } from '../notices.js';
import { session } from '../session.js';

const STATES = [
  { value: 'all', label: 'All' },
  { value: 'active', label: 'Active' },
  { value: 'closed', label: 'Closed' },
];

const call = (path, body) => api(path, body, { scoped: false });

export async function renderList(ctx) {
  const messages = h('div', {});
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const count = h('p', { class: 'count', role: 'status' });
  let continueToken = null;
  let query = { search_terms: '', states: 'all' };

  const columns = [
    { label: 'Name', cell: (s) => s.name },
    { label: 'Id', cell: (s) => h('code', {}, s.id) },
    { label: 'Email', cell: (s) => s.email ?? '' },
    { label: 'Monthly limit', cell: (s) => s.limit.toLocaleString() },
    { label: 'State', cell: (s) => h('span', { class: `badge state-${s.state}` }, s.state) },
    { label: 'Created', cell: (s) => formatDate(s.created_at) },
    { label: 'Actions', class: 'actions-cell', cell: (s) => actions(s) },
  ];
  const table = dataTable({ caption: 'Subaccounts', columns, rows: [], empty: 'No subaccounts match.' });

  function replaceRow(sub) {
    const old = [...table.tbody.rows].find((r) => r.dataset.id === sub.id);
    const row = tableRow(columns, sub);
    row.dataset.id = sub.id;
    old?.replaceWith(row);
    return row;
  }

  function actions(sub) {
    const hidden = (text) => h('span', { class: 'visually-hidden' }, ` ${text}`);
    const closed = sub.state === 'closed';
    const toggle = async (event) => {
      if (!closed) {
        const ok = await confirmDialog({
          title: `Close subaccount ${sub.name}?`,
          message:
            'Its SMTP users stop sending and its own API keys stop working until it is reopened. Nothing is deleted.',
          confirmLabel: 'Close subaccount',
        });
        if (!ok) return;
      }
      event.target.disabled = true;
      try {
        const updated = await call(closed ? '/subaccount/reopen' : '/subaccount/close', { id: sub.id });
        replaceRow(updated).querySelector('.row-actions button')?.focus();
        announce(`${updated.name} is now ${updated.state}`);
        void refreshAccounts();
      } catch (error) {
        event.target.disabled = false;
        messages.replaceChildren(errorNotice(error));
      }
    };
    return h(
      'div',
      { class: 'row-actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            switchTo(sub.id, { rerender: false });
            ctx.navigate('users');
          },
        },
        'Manage users',
        hidden(sub.name),
      ),
      h(
        'a',
        { class: 'button secondary', href: `#/subaccounts/edit/${encodeURIComponent(sub.id)}` },
        'Edit',
        hidden(sub.name),
      ),
      h(
        'button',
        { type: 'button', class: closed ? 'secondary' : 'danger', onclick: toggle },
        closed ? 'Reopen' : 'Close',
        hidden(sub.name),
      ),
    );
  }

  async function load(reset) {
    const body = { states: query.states, page_size: 50 };
    if (query.search_terms) body.search_terms = query.search_terms;
    if (!reset && continueToken) body.continue_token = continueToken;
    const data = await call('/subaccounts/search', body);
    if (reset) table.tbody.replaceChildren();
    for (const sub of data.subaccounts) {
      const row = tableRow(columns, sub);
      row.dataset.id = sub.id;
      table.tbody.append(row);
    }
    table.emptyNote.hidden = table.tbody.rows.length > 0;
    continueToken = data.continue_token ?? null;
    more.hidden = !continueToken;
    count.textContent = `${table.tbody.rows.length} of ${data.total_count} subaccounts shown`;
  }

  const search = h(
    'form',
    { class: 'toolbar', role: 'search' },
    textField({ name: 'search_terms', label: 'Search name, email or id', type: 'search' }),
    selectField({ name: 'states', label: 'State', options: STATES, value: 'all' }),
    h('button', { type: 'submit', class: 'secondary' }, 'Search'),
  );
  search.addEventListener('submit', async (event) => {
    event.preventDefault();
    query = {
      search_terms: search.elements.namedItem('search_terms').value.trim(),
      states: search.elements.namedItem('states').value,
    };
    try {
      await load(true);
      announce(count.textContent);
    } catch (error) {
      messages.replaceChildren(errorNotice(error));
    }
  });
  more.addEventListener('click', async () => {
    try {
      await load(false);
    } catch (error) {
      messages.replaceChildren(errorNotice(error));
    }
  });

  ctx.main.append(
    h(
      'div',
      { class: 'page-head' },
      ctx.heading('Subaccounts'),
      h('a', { class: 'button primary', href: '#/subaccounts/new' }, 'Add subaccount'),
    ),
  );
  if (session.subaccountId()) {
    ctx.main.append(
      h(
        'p',
        { class: 'notice' },
        'Subaccounts are managed from the master account: the list below is the master’s.',
      ),
    );
  }
  try {
    await load(true);
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'The subaccount list'));
    return;
  }
  if (!ctx.isCurrent()) return;
  ctx.main.append(search, count, messages, table.element, h('div', { class: 'actions' }, more));
}

function subaccountForm(ctx, sub) {
  const editing = sub !== null;
  const alert = formAlert();
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    alert,
    textField({ name: 'fullname', label: 'Name', value: sub?.name ?? '', required: true, maxlength: 200 }),
    textField({
      name: 'subaccount_email',
      label: 'Contact email',
      type: 'email',
      value: sub?.email ?? '',
      hint: 'Stored for your records; Petrel sends nothing to it.',
    }),
    textField({
      name: 'limit',
      label: 'Monthly email limit',
      type: 'number',
      min: 1,
      step: 1,
      value: String(sub?.limit ?? 10000),
      hint: 'Recipients per calendar month (UTC); once reached, its SMTP users get 452 until the month ends.',
    }),
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button secondary', href: '#/subaccounts' }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, editing ? 'Save changes' : 'Add subaccount'),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const el = (name) => form.elements.namedItem(name);
    const limit = el('limit').value.trim();
    const body = {
      fullname: el('fullname').value,
      subaccount_email: el('subaccount_email').value.trim() || null,
      limit: limit === '' ? undefined : Number.isFinite(Number(limit)) ? Number(limit) : limit,
    };
    if (editing) body.id = sub.id;
    await whileBusy(form, async () => {
      try {
        const saved = await call(editing ? '/subaccount/edit' : '/subaccount/add', body);
        announce(`Saved subaccount ${saved.name}`);
        void refreshAccounts();
        ctx.navigate('subaccounts');
      } catch (error) {
        showApiError(form, alert, error, { email: 'subaccount_email' });
      }
    });
  });
  return form;
}

export function renderAdd(ctx) {
  ctx.main.append(ctx.heading('Add subaccount'), subaccountForm(ctx, null));
}

export async function renderEdit(ctx) {
  ctx.main.append(ctx.heading('Edit subaccount'));
  let sub;
  try {
    const data = await call('/subaccounts/search', { search_terms: ctx.params.id, fuzzy_search: false });
    sub = data.subaccounts.find((s) => s.id === ctx.params.id);
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'The subaccount'));
    return;
  }
  if (!ctx.isCurrent()) return;
  if (!sub) {
    ctx.main.append(errorNotice({ message: `There is no subaccount '${ctx.params.id}'.` }));
    return;
  }
  ctx.main.append(subaccountForm(ctx, sub));
}
