// Builds DOM nodes from plain calls: text is always a text node, never parsed as HTML, so nothing the
// API answers can inject markup into the console.

/**
 * h('button', { class: 'primary', onclick: fn, disabled: true }, 'Save') → <button class="primary" disabled>.
 * Attribute values: functions (on*) become listeners, true/false toggle boolean attributes, null is skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.includes(':')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(tag.indexOf(':') + 1))
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function' && name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export const svg = (tag, attrs, ...children) => h(`svg:${tag}`, attrs, ...children);

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

let idCounter = 0;
/** A document-unique id for label/aria wiring. */
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** Speaks a short status to screen readers through the page's polite live region. */
export function announce(message) {
  const live = document.getElementById('live');
  if (!live) return;
  live.textContent = '';
  // A fresh text node makes assistive technology read the same message twice in a row, too.
  live.append(document.createTextNode(message));
}

export function formatDate(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/** A table that turns into labelled cards on narrow screens (the CSS reads data-label). */
export function dataTable({ caption, columns, rows, empty = 'Nothing to show.' }) {
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'data' },
    caption ? h('caption', {}, caption) : null,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col' }, c.label)),
      ),
    ),
    tbody,
  );
  const emptyNote = h('p', { class: 'empty', hidden: rows.length > 0 }, empty);
  const addRows = (list) => {
    for (const row of list) tbody.append(tableRow(columns, row));
    emptyNote.hidden = tbody.children.length > 0;
  };
  addRows(rows);
  return { element: h('div', { class: 'table-wrap' }, table, emptyNote), tbody, addRows, emptyNote };
}

export function tableRow(columns, row) {
  return h(
    'tr',
    {},
    columns.map((c) => h('td', { 'data-label': c.label, class: c.class ?? null }, c.cell(row))),
  );
}
