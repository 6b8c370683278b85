// Line charts drawn as inline SVG (no library), with a data table beside them for screen readers and
// exact numbers: the activity page's events per hour, and the statistics page's counts per day.
import { h, svg } from './dom.js';

export const SERIES = [
  { key: 'accepted', label: 'Accepted', events: ['processed'] },
  { key: 'delivered', label: 'Delivered', events: ['delivered'] },
  { key: 'bounced', label: 'Bounced', events: ['soft-bounced', 'hard-bounced'] },
  { key: 'opened', label: 'Opened', events: ['opened'] },
  { key: 'clicked', label: 'Clicked', events: ['clicked'] },
];

const HOUR = 3600 * 1000;
// The chart stays readable and cheap: beyond a week of hours only the most recent are drawn.
const MAX_HOURS = 168;

/** Counts per hour (UTC-aligned hours shown in local time) from `from` to `to`, or the events' span. */
export function hourlyCounts(events, from = null, to = null) {
  const times = events.map((e) => Date.parse(e.date)).filter((t) => !Number.isNaN(t));
  if (times.length === 0 && (from === null || to === null)) return [];
  let start = Math.floor((from ?? Math.min(...times)) / HOUR) * HOUR;
  const end = Math.floor((to ?? Math.max(...times)) / HOUR) * HOUR;
  if (end - start >= MAX_HOURS * HOUR) start = end - (MAX_HOURS - 1) * HOUR;
  const buckets = [];
  for (let t = start; t <= end; t += HOUR) {
    buckets.push({ hour: t, ...Object.fromEntries(SERIES.map((s) => [s.key, 0])) });
  }
  for (const event of events) {
    const t = Date.parse(event.date);
    const index = Math.floor((t - start) / HOUR);
    const series = SERIES.find((s) => s.events.includes(event.event));
    if (!series || index < 0 || index >= buckets.length) continue;
    buckets[index][series.key] += 1;
  }
  return buckets;
}

const hourLabel = (t) => new Date(t).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit' });

/** The activity page's chart: the five series per hour. */
export function activityChart(buckets) {
  return lineChart({
    rows: buckets,
    series: SERIES,
    xLabel: (b) => hourLabel(b.hour),
    title: 'Events per hour',
    unit: 'Hour',
  });
}

/**
 * A line chart of `series` ([{ key, label }], each drawn in the colour of its .series-<key> class) over
 * `rows` (objects holding a number per series key, labelled on the x axis by `xLabel(row)`), with a
 * legend of totals and a data table for screen readers and exact numbers. Shared by every page.
 */
export function lineChart({ rows, series, xLabel, title, unit }) {
  const width = 800;
  const height = 260;
  // Room on the right for the last row's label, which is centred on the plot's edge.
  const pad = { left: 44, right: 48, top: 12, bottom: 36 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...rows.flatMap((b) => series.map((s) => b[s.key])));
  const x = (i) => pad.left + (rows.length === 1 ? plotW / 2 : (i * plotW) / (rows.length - 1));
  const y = (v) => pad.top + plotH - (v * plotH) / max;
  const labelEvery = Math.max(1, Math.ceil(rows.length / 8));

  const grid = [0, 0.5, 1].map((f) => {
    const value = Math.round(max * f);
    return [
      svg('line', { class: 'grid', x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value) }),
      svg('text', { class: 'axis', x: pad.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, String(value)),
    ];
  });
  const xLabels = rows.map((b, i) =>
    i % labelEvery === 0
      ? svg('text', { class: 'axis', x: x(i), y: height - 12, 'text-anchor': 'middle' }, xLabel(b))
      : null,
  );
  const lines = series.map((s) =>
    svg(
      'g',
      { class: `series series-${s.key}` },
      svg('polyline', { points: rows.map((b, i) => `${x(i)},${y(b[s.key])}`).join(' ') }),
      rows.map((b, i) =>
        svg(
          'circle',
          { cx: x(i), cy: y(b[s.key]), r: 3 },
          svg('title', {}, `${s.label}, ${xLabel(b)}: ${b[s.key]}`),
        ),
      ),
    ),
  );
  const total = (key) => rows.reduce((sum, b) => sum + b[key], 0);
  const summary = series.map((s) => `${s.label} ${total(s.key)}`).join(', ');
  const figure = h(
    'figure',
    { class: 'chart' },
    svg(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${title}. Totals: ${summary}.` },
      svg('title', {}, title),
      grid,
      xLabels,
      lines,
    ),
    h(
      'figcaption',
      {},
      h(
        'ul',
        { class: 'legend' },
        series.map((s) =>
          h(
            'li',
            {},
            h('span', { class: `swatch series-${s.key}`, 'aria-hidden': 'true' }),
            `${s.label}: ${total(s.key)}`,
          ),
        ),
      ),
    ),
  );
  const table = h(
    'details',
    { class: 'chart-data' },
    h('summary', {}, `Chart data by ${unit.toLowerCase()}`),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data compact' },
        h('caption', { class: 'visually-hidden' }, title),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, unit),
            series.map((s) => h('th', { scope: 'col' }, s.label)),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((b) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, xLabel(b)),
              series.map((s) => h('td', {}, String(b[s.key]))),
            ),
          ),
        ),
      ),
    ),
  );
  return h('div', { class: 'chart-block' }, figure, table);
}
