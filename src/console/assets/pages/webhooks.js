// Webhooks of the acting account (SPEC §7): list, add (the signing secret is shown once), edit, rotate
// the secret, remove, send a test event, and the last 50 calls with their status and answer.
import { api } from '../api.js';
import { confirmDialog } from '../dialogs.js';
import { announce, dataTable, formatDate, h, uid } from '../dom.js';
import { clearErrors, formAlert, selectField, showApiError, textField, whileBusy } from '../form.js';
import { errorNotice, loadFailure } from '../notices.js';
import { secretPanel } from '../secret.js';

const EVENTS = [
  'processed',
  'delivered',
  'open',
  'click',
  'bounce',
  'spam',
  'unsubscribe',
  'resubscribe',
  'reject',
];

const list = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export async function renderList(ctx) {
  const messages = h('div', {});
  let table;
  ctx.main.append(
    h(
      'div',
      { class: 'page-head' },
      ctx.heading('Webhooks'),
      h('a', { class: 'button primary', href: '#/webhooks/new' }, 'Add webhook'),
    ),
  );
  let hooks;
  try {
    hooks = await api('/webhook/view');
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'The webhook list'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const columns = [
    { label: 'Id', cell: (w) => h('code', {}, String(w.id)) },
    { label: 'URL', cell: (w) => h('a', { href: `#/webhooks/${w.id}` }, w.url) },
    { label: 'Events', cell: (w) => (w.events.length ? w.events.join(', ') : 'all') },
    { label: 'Usernames', cell: (w) => (w.usernames.length ? w.usernames.join(', ') : 'all') },
    { label: 'Format', cell: (w) => w.output_format },
    {
      label: 'Actions',
      class: 'actions-cell',
      cell: (w) =>
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: async (event) => {
              const row = event.currentTarget.closest('tr');
              const ok = await confirmDialog({
                title: `Remove webhook ${w.id}?`,
                message: `${w.url} gets no further calls; calls still queued for it are dropped.`,
                confirmLabel: 'Remove webhook',
              });
              if (!ok) return;
              try {
                await api('/webhook/remove', { id: w.id });
                row.remove();
                table.emptyNote.hidden = table.tbody.rows.length > 0;
                messages.replaceChildren(
                  h('p', { class: 'success', role: 'status' }, `Removed webhook ${w.id}.`),
                );
              } catch (error) {
                messages.replaceChildren(errorNotice(error));
              }
            },
          },
          'Remove',
          h('span', { class: 'visually-hidden' }, ` webhook ${w.id}`),
        ),
    },
  ];
  table = dataTable({ caption: 'Webhooks', columns, rows: hooks, empty: 'No webhooks.' });
  ctx.main.append(messages, table.element);
}

/** The add/edit form; `hook` fills it for editing. Resolves the body to send on submit. */
function webhookForm(hook, submitLabel, onSubmit) {
  const alert = formAlert();
  const eventsError = uid('events-error');
  const boxes = EVENTS.map((name) => {
    const box = h('input', { type: 'checkbox', name: 'events', value: name, id: uid('ev') });
    box.checked = hook?.events.includes(name) ?? false;
    return h('span', { class: 'check' }, box, h('label', { for: box.id }, name));
  });
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    alert,
    textField({ name: 'url', label: 'URL', value: hook?.url ?? '', required: true, hint: 'http or https' }),
    h(
      'fieldset',
      { class: 'endpoints', 'aria-describedby': eventsError },
      h('legend', {}, 'Events'),
      h('p', { class: 'hint' }, 'None ticked: every event.'),
      h('div', { class: 'endpoint-list' }, boxes),
      h('p', { class: 'field-error', id: eventsError, hidden: true }),
    ),
    textField({
      name: 'usernames',
      label: 'Usernames',
      value: hook?.usernames.join(', ') ?? '',
      hint: 'Comma-separated SMTP users; empty: every sender.',
    }),
    textField({
      name: 'headers',
      label: 'Message headers to include',
      value: hook?.headers.join(', ') ?? '',
      hint: 'Comma-separated header names.',
    }),
    selectField({
      name: 'output_format',
      label: 'Body format',
      options: [
        { value: 'form', label: 'Form (application/x-www-form-urlencoded)' },
        { value: 'json', label: 'JSON' },
      ],
      value: hook?.output_format ?? 'json',
    }),
    selectField({
      name: 'auth_header_type',
      label: 'Authorization header',
      options: [
        { value: '', label: 'None' },
        { value: 'bearer', label: 'Bearer token' },
        { value: 'basic', label: 'Basic (base64 of user:password)' },
      ],
      value: hook?.auth_header_type ?? '',
    }),
    textField({
      name: 'auth_header_value',
      label: 'Authorization value',
      value: hook?.auth_header_value ?? '',
      autocomplete: 'off',
    }),
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button secondary', href: '#/webhooks' }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, submitLabel),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const value = (name) => form.elements.namedItem(name).value;
    const body = {
      url: value('url').trim(),
      events: [...form.querySelectorAll('input[name="events"]:checked')].map((b) => b.value),
      usernames: list(value('usernames')),
      headers: list(value('headers')),
      output_format: value('output_format'),
      auth_header_type: value('auth_header_type'),
      auth_header_value: value('auth_header_type') === '' ? '' : value('auth_header_value'),
    };
    await whileBusy(form, async () => {
      try {
        await onSubmit(body);
      } catch (error) {
        showApiError(form, alert, error);
      }
    });
  });
  return form;
}

function showSecret(ctx, title, hook, backHref) {
  const panel = secretPanel({
    heading: title,
    label: 'Signing secret',
    value: hook.secret,
    note: 'Receivers check each call’s webhook-signature with this secret (Standard Webhooks). Petrel shows it only now: copy it.',
  });
  ctx.main.replaceChildren(
    ctx.heading(title),
    panel,
    h('div', { class: 'actions' }, h('a', { class: 'button primary', href: backHref }, 'Done')),
  );
  panel.querySelector('h2').focus();
  announce(title);
}

export function renderAdd(ctx) {
  ctx.main.append(ctx.heading('Add webhook'));
  ctx.main.append(
    webhookForm(null, 'Add webhook', async (body) => {
      const hook = await api('/webhook/add', body);
      showSecret(ctx, `Webhook ${hook.id} added`, hook, `#/webhooks/${hook.id}`);
    }),
  );
  return Promise.resolve();
}

const callColumns = [
  { label: 'Created', cell: (c) => formatDate(c.created_at) },
  { label: 'Event', cell: (c) => c.event },
  { label: 'State', cell: (c) => h('span', { class: `badge call-${c.state}` }, c.state) },
  { label: 'Tries', cell: (c) => String(c.attempts) },
  { label: 'Status', cell: (c) => (c.status === null ? '—' : String(c.status)) },
  { label: 'Answer', cell: (c) => h('code', { class: 'answer' }, (c.answer ?? '').slice(0, 200)) },
  { label: 'Last try', cell: (c) => (c.last_attempt_at ? formatDate(c.last_attempt_at) : '—') },
];

export async function renderDetail(ctx) {
  const id = Number(ctx.params.id);
  let hook;
  let calls;
  try {
    [hook] = await api('/webhook/view', { id });
    calls = await api('/webhook/calls', { id });
  } catch (error) {
    if (ctx.isCurrent())
      ctx.main.append(ctx.heading(`Webhook ${ctx.params.id}`), loadFailure(error, 'This webhook'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const messages = h('div', {});
  const callsSlot = h('div', {});
  const showCalls = (rows) =>
    callsSlot.replaceChildren(
      dataTable({ caption: 'Last 50 calls', columns: callColumns, rows, empty: 'No calls yet.' }).element,
    );
  showCalls(calls);
  const refresh = async () => showCalls(await api('/webhook/calls', { id }));
  const testButton = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: async () => {
        try {
          const call = await api('/webhook/test', { id });
          messages.replaceChildren(
            h('p', { class: 'success', role: 'status' }, `Test event queued (${call.id}).`),
          );
          // The dispatcher sends it within a second; show the outcome when it is there.
          for (let i = 0; i < 20; i++) {
            await new Promise((r) => setTimeout(r, 500));
            const rows = await api('/webhook/calls', { id });
            showCalls(rows);
            if (rows.find((r) => r.id === call.id)?.attempts > 0) break;
          }
        } catch (error) {
          messages.replaceChildren(errorNotice(error));
        }
      },
    },
    'Send test event',
  );
  const rotateButton = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      onclick: async () => {
        const ok = await confirmDialog({
          title: 'Rotate the signing secret?',
          message: 'Calls are signed with the new secret at once; receivers that check signatures need it.',
          confirmLabel: 'Rotate secret',
        });
        if (!ok) return;
        try {
          const rotated = await api('/webhook/edit', { id, rotate_secret: true });
          showSecret(ctx, `New secret for webhook ${id}`, rotated, `#/webhooks/${id}`);
        } catch (error) {
          messages.replaceChildren(errorNotice(error));
        }
      },
    },
    'Rotate secret',
  );
  ctx.main.append(
    h(
      'div',
      { class: 'page-head' },
      ctx.heading(`Webhook ${id}`),
      h('div', { class: 'actions' }, testButton, rotateButton),
    ),
    messages,
    webhookForm(hook, 'Save changes', async (body) => {
      await api('/webhook/edit', { id, ...body });
      messages.replaceChildren(h('p', { class: 'success', role: 'status' }, `Saved webhook ${id}.`));
      announce(`Saved webhook ${id}`);
    }),
    h(
      'div',
      { class: 'page-head' },
      h('h2', {}, 'Recent calls'),
      h('button', { type: 'button', class: 'secondary', onclick: () => void refresh() }, 'Refresh'),
    ),
    callsSlot,
  );
}
