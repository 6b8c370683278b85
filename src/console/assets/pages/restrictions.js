// Access restrictions of the acting account (SPEC §8): allowed senders and recipients, the SMTP and API
// IP allow lists, and IP-authenticated senders — each a small form over its /v3 endpoint.
import { api } from '../api.js';
import { dataTable, h } from '../dom.js';
import {
  checkbox,
  clearErrors,
  formAlert,
  selectField,
  showApiError,
  textArea,
  textField,
  whileBusy,
} from '../form.js';
import { errorNotice, loadFailure } from '../notices.js';

const lines = (text) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

function success(form, message) {
  const note = h('p', { class: 'success', role: 'status' }, message);
  form.querySelector('.success')?.remove();
  form.append(note);
}

/** One form that replaces a whole list (…/update) with the entries typed one per line. */
function listForm({ title, field, state, hint, path, toBody, describe }) {
  const alert = formAlert();
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-label': title },
    h('h2', {}, title),
    alert,
    state.control,
    textArea({
      name: field,
      label: 'Addresses and domains, one per line',
      value: state.entries.join('\n'),
      hint,
    }),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, `Save ${title.toLowerCase()}`),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await whileBusy(form, async () => {
      try {
        const data = await api(path, toBody(form, lines(form.elements.namedItem(field).value)));
        form.elements.namedItem(field).value = data[field].join('\n');
        success(form, describe(data));
      } catch (error) {
        showApiError(form, alert, error);
      }
    });
  });
  return form;
}

async function sendersCard() {
  const data = await api('/allowed_senders/view');
  return listForm({
    title: 'Allowed senders',
    field: 'allowed_senders',
    state: {
      control: selectField({
        name: 'mode',
        label: 'Mode',
        value: data.mode,
        options: [
          { value: 'disabled', label: 'Disabled: any sender' },
          { value: 'whitelist', label: 'Whitelist: only these senders' },
          { value: 'blacklist', label: 'Blacklist: any sender but these' },
        ],
      }),
      entries: data.allowed_senders,
    },
    hint: 'A bare domain (example.com) covers every address at it. Refused senders get 550 5.7.1 over SMTP.',
    path: '/allowed_senders/update',
    toBody: (form, entries) => ({ allowed_senders: entries, mode: form.elements.namedItem('mode').value }),
    describe: (d) => `Saved: ${d.allowed_senders.length} entries, mode ${d.mode}.`,
  });
}

async function recipientsCard() {
  const data = await api('/allowed_recipients/view');
  return listForm({
    title: 'Allowed recipients',
    field: 'allowed_recipients',
    state: {
      control: checkbox({
        name: 'enabled',
        label: 'Only these recipients may be used',
        checked: data.enabled,
      }),
      entries: data.allowed_recipients,
    },
    hint: 'Other recipients are refused: 550 5.7.1 at RCPT TO, or a 400 naming to, cc or bcc from the API.',
    path: '/allowed_recipients/update',
    toBody: (form, entries) => ({
      allowed_recipients: entries,
      enabled: form.elements.namedItem('enabled').checked,
    }),
    describe: (d) => `Saved: ${d.allowed_recipients.length} entries, ${d.enabled ? 'enabled' : 'disabled'}.`,
  });
}

/** An IP allow list ('smtp' or 'api'): on/off, its entries with Remove buttons, and an add form. */
async function ipAllowCard(type) {
  const title = type === 'api' ? 'API IP allow list' : 'SMTP IP allow list';
  const card = h('section', { class: 'card', 'aria-label': title });
  const messages = h('div', {});
  async function refresh() {
    const data = await api('/ip_allow_list/view', { type });
    const toggle = checkbox({
      name: `${type}-enabled`,
      label:
        type === 'api'
          ? 'Enabled: this account’s API keys work only from these networks'
          : 'Enabled: this account’s SMTP users log in only from these networks',
      checked: data.enabled,
    });
    toggle.querySelector('input').addEventListener('change', async (event) => {
      try {
        await api('/ip_allow_list', { type, enabled: event.target.checked });
        messages.replaceChildren(
          h(
            'p',
            { class: 'success', role: 'status' },
            `${title} ${event.target.checked ? 'enabled' : 'disabled'}.`,
          ),
        );
      } catch (error) {
        event.target.checked = !event.target.checked;
        messages.replaceChildren(errorNotice(error));
      }
    });
    const table = dataTable({
      caption: `${title} entries`,
      columns: [
        { label: 'Network', cell: (e) => h('code', {}, e.ip_address) },
        { label: 'Description', cell: (e) => e.description },
        {
          label: 'Actions',
          class: 'actions-cell',
          cell: (e) =>
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                onclick: async () => {
                  try {
                    await api('/ip_allow_list/remove', { type, ip_address: e.ip_address });
                    await refresh();
                  } catch (error) {
                    messages.replaceChildren(errorNotice(error));
                  }
                },
              },
              'Remove',
              h('span', { class: 'visually-hidden' }, ` ${e.ip_address}`),
            ),
        },
      ],
      rows: data.ip_addresses,
      empty: 'No networks on this list.',
    });
    const alert = formAlert();
    const add = h(
      'form',
      { novalidate: true, 'aria-label': `Add to the ${title}` },
      alert,
      textField({
        name: 'ip_address',
        label: 'Address or CIDR block',
        hint: 'e.g. 203.0.113.0/24 or 2001:db8::/48',
      }),
      textField({ name: 'description', label: 'Description' }),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, `Add to the ${title}`)),
    );
    add.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(add);
      await whileBusy(add, async () => {
        try {
          await api('/ip_allow_list/add', {
            type,
            ip_address: add.elements.namedItem('ip_address').value.trim(),
            description: add.elements.namedItem('description').value,
          });
          await refresh();
        } catch (error) {
          showApiError(add, alert, error);
        }
      });
    });
    card.replaceChildren(h('h2', {}, title), messages, toggle, table.element, add);
  }
  await refresh();
  return card;
}

async function ipAuthCard() {
  const title = 'IP-authenticated senders';
  const card = h('section', { class: 'card', 'aria-label': title });
  const messages = h('div', {});
  async function refresh() {
    const data = await api('/ip_auth/view');
    const table = dataTable({
      caption: 'Networks that send over SMTP without a login',
      columns: [
        { label: 'Network', cell: (e) => h('code', {}, e.ip_address) },
        { label: 'Status', cell: (e) => h('span', { class: `badge status-${e.status}` }, e.status) },
        { label: 'Description', cell: (e) => e.description },
        {
          label: 'Actions',
          class: 'actions-cell',
          cell: (e) =>
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                onclick: async () => {
                  try {
                    await api('/ip_auth/remove', { ip_address: e.ip_address });
                    await refresh();
                  } catch (error) {
                    messages.replaceChildren(errorNotice(error));
                  }
                },
              },
              'Remove',
              h('span', { class: 'visually-hidden' }, ` ${e.ip_address}`),
            ),
        },
      ],
      rows: data.results,
      empty: 'No IP-authenticated senders.',
    });
    const alert = formAlert();
    const add = h(
      'form',
      { novalidate: true, 'aria-label': 'Add or change an IP-authenticated sender' },
      alert,
      textField({
        name: 'ip_address',
        label: 'Sender address or CIDR block',
        hint: 'An existing entry is changed.',
      }),
      textField({ name: 'description', label: 'Sender description' }),
      selectField({
        name: 'status',
        label: 'Status',
        value: 'allowed',
        options: ['allowed', 'sandbox', 'blocked'].map((s) => ({ value: s, label: s })),
      }),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save IP-authenticated sender')),
    );
    add.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(add);
      await whileBusy(add, async () => {
        try {
          await api(
            '/ip_auth/edit',
            {
              ip_address: add.elements.namedItem('ip_address').value.trim(),
              description: add.elements.namedItem('description').value,
              status: add.elements.namedItem('status').value,
            },
            { method: 'PATCH' },
          );
          await refresh();
        } catch (error) {
          showApiError(add, alert, error);
        }
      });
    });
    card.replaceChildren(h('h2', {}, title), messages, table.element, add);
  }
  await refresh();
  return card;
}

export async function renderPage(ctx) {
  ctx.main.append(
    ctx.heading('Restrictions'),
    h(
      'p',
      { class: 'hint' },
      'Limit what a leaked credential can do: which senders and recipients may be used, from which networks, and which addresses send without a login. Changes hold on every node at once.',
    ),
  );
  let cards;
  try {
    cards = await Promise.all([
      sendersCard(),
      recipientsCard(),
      ipAllowCard('smtp'),
      ipAllowCard('api'),
      ipAuthCard(),
    ]);
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'The restrictions'));
    return;
  }
  if (ctx.isCurrent()) ctx.main.append(...cards);
}
