import { api, describeError } from './api.js';
import { bi, clear, fmtTime, h } from './dom.js';
import { ACTION, EXPERT_ROLE, MAIN_PATH, METHOD, OFFER, OUTCOME, ROLE, STATUS, label } from './i18n.js';

function statusPill(status) {
  const [zh, en] = label(STATUS, status);
  const tone = ['in_progress', 'checking_in', 'signing', 'overnight'].includes(status) ? 'live' : ['closed', 'archived'].includes(status) ? 'done' : MAIN_PATH.includes(status) ? 'plan' : 'bad';
  return h(`span.pill.${tone}`, { dataset: { status } }, bi(zh, en));
}

function errorBox(ctx, err) {
  if (ctx.onAuthError(err)) return null;
  return h('div.notice.error', { role: 'alert' }, describeError(err));
}

/** The sessions the caller may see (a supervisor: their department's), newest first. */
export async function renderSessions(ctx) {
  const controller = new AbortController();
  ctx.setCleanup(() => controller.abort());
  const title = ctx.me.role === 'supervisor' ? ['监督场次', 'Supervised sessions'] : ['评标场次', 'Sessions'];
  const filter = h('input.filter', { type: 'search', placeholder: '搜索项目编号或名称 · search project', 'aria-label': '搜索 Search' });
  const body = h('div', h('div.loading', '加载中… Loading…'));
  ctx.main.append(h('div.page-head', h('h1', bi(...title)), ctx.me.department ? h('span.muted', `监督部门 ${ctx.me.department}`) : null, filter), body);
  let sessions;
  try {
    sessions = await api('/v1/sessions', { signal: controller.signal });
  } catch (err) {
    if (err.name === 'AbortError') return;
    const box = errorBox(ctx, err);
    if (box) clear(body).append(box);
    return;
  }
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = sessions.filter((s) => !q || `${s.projectCode} ${s.projectName}`.toLowerCase().includes(q));
    if (!shown.length) return clear(body).append(h('div.empty', sessions.length ? '没有匹配的场次 · No match' : '暂无场次 · No sessions'));
    clear(body).append(
      h(
        'div.table-wrap',
        h(
          'table.grid#sessions',
          h('thead', h('tr', ...[['项目', 'Project'], ['状态', 'Status'], ['开始', 'Starts'], ['结束', 'Ends'], ['监督部门', 'Department'], ['人数', 'Roster']].map(([z, e]) => h('th', bi(z, e))))),
          h(
            'tbody',
            shown.map((s) =>
              h(
                'tr',
                { dataset: { session: s.sessionId } },
                h('td', h('a', { href: `#/sessions/${encodeURIComponent(s.sessionId)}` }, h('b', s.projectName)), h('div.sub.mono', `${s.projectCode} · ${s.sessionId}`)),
                h('td', statusPill(s.status), s.sealed ? h('span.tag.seal', { title: '开始前名单密封 sealed until the start' }, '密封 sealed') : null),
                h('td', fmtTime(s.startsAt)),
                h('td', fmtTime(s.endsAt)),
                h('td', s.supervisingDepartment ?? '—'),
                h('td.num', String(s.rosterSize)),
              ),
            ),
          ),
        ),
      ),
    );
  };
  filter.addEventListener('input', draw);
  draw();
}

/** One session: lifecycle, transitions, sign-ins, roster, check-in rejections, incidents, footage. */
export async function renderSession(ctx, id) {
  const controller = new AbortController();
  ctx.setCleanup(() => controller.abort());
  ctx.main.append(h('div.crumbs', h('a', { href: '#/sessions' }, '← 场次列表 Sessions')), h('div.loading', '加载中… Loading…'));
  const get = (path) => api(path, { signal: controller.signal });
  const optional = (p) => p.catch((err) => {
    if (err.status === 401 || err.name === 'AbortError') throw err;
    return { error: err };
  });
  const enc = encodeURIComponent(id);
  // the footage archive (if this cloud has it) answers admin, central ops and supervisors
  const footageRoles = ['admin', 'central_ops', 'supervisor'];
  let s, signins, records, transitions, venues, rooms, footage;
  try {
    [s, signins, records, transitions, venues, rooms, footage] = await Promise.all([
      get(`/v1/sessions/${enc}`),
      optional(get(`/v1/sessions/${enc}/signins`)),
      optional(get(`/v1/sessions/${enc}/records`)),
      optional(get(`/v1/sessions/${enc}/transitions`)),
      optional(get('/v1/venues')),
      optional(get('/v1/rooms')),
      footageRoles.includes(ctx.me.role) ? optional(get(`/v1/archive/sessions/${enc}`)) : Promise.resolve(undefined),
    ]);
  } catch (err) {
    if (err.name === 'AbortError') return;
    ctx.main.querySelector('.loading')?.remove();
    const box = errorBox(ctx, err);
    if (box) ctx.main.append(box);
    return;
  }
  ctx.main.querySelector('.loading')?.remove();
  // the session row stores the coarse contract status (e.g. converted_local → dissolved, faults →
  // suspended); the last recorded transition names the precise lifecycle state
  const log = Array.isArray(transitions) ? transitions : [];
  const lifecycle = log.length ? log[log.length - 1].toStatus : s.status;
  const venueName = new Map((Array.isArray(venues) ? venues : []).map((v) => [v.id, v.name]));
  const roomName = new Map((Array.isArray(rooms) ? rooms : []).map((r) => [r.id, r.name]));
  const room = (rid) => (roomName.has(rid) ? h('span', roomName.get(rid), h('span.sub.mono', ` ${rid}`)) : h('span.mono', rid));

  ctx.main.append(
    h('div.page-head', h('h1', s.projectName), statusPill(lifecycle), s.sealed ? h('span.tag.seal', '名单密封 sealed') : null),
    h(
      'dl.facts',
      fact('项目编号', 'Project code', h('span.mono', s.projectCode)),
      fact('场次', 'Session', h('span.mono', s.sessionId)),
      fact('主场', 'Main venue', venueName.get(s.mainVenueId) ?? s.mainVenueId),
      fact('监督部门', 'Department', s.supervisingDepartment ?? '—'),
      fact('评标时间', 'Time', `${fmtTime(s.startsAt)} – ${fmtTime(s.endsAt)}`),
      fact('签到时段', 'Check-in', `${fmtTime(s.checkInOpensAt)} – ${fmtTime(s.checkInClosesAt)}`),
      fact('标段', 'Lots', s.lots.map((l) => `${l.code} ${l.name}`).join('；')),
      fact('名单人数', 'Roster', String(s.rosterSize)),
    ),
    stepper(lifecycle),
    actionsPanel(ctx, lifecycle, s),
    section('流转记录', 'Lifecycle transitions', 'transitions', transitionsTable(transitions)),
    section('签到记录', 'Sign-ins', 'signins', signinsTable(signins, room)),
    section('名单', 'Roster', 'roster', rosterView(s, room)),
    section('签到拒绝', 'Check-in rejections', 'rejections', rejectionsTable(records, room)),
    section('现场事件', 'Incidents', 'incidents', incidentsTable(records, room)),
    section('录像', 'Footage', 'footage', footageView(footage)),
  );
}

function stepper(status) {
  const at = MAIN_PATH.indexOf(status);
  const exceptional = at < 0;
  return h(
    'ol.stepper',
    { 'aria-label': '生命周期 Lifecycle' },
    MAIN_PATH.map((st, i) => {
      const [zh, en] = label(STATUS, st);
      const cls = i < at ? 'done' : i === at ? 'current' : 'todo';
      return h(`li.${cls}`, h('span.step-dot', String(i + 1)), bi(zh, en));
    }),
    exceptional ? h('li.exception', h('span.step-dot', '!'), bi(...label(STATUS, status))) : null,
  );
}

/**
 * Buttons for the lifecycle actions this role may take from the current status. Every action
 * needs a written reason; the cloud records who, when, why and may refuse (its reason is shown).
 */
function actionsPanel(ctx, status, s) {
  const offered = Object.entries(OFFER).filter(([, o]) => o.from.includes(status) && o.roles.includes(ctx.me.role));
  if (!offered.length) return null;
  const form = h('form.action-form', { hidden: true });
  const panel = h('div.actions#actions', h('span.actions-label', bi('操作', 'Actions')), offered.map(([action, o]) => h(`button.action${o.emergency ? '.danger' : ''}`, { type: 'button', dataset: { action }, onclick: () => open(action) }, bi(...label(ACTION, action)))), form);
  const open = (action) => {
    const reason = h('textarea', { name: 'reason', rows: 2, required: true, maxlength: 2000, placeholder: '原因（必填，将记录）· reason (required, recorded)' });
    const consent = h('input', { type: 'checkbox', name: 'consent' });
    const error = h('p.error', { role: 'alert', hidden: true });
    const needsConsent = ctx.me.role !== 'supervisor' && (action === 'fallback_local' || action === 'dissolve');
    clear(form).append(
      h('div.action-title', bi(...label(ACTION, action))),
      reason,
      ...(needsConsent ? [h('label.check', consent, ' 已取得监督部门同意 · supervision department consented')] : []),
      error,
      h('div.action-buttons', h('button.confirm', { type: 'submit' }, '确认 Confirm'), h('button.cancel', { type: 'button', onclick: () => (form.hidden = true) }, '取消 Cancel')),
    );
    form.onsubmit = async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) return;
      try {
        await api(`/v1/sessions/${encodeURIComponent(s.sessionId)}/transitions`, { method: 'POST', body: { action, reason: reason.value.trim(), ...(needsConsent ? { supervisorConsent: consent.checked } : {}) } });
        window.dispatchEvent(new HashChangeEvent('hashchange')); // re-render this session
      } catch (err) {
        if (ctx.onAuthError(err)) return;
        error.textContent = err.status === 409 || err.status === 403 ? `未执行 / Refused: ${err.message}` : describeError(err);
        error.hidden = false;
      }
    };
    form.hidden = false;
    reason.focus();
  };
  return panel;
}

function section(zh, en, id, content) {
  return h(`section.block#${id}`, h('h2', bi(zh, en)), content);
}

function unavailable(x) {
  return x && x.error ? h('div.notice', describeError(x.error)) : null;
}

function table(headers, rows, empty) {
  if (!rows.length) return h('div.empty', empty);
  return h('div.table-wrap', h('table.grid', h('thead', h('tr', headers.map(([z, e]) => h('th', bi(z, e))))), h('tbody', rows)));
}

function transitionsTable(list) {
  if (unavailable(list)) return unavailable(list);
  return table(
    [['时间', 'Time'], ['操作', 'Action'], ['状态变化', 'From → to'], ['操作人', 'By'], ['原因', 'Reason']],
    list.map((t) =>
      h(
        `tr${t.emergency ? '.alarm' : ''}`,
        h('td', fmtTime(t.at ?? t.createdAt, true)),
        h('td', bi(...label(ACTION, t.action))),
        h('td', `${label(STATUS, t.fromStatus)[0]} → ${label(STATUS, t.toStatus)[0]}`),
        h('td', label(ROLE, t.actorRole)[0]),
        h('td', t.reason || '—', t.clause ? h('div.sub', t.clause) : null),
      ),
    ),
    '暂无流转记录 · No transitions yet',
  );
}

function signinsTable(list, room) {
  if (unavailable(list)) return unavailable(list);
  const showNames = list.some((x) => x.name !== undefined);
  const headers = [['到达时间', 'Arrived'], ['评标室', 'Room'], ['席位', 'Seat'], ['人员编号', 'Ref'], ...(showNames ? [['姓名', 'Name']] : []), ['方式', 'Method']];
  return table(
    headers,
    list.map((x) =>
      h(
        'tr',
        h('td', fmtTime(x.arrivedAt, true)),
        h('td', room(x.roomId)),
        h('td', x.workstation ?? '—'),
        h('td.mono', x.expertRef),
        showNames ? h('td', x.name ?? '—') : null,
        h('td', label(METHOD, x.method)[0]),
      ),
    ),
    '暂无签到 · No sign-ins yet',
  );
}

function rosterView(s, room) {
  if (!s.assignments) return h('div.empty', s.sealed ? '开始前名单密封 · Assignments are sealed until the start' : '您的角色不可见分配 · Assignments are not visible to your role');
  const rows = s.assignments.flatMap((a) =>
    a.roster.map((e) =>
      h(
        'tr',
        h('td', room(a.roomId)),
        h('td', e.workstation ?? '—'),
        h('td.mono', e.expertRef),
        h('td', label(EXPERT_ROLE, e.role)[0]),
        h('td', e.identity ? e.identity.name : h('span.muted', '—')),
        h('td', e.admitted ? h('span.pill.ok', '已签到') : h('span.pill.plan', '未签到')),
      ),
    ),
  );
  return table([['评标室', 'Room'], ['席位', 'Seat'], ['人员编号', 'Ref'], ['角色', 'Role'], ['姓名', 'Name'], ['签到', 'Signed in']], rows, '名单为空 · Empty roster');
}

function rejectionsTable(records, room) {
  if (unavailable(records)) return unavailable(records);
  return table(
    [['时间', 'Time'], ['评标室', 'Room'], ['人员编号', 'Ref'], ['结果', 'Outcome'], ['原因', 'Reason']],
    records.rejections.map((x) => h('tr', h('td', fmtTime(x.at, true)), h('td', room(x.roomId)), h('td.mono', x.expertRef ?? '—'), h('td', h('span.tag.warn', label(OUTCOME, x.outcome)[0])), h('td', x.reason))),
    '无签到拒绝 · No rejections',
  );
}

function incidentsTable(records, room) {
  if (unavailable(records)) return unavailable(records);
  return table(
    [['时间', 'Time'], ['评标室', 'Room'], ['事件', 'Incident'], ['处置', 'Handling'], ['记录人', 'Staff']],
    records.incidents.map((x) => h('tr', h('td', fmtTime(x.at, true)), h('td', room(x.roomId)), h('td', x.description), h('td', x.handling), h('td.mono', x.staffId))),
    '无现场事件 · No incidents',
  );
}

/** Archived evidence bundles of the session (write-once archive), with the handover deadline. */
function footageView(list) {
  if (list === undefined) return h('div.empty', '您的角色不可查看录像归档 · Footage archive not available to your role');
  // 404: this cloud has no archive module (yet); same as nothing archived
  if (list && list.error && list.error.status !== 404) return unavailable(list);
  if (!Array.isArray(list) || !list.length) return h('div.empty', '暂无归档录像 · No footage archived yet');
  const mb = (n) => (n < 1_048_576 ? `${(n / 1024).toFixed(1)} KB` : n < 1_073_741_824 ? `${(n / 1_048_576).toFixed(1)} MB` : `${(n / 1_073_741_824).toFixed(2)} GB`);
  return table(
    [['设备', 'Appliance'], ['归档编号', 'Archive id'], ['接收时间', 'Received'], ['移交期限', 'Deadline'], ['大小', 'Size'], ['SHA-256', 'Bundle hash']],
    list.map((b) =>
      h(
        `tr${b.onTime ? '' : '.alarm'}`,
        { dataset: { archive: b.archiveId } },
        h('td.mono', b.applianceId),
        h('td.mono', b.archiveId),
        h('td', fmtTime(b.receivedAt, true)),
        h('td', fmtTime(b.deadlineAt), b.onTime ? h('span.tag.ok', '按期 on time') : h('span.tag.bad', '逾期 late')),
        h('td.num', mb(b.totalSize)),
        h('td.mono', { title: b.bundleSha256 }, `${b.bundleSha256.slice(0, 16)}…`),
      ),
    ),
    '暂无归档录像 · No footage archived yet',
  );
}

function fact(zh, en, value) {
  return h('div.fact', h('dt', bi(zh, en)), h('dd', value));
}
