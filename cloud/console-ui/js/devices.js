import { api, describeError } from './api.js';
import { ago, bi, clear, fmtTime, h } from './dom.js';
import { METRICS, SEVERITY, label } from './i18n.js';
import { sparkline } from './spark.js';

const REFRESH_MS = 15_000;
const DAY = 86_400_000;

const inSync = (a) => a.appliedVersion !== null && a.appliedVersion === a.desiredVersion;

function statusPill(online) {
  return online ? h('span.pill.ok', { dataset: { state: 'online' } }, bi('在线', 'Online')) : h('span.pill.bad', { dataset: { state: 'offline' } }, bi('离线', 'Offline'));
}

function versionCell(a) {
  const applied = a.appliedVersion === null ? '—' : `v${a.appliedVersion}`;
  return h(`span.version${inSync(a) ? '' : '.out-of-sync'}`, { title: inSync(a) ? '已同步 in sync' : '未同步 out of sync' }, `v${a.desiredVersion} / ${applied}`, inSync(a) ? null : h('span.tag.warn', '未同步'));
}

function errorBox(ctx, err) {
  if (ctx.onAuthError(err)) return null;
  return h('div.notice.error', { role: 'alert' }, describeError(err));
}

/** Central ops: every appliance in scope with status, versions and recent alarms; refreshed every 15 s. */
export function renderDevices(ctx) {
  const body = h('div');
  ctx.main.append(
    h('div.page-head', h('h1', bi('设备状态', 'Devices')), h('span.muted#refreshed', '')),
    body,
  );
  let timer;
  let stopped = false;
  const controller = new AbortController();
  ctx.setCleanup(() => {
    stopped = true;
    clearTimeout(timer);
    controller.abort();
  });
  const load = async () => {
    try {
      const [appliances, alarms, overdue] = await Promise.all([
        api('/v1/appliances', { signal: controller.signal }),
        api('/v1/events?type=alarm.raised&limit=200', { signal: controller.signal }),
        // footage handovers past their deadline (archive; admin and central ops)
        ['admin', 'central_ops'].includes(ctx.me.role)
          ? api('/v1/archive/overdue', { signal: controller.signal }).catch((err) => {
              if (err.status === 401 || err.name === 'AbortError') throw err;
              return [];
            })
          : Promise.resolve([]),
      ]);
      if (stopped) return;
      draw(body, appliances, alarms, overdue);
      const r = document.getElementById('refreshed');
      if (r) r.textContent = `更新于 ${fmtTime(new Date().toISOString(), true)} · auto-refresh 15 s`;
    } catch (err) {
      if (stopped || err.name === 'AbortError') return;
      const box = errorBox(ctx, err);
      if (box) clear(body).append(box);
      if (!box) return;
    }
    if (!stopped) timer = setTimeout(load, REFRESH_MS);
  };
  body.append(h('div.loading', '加载中… Loading…'));
  load();
}

function draw(body, appliances, alarms, overdue) {
  const recent = alarms.filter((e) => Date.now() - Date.parse(e.ts) < DAY);
  const byAppliance = new Map();
  for (const e of recent) byAppliance.set(e.applianceId, [...(byAppliance.get(e.applianceId) ?? []), e]);
  const online = appliances.filter((a) => a.online).length;
  const outOfSync = appliances.filter((a) => !inSync(a)).length;
  const cards = h(
    'div.cards',
    card('设备总数', 'Appliances', appliances.length, ''),
    card('在线', 'Online', online, 'ok'),
    card('离线', 'Offline', appliances.length - online, appliances.length - online ? 'bad' : ''),
    card('配置未同步', 'Out of sync', outOfSync, outOfSync ? 'warn' : ''),
    card('24 小时告警', 'Alarms (24 h)', recent.length, recent.length ? 'bad' : ''),
    overdue.length ? card('录像移交逾期', 'Footage overdue', overdue.length, 'bad') : null,
  );
  const late = overdue.length
    ? h(
        'section.block#overdue',
        h('h2', bi('录像移交逾期', 'Footage handover overdue')),
        h(
          'div.table-wrap',
          h(
            'table.grid',
            h('thead', h('tr', h('th', bi('场次', 'Session')), h('th', bi('结束', 'Ended')), h('th', bi('移交期限', 'Deadline')), h('th', bi('告警时间', 'Raised')))),
            h('tbody', overdue.map((o) => h('tr.alarm', h('td', h('a.mono', { href: `#/sessions/${encodeURIComponent(o.sessionId)}` }, o.sessionId)), h('td', fmtTime(o.endedAt)), h('td', fmtTime(o.deadlineAt)), h('td', fmtTime(o.raisedAt))))),
          ),
        ),
      )
    : null;
  if (!appliances.length) {
    clear(body).append(...[cards, h('div.empty', '您的范围内暂无设备 · No appliances in your scope'), late].filter(Boolean));
    return;
  }
  const rows = appliances.map((a) => {
    const list = byAppliance.get(a.applianceId) ?? [];
    const latest = list[0];
    return h(
      `tr${a.online ? '' : '.offline'}`,
      { dataset: { appliance: a.applianceId } },
      h('td', h('a.mono', { href: `#/devices/${encodeURIComponent(a.applianceId)}` }, a.applianceId), a.firmware ? h('div.sub', a.firmware) : null),
      h('td', h('div', a.venueName), h('div.sub', a.roomName)),
      h('td', statusPill(a.online)),
      h('td', { title: fmtTime(a.lastSeen, true) }, ago(a.lastSeen), h('div.sub', fmtTime(a.lastSeen))),
      h('td', versionCell(a)),
      h(
        'td',
        list.length
          ? h('div', h(`span.tag.flush.${latest.data?.severity === 'critical' ? 'bad' : 'warn'}`, `${list.length} 条告警`), h('div.sub.alarm-msg', { title: latest.data?.message ?? '' }, `${latest.data?.alarm ?? ''} · ${latest.data?.message ?? ''}`))
          : h('span.muted', '无 none'),
      ),
    );
  });
  const table = h(
    'table.grid#appliances',
    h('thead', h('tr', ...[['设备', 'Appliance'], ['场地 / 评标室', 'Venue / room'], ['状态', 'Status'], ['最后在线', 'Last seen'], ['期望 / 已应用版本', 'Desired / applied'], ['近期告警', 'Recent alarms']].map(([z, e]) => h('th', bi(z, e))))),
    h('tbody', rows),
  );
  clear(body).append(...[cards, h('div.table-wrap', table), late].filter(Boolean));
}

function card(zh, en, value, tone) {
  return h(`div.card${tone ? `.${tone}` : ''}`, h('div.card-value', String(value)), h('div.card-label', bi(zh, en)));
}

/** One appliance: details, telemetry sparklines of the last 6 hours (1-minute buckets) and recent events. */
export async function renderDevice(ctx, id) {
  const controller = new AbortController();
  ctx.setCleanup(() => controller.abort());
  ctx.main.append(h('div.crumbs', h('a', { href: '#/devices' }, '← 设备状态 Devices')), h('div.loading', '加载中… Loading…'));
  const to = new Date(Date.now() + 60_000);
  const from = new Date(to.getTime() - 6 * 3_600_000);
  let a;
  let listed;
  let events;
  let series;
  try {
    [a, listed, events, series] = await Promise.all([
      api(`/v1/appliances/${encodeURIComponent(id)}`, { signal: controller.signal }),
      api('/v1/appliances', { signal: controller.signal }).catch(() => []),
      api(`/v1/events?applianceId=${encodeURIComponent(id)}&limit=50`, { signal: controller.signal }),
      Promise.all(
        METRICS.map((m) =>
          api(`/v1/telemetry?applianceId=${encodeURIComponent(id)}&metric=${m.metric}&from=${from.toISOString()}&to=${to.toISOString()}&bucket=1m`, { signal: controller.signal }).catch((err) => {
            if (err.status === 401) throw err;
            return [];
          }),
        ),
      ),
    ]);
  } catch (err) {
    if (err.name === 'AbortError') return;
    ctx.main.querySelector('.loading')?.remove();
    const box = errorBox(ctx, err);
    if (box) ctx.main.append(box);
    return;
  }
  const names = listed.find((x) => x.applianceId === a.applianceId);
  // one time axis for all charts: from the oldest point within the 6 h window to now
  const firsts = series.filter((pts) => pts.length).map((pts) => Date.parse(pts[0].ts));
  const axisFrom = firsts.length ? Math.min(...firsts) : from.getTime();
  const axisTo = Date.now();
  ctx.main.querySelector('.loading')?.remove();
  ctx.main.append(
    h('div.page-head', h('h1.mono', a.applianceId), statusPill(a.online)),
    h(
      'dl.facts',
      fact('评标室', 'Room', names ? `${names.roomName} (${a.roomId})` : a.roomId),
      fact('场地', 'Venue', names ? `${names.venueName} (${a.venueId})` : a.venueId),
      fact('最后在线', 'Last seen', `${fmtTime(a.lastSeen, true)} (${ago(a.lastSeen)})`),
      fact('期望 / 已应用版本', 'Desired / applied', versionCell(a)),
      fact('固件', 'Firmware', a.firmware ?? '—'),
    ),
    h('h2', bi('运行指标（近 6 小时，每分钟）', 'Telemetry (up to 6 h, 1-min buckets)')),
    h(
      'div.charts',
      METRICS.map((m, i) => {
        const pts = series[i];
        const last = pts[pts.length - 1];
        return h(
          'figure.chart',
          { dataset: { metric: m.metric } },
          h('figcaption', bi(m.zh, m.en), h('span.latest', last ? m.fmt(last.avg) : '—')),
          sparkline(pts, { min: m.min, max: m.max, fmt: m.fmt, from: axisFrom, to: axisTo }),
        );
      }),
    ),
    h('h2', bi('近期事件', 'Recent events')),
    events.length
      ? h(
          'div.table-wrap',
          h(
            'table.grid',
            h('thead', h('tr', h('th', bi('时间', 'Time')), h('th', bi('类型', 'Type')), h('th', bi('详情', 'Detail')))),
            h('tbody', events.map((e) => h(`tr${e.type === 'alarm.raised' ? '.alarm' : ''}`, h('td', fmtTime(e.ts, true)), h('td.mono', e.type), h('td', eventDetail(e))))),
          ),
        )
      : h('div.empty', '暂无事件 · No events'),
  );
}

function eventDetail(e) {
  const d = e.data ?? {};
  if (e.type === 'alarm.raised') return h('span', h(`span.tag.flush.${d.severity === 'critical' ? 'bad' : 'warn'}`, label(SEVERITY, d.severity)[0]), ` ${d.alarm} · ${d.source} · ${d.message}`);
  if (e.type === 'alarm.cleared') return `${d.alarm} · ${d.source}`;
  if (e.type === 'checkin.admitted') return `签到 ${d.expertRef} · ${d.sessionId}`;
  if (e.type === 'checkin.rejected') return `拒绝 ${d.outcome} · ${d.reason}`;
  if (e.type === 'incident.recorded') return d.description;
  if (e.type === 'gate.entry') return `${d.gateId} · ${d.reason}`;
  return '';
}

function fact(zh, en, value) {
  return h('div.fact', h('dt', bi(zh, en)), h('dd', value));
}
