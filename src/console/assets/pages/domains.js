// Sender domains (SPEC §5): for each domain, the DNS records to publish (name, type, value with a copy
// button), whether each is verified and, when not, what the last check found instead; SPF and DMARC
// advice; verify and remove. Below, the single sender emails.
import { api } from '../api.js';
import { announce, dataTable, h } from '../dom.js';
import { clearErrors, formAlert, showApiError, textField, whileBusy } from '../form.js';
import { loadFailure } from '../notices.js';

/** The records of one domain entry of /domain/view, in the order they are best published. */
export function recordsOf(entry) {
  const d = entry.domain;
  const tracker = entry.trackers[0];
  const records = [
    {
      what: 'DKIM key',
      name: `${d.dkim_selector}._domainkey.${d.fulldomain}`,
      type: 'TXT',
      value: d.dkim_value,
      verified: d.dkim_verified,
      status: d.dkim_status,
    },
    {
      what: 'Return path',
      name: `${d.rpath_selector}.${d.fulldomain}`,
      type: 'CNAME',
      value: d.rpath_value,
      verified: d.rpath_verified,
      status: d.rpath_status,
    },
  ];
  if (tracker) {
    records.push({
      what: 'Tracking host',
      name: tracker.fulldomain,
      type: 'CNAME',
      value: tracker.cname_value,
      verified: tracker.cname_verified,
      status: tracker.cname_status,
    });
  }
  // The Ed25519 second key (RFC 8463): optional, so listed last; mail gets its second signature once verified.
  if (d.dkim_ed25519_selector) {
    records.push({
      what: 'DKIM key (Ed25519, optional)',
      name: `${d.dkim_ed25519_selector}._domainkey.${d.fulldomain}`,
      type: 'TXT',
      value: d.dkim_ed25519_value,
      verified: d.dkim_ed25519_verified,
      status: d.dkim_ed25519_status,
    });
  }
  return records;
}

function copyButton(value, label) {
  return h(
    'button',
    {
      type: 'button',
      class: 'copy',
      'aria-label': `Copy ${label}`,
      async onclick(event) {
        const button = event.currentTarget;
        try {
          await navigator.clipboard.writeText(value);
          button.textContent = 'Copied';
          announce(`${label} copied`);
        } catch {
          // No clipboard permission: select the value so the user can copy it by hand.
          const code = button.parentElement.querySelector('code');
          window.getSelection()?.selectAllChildren(code);
          announce(`${label} selected; copy it with your keyboard`);
        }
      },
    },
    'Copy',
  );
}

function domainSection(ctx, entry, reload) {
  const d = entry.domain;
  const table = dataTable({
    caption: `Records to publish for ${d.fulldomain}`,
    columns: [
      { label: 'Record', cell: (r) => r.what },
      {
        label: 'Name',
        cell: (r) =>
          h('span', { class: 'value' }, h('code', {}, r.name), copyButton(r.name, `${r.what} name`)),
      },
      { label: 'Type', cell: (r) => r.type },
      {
        label: 'Value',
        cell: (r) =>
          r.value
            ? h(
                'span',
                { class: 'value' },
                h('code', { class: 'record-value' }, r.value),
                copyButton(r.value, `${r.what} value`),
              )
            : h('em', {}, 'not configured on this node'),
      },
      {
        label: 'State',
        cell: (r) =>
          h(
            'span',
            { class: r.verified ? 'status status-ok' : 'status status-bad' },
            r.verified ? 'Verified' : 'Not verified',
          ),
      },
      { label: 'Found instead', cell: (r) => r.status },
    ],
    rows: recordsOf(entry),
  });
  const alert = formAlert();
  const act = async (path, message) => {
    try {
      await api(path, { domain: d.fulldomain });
      announce(message);
      await reload();
    } catch (error) {
      alert.textContent = error.message;
      alert.hidden = false;
    }
  };
  return h(
    'section',
    { class: 'domain', 'aria-label': d.fulldomain, dataset: { domain: d.fulldomain } },
    h(
      'h2',
      {},
      d.fulldomain,
      ' ',
      h(
        'span',
        { class: d.dkim_verified ? 'status status-ok' : 'status status-bad' },
        d.dkim_verified ? 'signing' : 'not signing',
      ),
    ),
    alert,
    table.element,
    h('p', { class: 'hint' }, `SPF: ${d.spf_status || 'not checked yet'}`),
    h('p', { class: 'hint' }, `DMARC: ${d.dmarc_status || 'not checked yet'}`),
    h(
      'p',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', onclick: () => act('/domain/verify', `${d.fulldomain} checked`) },
        'Verify now',
      ),
      ' ',
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          onclick: () => {
            if (window.confirm(`Remove ${d.fulldomain}? Its mail will no longer be signed.`))
              void act('/domain/remove', `${d.fulldomain} removed`);
          },
        },
        'Remove',
      ),
    ),
  );
}

function addForm(path, field, label, hint, submitLabel, reload) {
  const alert = formAlert();
  const form = h(
    'form',
    { class: 'inline-add', novalidate: true },
    alert,
    textField({ name: field, label, hint, required: true }),
    h('button', { type: 'submit', class: 'primary' }, submitLabel),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await whileBusy(form, async () => {
      try {
        await api(path, { [field]: form.elements.namedItem(field).value });
        announce(`${form.elements.namedItem(field).value} added`);
        await reload();
      } catch (error) {
        showApiError(form, alert, error);
      }
    });
  });
  return form;
}

export async function renderList(ctx) {
  ctx.main.append(ctx.heading('Sender domains'));
  const domainsArea = h('div', { id: 'domains' });
  const sendersArea = h('div', { id: 'single-senders' });
  const reload = async () => {
    let domains;
    let senders;
    try {
      [domains, senders] = await Promise.all([api('/domain/view'), api('/single_sender_emails/view')]);
    } catch (error) {
      if (ctx.isCurrent()) domainsArea.replaceChildren(loadFailure(error, 'The sender domains'));
      return;
    }
    if (!ctx.isCurrent()) return;
    domainsArea.replaceChildren(
      ...(domains.domains.length === 0
        ? [h('p', { class: 'empty' }, 'No sender domain yet. Add one to sign its mail with DKIM.')]
        : domains.domains.map((entry) => domainSection(ctx, entry, reload))),
    );
    sendersArea.replaceChildren(
      dataTable({
        caption: 'Single sender emails',
        columns: [
          { label: 'Address', cell: (s) => s.email_address },
          {
            label: 'State',
            cell: (s) =>
              h(
                'span',
                { class: s.verified ? 'status status-ok' : 'status status-bad' },
                s.verified ? 'Verified' : 'Waiting for the link',
              ),
          },
          {
            label: 'Actions',
            cell: (s) =>
              h(
                'button',
                {
                  type: 'button',
                  class: 'danger',
                  onclick: async () => {
                    await api('/single_sender_emails/remove', { email_address: s.email_address });
                    announce(`${s.email_address} removed`);
                    await reload();
                  },
                },
                'Remove',
              ),
          },
        ],
        rows: senders.senders,
        empty: 'No single sender email.',
      }).element,
    );
  };
  ctx.main.append(
    h(
      'p',
      { class: 'hint' },
      'Publish each record in your DNS, then press Verify now. Petrel checks again every hour.',
    ),
    addForm('/domain/add', 'domain', 'Domain', 'e.g. example.com', 'Add domain', reload),
    domainsArea,
    h('h2', {}, 'Single sender emails'),
    h(
      'p',
      { class: 'hint' },
      'An address outside your domains; it is verified when its owner follows the emailed link.',
    ),
    addForm('/single_sender_emails/add', 'email_address', 'Email address', null, 'Send verification', reload),
    sendersArea,
  );
  await reload();
}
