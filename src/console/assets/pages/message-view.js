// One stored message (a held sandbox message, an archived one): a summary, its HTML in a sandboxed
// frame, its text, every header, the raw source, and — for archived mail — its delivery events.
import { dataTable, formatDate, h } from '../dom.js';
import { messageFrame } from '../message-frame.js';

/** Headers as [name, value] pairs, whatever shape they come in: {name, value} objects, pairs, a map, or text. */
export function headerPairs(headers) {
  if (!headers) return [];
  if (typeof headers === 'string') {
    return headers
      .replace(/\r?\n[ \t]+/g, ' ')
      .split(/\r?\n/)
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]);
  }
  if (Array.isArray(headers)) {
    return headers.map((item) =>
      Array.isArray(item)
        ? [String(item[0]), String(item[1])]
        : [String(item.name ?? item.key), String(item.value)],
    );
  }
  return Object.entries(headers).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) => [name, String(v)]),
  );
}

function section(title, ...content) {
  return h('section', {}, h('h2', {}, title), content);
}

function eventsTable(events) {
  return dataTable({
    caption: 'Delivery events, oldest first',
    columns: [
      { label: 'Date', cell: (e) => formatDate(e.date) },
      { label: 'Event', cell: (e) => h('span', { class: `badge event-${e.event}` }, e.event) },
      { label: 'Recipient', cell: (e) => e.recipient ?? '' },
      {
        label: 'Details',
        cell: (e) => [e.reason, e.smtp_response, e.host, e.url].filter(Boolean).join(' · '),
      },
    ],
    rows: events,
    empty: 'No events recorded.',
  }).element;
}

export function messageView(message) {
  const headers = headerPairs(message.headers);
  const pick = (name) => headers.find(([n]) => n.toLowerCase() === name)?.[1] ?? '';
  return h(
    'article',
    { class: 'message' },
    h(
      'dl',
      { class: 'summary' },
      ['From', 'To', 'Subject', 'Date'].map((name) => [
        h('dt', {}, name),
        h('dd', {}, pick(name.toLowerCase())),
      ]),
    ),
    section(
      'HTML',
      message.html_body
        ? [
            h(
              'p',
              { class: 'hint' },
              'Shown in a sandbox: scripts do not run and nothing is fetched from the network (images, fonts, styles). Inline styles are not applied either, under the console’s own policy.',
            ),
            messageFrame({ title: 'HTML body of the message', html: message.html_body }),
          ]
        : h('p', { class: 'empty' }, 'This message has no HTML part.'),
    ),
    section(
      'Text',
      message.text_body
        ? h('pre', { class: 'body-text' }, message.text_body)
        : h('p', { class: 'empty' }, 'This message has no text part.'),
    ),
    Array.isArray(message.events) ? section('Events', eventsTable(message.events)) : null,
    section(
      'Headers',
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'data compact headers' },
          h(
            'tbody',
            {},
            headers.map(([n, v]) => h('tr', {}, h('th', { scope: 'row' }, n), h('td', {}, v))),
          ),
        ),
      ),
    ),
    h(
      'details',
      { class: 'raw' },
      h('summary', {}, 'Raw source'),
      h('pre', { class: 'raw-source' }, message.raw ?? ''),
    ),
  );
}
