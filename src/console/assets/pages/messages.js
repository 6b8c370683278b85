// The sandbox and archive viewers: a searchable list of stored messages (…/search, continue_token) and
// one message (…/view). Both endpoints answer the same shapes, so one page serves both.
import { api } from '../api.js';
import { dataTable, formatDate, h } from '../dom.js';
import { clearErrors, formAlert, showApiError, textField, whileBusy } from '../form.js';
import { errorNotice, loadFailure } from '../notices.js';
import { messageView } from './message-view.js';

const SANDBOX = {
  section: 'sandbox',
  title: 'Sandbox',
  what: 'The sandbox viewer',
  intro: 'Mail from SMTP users in sandbox status is accepted and held here instead of being delivered.',
  caption: 'Held messages, newest first',
  empty: 'No held messages.',
  messageTitle: 'Held message',
  filters: [
    ['username', 'SMTP user'],
    ['search_recipient', 'Recipient'],
  ],
};

const ARCHIVE = {
  section: 'archive',
  title: 'Archive',
  what: 'The archive',
  intro: 'Messages of senders with archiving on, kept with their delivery events for the retention period.',
  caption: 'Archived messages, newest first',
  empty: 'No archived messages match.',
  messageTitle: 'Archived message',
  filters: [
    ['username', 'SMTP user'],
    ['search_sender', 'Sender'],
    ['search_recipient', 'Recipient'],
    ['subject', 'Subject'],
  ],
};

function columns(kind) {
  return [
    { label: 'Date', cell: (m) => formatDate(m.date) },
    {
      label: 'Subject',
      cell: (m) =>
        h('a', { href: `#/${kind.section}/${encodeURIComponent(m.email_id)}` }, m.subject || '(no subject)'),
    },
    { label: 'User', cell: (m) => m.username ?? '' },
    { label: 'Sender', cell: (m) => m.sender ?? '' },
    {
      label: 'Recipients',
      cell: (m) => (Array.isArray(m.recipients) ? m.recipients.join(', ') : (m.recipients ?? '')),
    },
  ];
}

function listPage(kind) {
  return async (ctx) => {
    const alert = formAlert();
    const form = h(
      'form',
      { class: 'toolbar', role: 'search', novalidate: true },
      alert,
      kind.filters.map(([name, label]) => textField({ name, label, autocomplete: 'off' })),
      h('button', { type: 'submit', class: 'secondary' }, 'Search'),
    );
    const results = h('div', {});
    let messages = [];
    let continueToken = null;
    let lastBody = {};

    async function search(reset) {
      const body = reset ? {} : { ...lastBody, continue_token: continueToken };
      if (reset) {
        for (const [name] of kind.filters) {
          const value = form.elements.namedItem(name).value.trim();
          if (value) body[name] = value;
        }
      }
      try {
        const data = await api(`/${kind.section}/search`, body);
        if (reset) {
          lastBody = body;
          messages = [];
        }
        messages = messages.concat(data.messages ?? []);
        continueToken = data.continue_token ?? null;
      } catch (error) {
        if (error.notFound) results.replaceChildren(loadFailure(error, kind.what));
        else showApiError(form, alert, error);
        return;
      }
      const table = dataTable({
        caption: kind.caption,
        columns: columns(kind),
        rows: messages,
        empty: kind.empty,
      });
      const more = h('button', { type: 'button', class: 'secondary', hidden: !continueToken }, 'Load more');
      more.addEventListener('click', () => void search(false));
      results.replaceChildren(table.element, h('div', { class: 'actions' }, more));
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(form);
      await whileBusy(form, () => search(true));
    });
    ctx.main.append(ctx.heading(kind.title), h('p', { class: 'hint' }, kind.intro), form, results);
    await search(true);
  };
}

function messagePage(kind) {
  return async (ctx) => {
    const emailId = ctx.params.emailId;
    ctx.main.append(
      h('p', {}, h('a', { href: `#/${kind.section}` }, `← Back to the ${kind.title.toLowerCase()}`)),
      ctx.heading(`${kind.messageTitle} ${emailId}`),
    );
    let message;
    try {
      message = await api(`/${kind.section}/view`, { email_id: emailId });
    } catch (error) {
      if (ctx.isCurrent())
        ctx.main.append(error.notFound ? loadFailure(error, kind.what) : errorNotice(error));
      return;
    }
    if (!ctx.isCurrent()) return;
    ctx.main.append(messageView(message));
  };
}

export const sandbox = { renderList: listPage(SANDBOX), renderMessage: messagePage(SANDBOX) };
export const archive = { renderList: listPage(ARCHIVE), renderMessage: messagePage(ARCHIVE) };
