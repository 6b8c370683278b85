// Statistics: sent, delivered, bounces, opens, clicks and unsubscribes per UTC day, charted from
// /v3/stats/email_history (group_by "day"), which reads the same per-day rollups as every /stats call.
import { api } from '../api.js';
import { lineChart } from '../chart.js';
import { announce, h } from '../dom.js';
import { clearErrors, formAlert, selectField, showApiError, textField, whileBusy } from '../form.js';
import { loadFailure } from '../notices.js';

const DAY_MS = 86_400_000;
export const PERIODS = [7, 30, 90];

/** email_history's field for each series; the keys name the series' colours in console.css. */
const SENDING = [
  { key: 'sent', label: 'Sent', field: 'used' },
  { key: 'delivered', label: 'Delivered', field: 'delivered' },
  { key: 'bounced', label: 'Bounces', field: 'bounces' },
];
const ENGAGEMENT = [
  { key: 'opened', label: 'Opens', field: 'opens' },
  { key: 'clicked', label: 'Clicks', field: 'clicks' },
  { key: 'unsubscribed', label: 'Unsubscribes', field: 'unsubscribes' },
];

const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
// Days are UTC days (as the rollups keep them), so they are labelled in UTC too.
const dayLabel = (row) =>
  new Date(`${row.day}T00:00:00Z`).toLocaleDateString([], {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });

/** One row per day of the period, zeros where email_history has none (a day without mail). */
export function dailyRows(history, days, now = Date.now()) {
  const byDay = new Map(history.map((r) => [r.day, r]));
  const rows = [];
  for (let i = days - 1; i >= 0; i -= 1) {
    const day = isoDay(now - i * DAY_MS);
    const found = byDay.get(day) ?? {};
    const row = { day };
    for (const s of [...SENDING, ...ENGAGEMENT]) row[s.key] = Number(found[s.field] ?? 0);
    rows.push(row);
  }
  return rows;
}

export async function renderPage(ctx) {
  const alert = formAlert();
  const form = h(
    'form',
    { class: 'filters', novalidate: true, 'aria-label': 'Statistics period and user' },
    alert,
    h(
      'div',
      { class: 'field-grid' },
      selectField({
        name: 'days',
        label: 'Period',
        value: '30',
        options: PERIODS.map((d) => ({ value: String(d), label: `Last ${d} days` })),
      }),
      textField({
        name: 'username',
        label: 'SMTP user',
        autocomplete: 'off',
        spellcheck: 'false',
        hint: 'Blank: every user and API key of the account.',
      }),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show')),
  );
  const results = h('div', { class: 'results' });

  async function load() {
    const days = Number(form.elements.namedItem('days').value);
    const username = form.elements.namedItem('username').value.trim();
    const now = Date.now();
    const body = {
      group_by: 'day',
      start_date: isoDay(now - (days - 1) * DAY_MS),
      end_date: isoDay(now),
    };
    if (username) body.username = username;
    try {
      const data = await api('/stats/email_history', body);
      if (!ctx.isCurrent()) return;
      const rows = dailyRows(data.history ?? [], days, now);
      const who = username ? ` for ${username}` : '';
      const chart = (series, title) =>
        lineChart({ rows, series, xLabel: dayLabel, title: `${title} per day${who}`, unit: 'Day' });
      results.replaceChildren(
        h('p', { class: 'hint' }, `Days are UTC days, ${rows[0].day} to ${rows[rows.length - 1].day}.`),
        h('h2', {}, 'Sending'),
        chart(SENDING, 'Sent, delivered and bounced'),
        h('h2', {}, 'Engagement'),
        chart(ENGAGEMENT, 'Opens, clicks and unsubscribes'),
      );
      // On a narrow screen a chart scrolls sideways: start at the newest days.
      for (const figure of results.querySelectorAll('.chart')) figure.scrollLeft = figure.scrollWidth;
      announce(`Statistics for the last ${days} days${who} loaded`);
    } catch (error) {
      if (error.notFound) results.replaceChildren(loadFailure(error, 'Statistics'));
      else showApiError(form, alert, error);
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await whileBusy(form, load);
  });
  // A new period needs no extra click.
  form.elements.namedItem('days').addEventListener('change', () => form.requestSubmit());
  ctx.main.append(ctx.heading('Statistics'), form, results);
  await load();
}
