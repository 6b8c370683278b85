// SMTP users: the account's users a page at a time (continue_token), filtered by username in the browser,
// with edit, block/allow and remove (after a confirmation) on each row.
import { api } from '../api.js';
import { confirmDialog } from '../dialogs.js';
import { announce, dataTable, h, tableRow } from '../dom.js';
import { loadFailure, errorNotice } from '../notices.js';

const PAGE_SIZE = 50;

function rateLimit(user) {
  return user.custom_ratelimit
    ? `${user.custom_ratelimit_value} per ${user.custom_ratelimit_period}`
    : 'Account default';
}

export async function renderList(ctx) {
  const filter = h('input', { id: 'user-filter', type: 'search', name: 'filter', autocomplete: 'off' });
  const status = h('p', { class: 'count', role: 'status' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const messages = h('div', {});
  let continueToken = null;
  let loaded = [];

  const columns = [
    {
      label: 'Username',
      cell: (u) => h('a', { href: `#/users/edit/${encodeURIComponent(u.username)}` }, u.username),
    },
    { label: 'Status', cell: (u) => h('span', { class: `badge status-${u.status}` }, u.status) },
    { label: 'Rate limit', cell: rateLimit },
    { label: 'Description', cell: (u) => u.description },
    { label: 'Actions', class: 'actions-cell', cell: (u) => rowActions(u) },
  ];
  const table = dataTable({ caption: 'SMTP users', columns, rows: [], empty: 'No SMTP users yet.' });

  function applyFilter() {
    const needle = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const row of table.tbody.rows) {
      const match = row.dataset.username.toLowerCase().includes(needle);
      row.hidden = !match;
      if (match) shown += 1;
    }
    status.textContent =
      needle === ''
        ? `${loaded.length} user${loaded.length === 1 ? '' : 's'} loaded${continueToken ? '; more on the server' : ''}`
        : `${shown} of ${loaded.length} loaded users match “${filter.value.trim()}”`;
  }

  function addUsers(list) {
    for (const user of list) {
      const row = tableRow(columns, user);
      row.dataset.username = user.username;
      table.tbody.append(row);
    }
    table.emptyNote.hidden = table.tbody.rows.length > 0;
    applyFilter();
  }

  function replaceRow(user) {
    loaded = loaded.map((u) => (u.username === user.username ? user : u));
    const old = [...table.tbody.rows].find((r) => r.dataset.username === user.username);
    const row = tableRow(columns, user);
    row.dataset.username = user.username;
    old?.replaceWith(row);
    applyFilter();
    return row;
  }

  function rowActions(user) {
    const blocked = user.status === 'blocked';
    return h(
      'div',
      { class: 'row-actions' },
      h(
        'a',
        { class: 'button secondary', href: `#/users/edit/${encodeURIComponent(user.username)}` },
        'Edit',
        h('span', { class: 'visually-hidden' }, ` ${user.username}`),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: async (event) => {
            const button = event.currentTarget;
            button.disabled = true;
            try {
              const data = await api('/users/smtp/edit', {
                username: user.username,
                status: blocked ? 'allowed' : 'blocked',
              });
              const row = replaceRow(data.results[0]);
              announce(`${user.username} is now ${data.results[0].status}`);
              row.querySelector('.row-actions button')?.focus();
            } catch (error) {
              button.disabled = false;
              messages.replaceChildren(errorNotice(error));
            }
          },
        },
        blocked ? 'Allow' : 'Block',
        h('span', { class: 'visually-hidden' }, ` ${user.username}`),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          onclick: async () => {
            const ok = await confirmDialog({
              title: `Remove SMTP user ${user.username}?`,
              message:
                'The user can no longer log in or send. Mail it has already handed to Petrel is still delivered. This cannot be undone.',
              confirmLabel: 'Remove user',
            });
            if (!ok) return;
            try {
              await api('/users/smtp/remove', { username: user.username });
              loaded = loaded.filter((u) => u.username !== user.username);
              [...table.tbody.rows].find((r) => r.dataset.username === user.username)?.remove();
              table.emptyNote.hidden = table.tbody.rows.length > 0;
              applyFilter();
              messages.replaceChildren(
                h('p', { class: 'success', role: 'status' }, `Removed ${user.username}.`),
              );
              filter.focus();
            } catch (error) {
              messages.replaceChildren(errorNotice(error));
            }
          },
        },
        'Remove',
        h('span', { class: 'visually-hidden' }, ` ${user.username}`),
      ),
    );
  }

  async function loadPage() {
    const body = { page_size: PAGE_SIZE };
    if (continueToken) body.continue_token = continueToken;
    const data = await api('/users/smtp/view', body);
    continueToken = data.continue_token ?? null;
    loaded = loaded.concat(data.results);
    addUsers(data.results);
    more.hidden = !continueToken;
  }

  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      await loadPage();
      announce(`${loaded.length} users loaded`);
    } catch (error) {
      messages.replaceChildren(errorNotice(error));
    } finally {
      more.disabled = false;
    }
  });
  filter.addEventListener('input', applyFilter);

  ctx.main.append(
    h(
      'div',
      { class: 'page-head' },
      ctx.heading('SMTP users'),
      h('a', { class: 'button primary', href: '#/users/new' }, 'Add SMTP user'),
    ),
  );
  try {
    await loadPage();
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'The SMTP user list'));
    return;
  }
  if (!ctx.isCurrent()) return;
  ctx.main.append(
    h('div', { class: 'toolbar' }, h('label', { for: 'user-filter' }, 'Filter by username'), filter, status),
    messages,
    table.element,
    h('div', { class: 'actions' }, more),
  );
  applyFilter();
}
