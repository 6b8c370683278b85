// The activity chart: events per hour for five series, drawn as inline SVG (no library), with a data
// table beside it for screen readers and for exact numbers.
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

export function activityChart(buckets) {
  const width = 800;
  const height = 260;
  // Room on the right for the last hour's label, which is centred on the plot's edge.
  const pad = { left: 44, right: 48, top: 12, bottom: 36 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...buckets.flatMap((b) => SERIES.map((s) => b[s.key])));
  const x = (i) => pad.left + (buckets.length === 1 ? plotW / 2 : (i * plotW) / (buckets.length - 1));
  const y = (v) => pad.top + plotH - (v * plotH) / max;
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));

  const grid = [0, 0.5, 1].map((f) => {
    const value = Math.round(max * f);
    return [
      svg('line', { class: 'grid', x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value) }),
      svg('text', { class: 'axis', x: pad.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, String(value)),
    ];
  });
  const xLabels = buckets.map((b, i) =>
    i % labelEvery === 0
      ? svg('text', { class: 'axis', x: x(i), y: height - 12, 'text-anchor': 'middle' }, hourLabel(b.hour))
      : null,
  );
  const lines = SERIES.map((s) =>
    svg(
      'g',
      { class: `series series-${s.key}` },
      svg('polyline', { points: buckets.map((b, i) => `${x(i)},${y(b[s.key])}`).join(' ') }),
      buckets.map((b, i) =>
        svg(
          'circle',
          { cx: x(i), cy: y(b[s.key]), r: 3 },
          svg('title', {}, `${s.label}, ${hourLabel(b.hour)}: ${b[s.key]}`),
        ),
      ),
    ),
  );
  const total = (key) => buckets.reduce((sum, b) => sum + b[key], 0);
  const summary = SERIES.map((s) => `${s.label} ${total(s.key)}`).join(', ');
  const figure = h(
    'figure',
    { class: 'chart' },
    svg(
      'svg',
      {
        viewBox: `0 0 ${width} ${height}`,
        role: 'img',
        'aria-label': `Events per hour. Totals: ${summary}.`,
      },
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
        SERIES.map((s) =>
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
    h('summary', {}, 'Chart data by hour'),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data compact' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Hour'),
            SERIES.map((s) => h('th', { scope: 'col' }, s.label)),
          ),
        ),
        h(
          'tbody',
          {},
          buckets.map((b) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, hourLabel(b.hour)),
              SERIES.map((s) => h('td', {}, String(b[s.key]))),
            ),
          ),
        ),
      ),
    ),
  );
  return h('div', { class: 'chart-block' }, figure, table);
}
