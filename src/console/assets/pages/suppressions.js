// Suppressions: the account's suppression list (/v3/suppression/view) searched by address, with a form
// to suppress an address or a whole domain and, on each row, removal after a confirmation.
import { api } from '../api.js';
import { confirmDialog } from '../dialogs.js';
import { announce, dataTable, h, tableRow } from '../dom.js';
import { clearErrors, formAlert, showApiError, textField, whileBusy } from '../form.js';
import { errorNotice, loadFailure } from '../notices.js';

const PAGE_SIZE = 100;

const REASONS = {
  manual: 'Added by hand',
  bounce: 'Hard bounce',
  spam: 'Spam complaint',
  unsubscribe: 'Unsubscribed',
  compliance: 'Compliance',
};

export async function renderPage(ctx) {
  const messages = h('div', {});
  const status = h('p', { class: 'count', role: 'status' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  let continueToken = null;
  let search = '';

  const columns = [
    { label: 'Address or domain', cell: (s) => s.email_address },
    {
      label: 'Reason',
      cell: (s) => h('span', { class: `badge reason-${s.reason}` }, REASONS[s.reason] ?? s.reason),
    },
    { label: 'Since (UTC)', cell: (s) => s.timestamp },
    { label: 'Sender', cell: (s) => s.username || 'Every sender' },
    { label: 'Description', cell: (s) => s.block_description },
    { label: 'Actions', class: 'actions-cell', cell: (s) => removeButton(s) },
  ];
  const table = dataTable({ caption: 'Suppressions', columns, rows: [], empty: 'Nothing is suppressed.' });

  function removeButton(entry) {
    return h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          const ok = await confirmDialog({
            title: `Remove the suppression of ${entry.email_address}?`,
            message:
              entry.reason === 'unsubscribe'
                ? 'Mail from this sender will be delivered to the address again, and a resubscribed event is recorded.'
                : 'Mail will be delivered to it again.',
            confirmLabel: 'Remove suppression',
          });
          if (!ok) return;
          try {
            await api('/suppression/remove', { email_address: entry.email_address, reasons: [entry.reason] });
            messages.replaceChildren(
              h(
                'p',
                { class: 'success', role: 'status' },
                `Removed the suppression of ${entry.email_address}.`,
              ),
            );
            await reload();
          } catch (error) {
            messages.replaceChildren(errorNotice(error));
          }
        },
      },
      'Remove',
      h('span', { class: 'visually-hidden' }, ` ${entry.email_address}`),
    );
  }

  async function loadPage() {
    const body = { limit: PAGE_SIZE };
    if (search) body.wildcard = search;
    if (continueToken) body.continue_token = continueToken;
    const data = await api('/suppression/view', body);
    continueToken = data.continue_token ?? null;
    for (const entry of data.results) table.tbody.append(tableRow(columns, entry));
    table.emptyNote.hidden = table.tbody.rows.length > 0;
    more.hidden = !continueToken;
    status.textContent = `${data.total_results} suppression${data.total_results === 1 ? '' : 's'}${
      search ? ` matching “${search}”` : ''
    }`;
  }

  async function reload() {
    continueToken = null;
    table.tbody.replaceChildren();
    await loadPage();
  }

  const searchForm = h(
    'form',
    { class: 'toolbar', role: 'search' },
    textField({ name: 'search', label: 'Search addresses', type: 'search', autocomplete: 'off' }),
    h('button', { type: 'submit', class: 'secondary' }, 'Search'),
  );
  searchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    search = searchForm.elements.namedItem('search').value.trim();
    try {
      await reload();
      announce(status.textContent);
    } catch (error) {
      messages.replaceChildren(errorNotice(error));
    }
  });

  const addAlert = formAlert();
  const addForm = h(
    'form',
    { class: 'card', novalidate: true, 'aria-labelledby': 'add-suppression-title' },
    h('h2', { id: 'add-suppression-title' }, 'Suppress an address or domain'),
    addAlert,
    textField({
      name: 'email_address',
      label: 'Address or domain',
      autocomplete: 'off',
      spellcheck: 'false',
      hint: 'An email address, or a domain written bare (example.net) to suppress all of it.',
    }),
    textField({ name: 'block_description', label: 'Description', autocomplete: 'off' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Suppress')),
  );
  addForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(addForm);
    await whileBusy(addForm, async () => {
      try {
        const data = await api('/suppression/add', {
          email_address: addForm.elements.namedItem('email_address').value,
          block_description: addForm.elements.namedItem('block_description').value,
        });
        messages.replaceChildren(
          h(
            'p',
            { class: 'success', role: 'status' },
            data.added
              ? `Suppressed ${data.email_address}.`
              : `${data.email_address} was already suppressed.`,
          ),
        );
        addForm.reset();
        await reload();
      } catch (error) {
        showApiError(addForm, addAlert, error);
      }
    });
  });

  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      await loadPage();
    } catch (error) {
      messages.replaceChildren(errorNotice(error));
    } finally {
      more.disabled = false;
    }
  });

  ctx.main.append(h('div', { class: 'page-head' }, ctx.heading('Suppressions')));
  try {
    await loadPage();
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'The suppression list'));
    return;
  }
  if (!ctx.isCurrent()) return;
  ctx.main.append(addForm, searchForm, status, messages, table.element, h('div', { class: 'actions' }, more));
}
