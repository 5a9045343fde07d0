import { h, svg, fmtTime } from './dom.js';

/**
 * An inline SVG sparkline of 1-minute buckets: the average as a line, the min–max band shaded,
 * the latest value as a dot. `points` are TelemetryPoint {ts, avg, min, max}.
 */
export function sparkline(points, { width = 320, height = 64, min, max, fmt = String, from, to } = {}) {
  if (!points.length) return h('div.spark-empty', '暂无数据 · no data');
  const t0 = from ?? Date.parse(points[0].ts);
  const t1 = Math.max(to ?? Date.parse(points[points.length - 1].ts), t0 + 1);
  let lo = min ?? Math.min(...points.map((p) => p.min));
  let hi = max ?? Math.max(...points.map((p) => p.max));
  if (hi === lo) {
    hi += 1;
    lo -= lo === 0 ? 0 : 1;
  }
  const pad = 4;
  const x = (ts) => pad + ((Date.parse(ts) - t0) / (t1 - t0)) * (width - 2 * pad);
  const y = (v) => height - pad - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * (height - 2 * pad);
  const line = points.map((p) => `${x(p.ts).toFixed(1)},${y(p.avg).toFixed(1)}`).join(' ');
  const band = [...points.map((p) => `${x(p.ts).toFixed(1)},${y(p.max).toFixed(1)}`), ...[...points].reverse().map((p) => `${x(p.ts).toFixed(1)},${y(p.min).toFixed(1)}`)].join(' ');
  const last = points[points.length - 1];
  const chart = svg(
    'svg',
    { class: 'spark', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `latest ${fmt(last.avg)}` },
    svg('polygon', { class: 'spark-band', points: band }),
    svg('polyline', { class: 'spark-line', points: line }),
    svg('circle', { class: 'spark-dot', cx: x(last.ts).toFixed(1), cy: y(last.avg).toFixed(1), r: 3 }),
    svg('title', {}, `${fmtTime(last.ts)} · ${fmt(last.avg)} (min ${fmt(last.min)}, max ${fmt(last.max)})`),
  );
  return h(
    'div.spark-wrap',
    chart,
    h('div.spark-axis', h('span', fmtTime(new Date(t0).toISOString())), h('span', `${fmt(lo)} – ${fmt(hi)}`), h('span', fmtTime(new Date(t1).toISOString()))),
  );
}
