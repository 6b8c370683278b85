// Activity: the events of /v3/activity/search with its filters, and a chart of accepted, delivered,
// bounced, opened and clicked per hour over the events loaded.
import { activityChart, hourlyCounts } from '../chart.js';
import { api } from '../api.js';
import { announce, dataTable, formatDate, h, tableRow, uid } from '../dom.js';
import { clearErrors, fieldset, formAlert, showApiError, textField, whileBusy } from '../form.js';
import { loadFailure } from '../notices.js';
import { EVENT_NAMES } from '../defaults.js';

/** datetime-local wants "YYYY-MM-DDTHH:MM" in local time. */
function localInput(date) {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 16);
}

function detail(e) {
  return [e.reason, e.smtp_response, e.host, e.url, e.user_agent, e.ip].filter(Boolean).join(' · ');
}

const COLUMNS = [
  { label: 'Date', cell: (e) => formatDate(e.date) },
  { label: 'Event', cell: (e) => h('span', { class: `badge event-${e.event}` }, e.event) },
  { label: 'User', cell: (e) => e.username ?? '' },
  { label: 'Sender', cell: (e) => e.sender ?? '' },
  { label: 'Recipient', cell: (e) => e.recipient ?? '' },
  { label: 'Subject', cell: (e) => e.subject ?? '' },
  { label: 'Details', cell: detail },
];

export async function renderPage(ctx) {
  const now = new Date();
  const alert = formAlert();
  const typeBoxes = EVENT_NAMES.map((type) => {
    const box = h('input', { type: 'checkbox', name: 'event_types', value: type, id: uid('type') });
    return h('span', { class: 'check' }, box, h('label', { for: box.id }, type));
  });
  const form = h(
    'form',
    { class: 'filters', novalidate: true, role: 'search' },
    alert,
    h(
      'div',
      { class: 'field-grid' },
      textField({
        name: 'start_date',
        label: 'From',
        type: 'datetime-local',
        value: localInput(new Date(now.getTime() - 24 * 3600 * 1000)),
      }),
      textField({ name: 'end_date', label: 'To', type: 'datetime-local', value: localInput(now) }),
      textField({ name: 'username', label: 'SMTP user', autocomplete: 'off' }),
      textField({ name: 'search_sender', label: 'Sender', autocomplete: 'off' }),
      textField({ name: 'search_recipient', label: 'Recipient', autocomplete: 'off' }),
      textField({ name: 'email_id', label: 'Email id', autocomplete: 'off' }),
      textField({ name: 'limit', label: 'Events per page', type: 'number', min: 1, max: 1000, value: '100' }),
    ),
    fieldset('Event types (none ticked: all)', h('div', { class: 'check-grid' }, typeBoxes)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Search')),
  );
  const results = h('div', { class: 'results' });
  let events = [];
  let continueToken = null;
  let range = { from: null, to: null };
  let lastBody = null;

  function readForm() {
    const el = (name) => form.elements.namedItem(name);
    const body = {};
    for (const name of ['username', 'search_sender', 'search_recipient', 'email_id']) {
      const value = el(name).value.trim();
      if (value) body[name] = value;
    }
    for (const name of ['start_date', 'end_date']) {
      const value = el(name).value;
      if (value) body[name] = new Date(value).toISOString();
    }
    const limit = el('limit').value.trim();
    if (limit) body.limit = Number(limit);
    const types = [...form.querySelectorAll('input[name="event_types"]:checked')].map((b) => b.value);
    if (types.length) body.event_types = types;
    return body;
  }

  function draw() {
    const table = dataTable({
      caption: 'Events, newest first',
      columns: COLUMNS,
      rows: [],
      empty: 'No events match these filters.',
    });
    for (const e of events) table.tbody.append(tableRow(COLUMNS, e));
    table.emptyNote.hidden = events.length > 0;
    const more = h('button', { type: 'button', class: 'secondary', hidden: !continueToken }, 'Load more');
    more.addEventListener('click', () => void search(false));
    const buckets = hourlyCounts(events, range.from, range.to);
    results.replaceChildren(
      h('h2', {}, 'Per hour'),
      buckets.length ? activityChart(buckets) : h('p', { class: 'empty' }, 'No events to chart.'),
      h('h2', {}, `Events (${events.length} loaded)`),
      table.element,
      h('div', { class: 'actions' }, more),
    );
    // On a narrow screen the chart scrolls sideways: start at the newest hours.
    const chart = results.querySelector('.chart');
    if (chart) chart.scrollLeft = chart.scrollWidth;
  }

  async function search(reset) {
    const body = reset ? readForm() : { ...lastBody, continue_token: continueToken };
    try {
      const data = await api('/activity/search', body);
      if (reset) {
        lastBody = body;
        events = [];
        range = {
          from: body.start_date ? Date.parse(body.start_date) : null,
          to: body.end_date ? Date.parse(body.end_date) : null,
        };
      }
      events = events.concat(data.events ?? []);
      continueToken = data.continue_token ?? null;
      draw();
      announce(`${events.length} events loaded`);
    } catch (error) {
      if (error.notFound) results.replaceChildren(loadFailure(error, 'Activity search'));
      else showApiError(form, alert, error);
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await whileBusy(form, () => search(true));
  });
  ctx.main.append(ctx.heading('Activity'), form, results);
  await search(true);
}
