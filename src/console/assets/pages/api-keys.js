// API keys of the acting account: list (masked), add with the endpoints it may call (the full key is
// shown once), and remove after a confirmation.
import { api } from '../api.js';
import { confirmDialog } from '../dialogs.js';
import { announce, dataTable, formatDate, h, uid } from '../dom.js';
import { clearErrors, fieldset, formAlert, showApiError, textField, whileBusy } from '../form.js';
import { errorNotice, loadFailure } from '../notices.js';
import { secretPanel } from '../secret.js';
import { session } from '../session.js';

/** The masked key shows the stored prefix (api- + 4 characters): enough to spot the session's own key. */
function isSessionKey(key) {
  const own = session.apiKey() ?? '';
  return own.slice(0, 8).toUpperCase() === key.api_key.slice(0, 8).toUpperCase();
}

export async function renderList(ctx) {
  const messages = h('div', {});
  let table;
  const columns = [
    { label: 'Id', cell: (k) => h('code', {}, k.id) },
    {
      label: 'Key',
      cell: (k) => [
        h('code', {}, k.api_key),
        isSessionKey(k) ? h('span', { class: 'badge' }, 'probably this session’s') : null,
      ],
    },
    { label: 'Description', cell: (k) => k.description },
    { label: 'Endpoints', cell: (k) => k.endpoints.join(', ') },
    { label: 'Status', cell: (k) => h('span', { class: `badge status-${k.status}` }, k.status) },
    { label: 'Created', cell: (k) => formatDate(k.created_at) },
    {
      label: 'Actions',
      class: 'actions-cell',
      cell: (k) =>
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: async (event) => {
              const row = event.currentTarget.closest('tr');
              const ok = await confirmDialog({
                title: `Remove API key ${k.id}?`,
                message: isSessionKey(k)
                  ? 'This looks like the key this console is signed in with: removing it signs you out. Anything using the key stops working at once.'
                  : 'Anything using this key stops working at once. This cannot be undone.',
                confirmLabel: 'Remove key',
              });
              if (!ok) return;
              try {
                await api('/api_keys/remove', { id: k.id });
                row.remove();
                table.emptyNote.hidden = table.tbody.rows.length > 0;
                messages.replaceChildren(
                  h('p', { class: 'success', role: 'status' }, `Removed API key ${k.id}.`),
                );
              } catch (error) {
                messages.replaceChildren(errorNotice(error));
              }
            },
          },
          'Remove',
          h('span', { class: 'visually-hidden' }, ` key ${k.id}`),
        ),
    },
  ];
  ctx.main.append(
    h(
      'div',
      { class: 'page-head' },
      ctx.heading('API keys'),
      h('a', { class: 'button primary', href: '#/keys/new' }, 'Add API key'),
    ),
  );
  let keys;
  try {
    keys = await api('/api_keys/view');
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'The API key list'));
    return;
  }
  if (!ctx.isCurrent()) return;
  table = dataTable({ caption: 'API keys', columns, rows: keys, empty: 'No API keys.' });
  ctx.main.append(messages, table.element);
}

export async function renderAdd(ctx) {
  ctx.main.append(ctx.heading('Add API key'));
  let grantable = [];
  try {
    grantable = await api('/api_keys/permissions');
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'Adding API keys'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const alert = formAlert();
  const errorId = uid('endpoints-error');
  const all = h('input', { type: 'checkbox', name: 'endpoints', value: '*', id: uid('ep') });
  const boxes = grantable.map((path) => {
    const box = h('input', { type: 'checkbox', name: 'endpoints', value: path, id: uid('ep') });
    return h('span', { class: 'check' }, box, h('label', { for: box.id }, h('code', {}, path)));
  });
  const endpoints = h(
    'fieldset',
    { class: 'endpoints', 'aria-describedby': errorId },
    h('legend', {}, 'Endpoints the key may call'),
    h(
      'p',
      { class: 'hint' },
      'A key never gets more than the key you signed in with holds. None ticked: the same as yours.',
    ),
    h('span', { class: 'check' }, all, h('label', { for: all.id }, 'All endpoints (*)')),
    h('div', { class: 'endpoint-list' }, boxes),
    h('p', { class: 'field-error', id: errorId, hidden: true }),
  );
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    alert,
    textField({
      name: 'description',
      label: 'Description',
      maxlength: 1000,
      hint: 'What uses this key, e.g. “CI deploys”.',
    }),
    endpoints,
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button secondary', href: '#/keys' }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, 'Add API key'),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const chosen = [...form.querySelectorAll('input[name="endpoints"]:checked')].map((b) => b.value);
    const body = { description: form.elements.namedItem('description').value };
    if (chosen.length > 0) body.endpoints = chosen.includes('*') ? ['*'] : chosen;
    await whileBusy(form, async () => {
      try {
        const key = await api('/api_keys/add', body);
        const panel = secretPanel({
          heading: `API key ${key.id} added`,
          label: 'API key',
          value: key.api_key,
          note: 'This is the only time Petrel shows the full key: it keeps only a hash. Copy it now.',
        });
        ctx.main.replaceChildren(
          ctx.heading('API key added'),
          panel,
          h(
            'div',
            { class: 'actions' },
            h('a', { class: 'button primary', href: '#/keys' }, 'Done: back to API keys'),
          ),
        );
        panel.querySelector('h2').focus();
        announce(`API key ${key.id} added`);
      } catch (error) {
        if (error.fieldname === 'endpoints') {
          const slot = document.getElementById(errorId);
          slot.textContent = error.message;
          slot.hidden = false;
          endpoints.querySelector('input').focus();
          return;
        }
        showApiError(form, alert, error);
      }
    });
  });
  ctx.main.append(form);
}
