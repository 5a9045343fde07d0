// Venue staff kiosk. Plain browser JavaScript, no build step, no network beyond this appliance.
// Everything shown is put into the page with textContent (names come from ID cards: never HTML).
'use strict';

(() => {
  const TOKEN_KEY = 'evalroom.kiosk.token';
  const STAFF_KEY = 'evalroom.kiosk.staffId';
  const $ = (id) => document.getElementById(id);

  /** h('div', {class: 'x'}, 'text', child…) — a DOM node; strings become text nodes. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }
  /** Chinese label with its English line. */
  const bi = (zh, en) => [zh, h('span', { class: 'en' }, en)];

  // ------------------------------------------------------------------ API
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }
  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let generation = 0; // bumps at sign-out so old loops stop
  let abort = new AbortController();

  async function api(method, path, body) {
    let res;
    try {
      res = await fetch(path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: abort.signal,
        cache: 'no-store',
      });
    } catch (err) {
      throw new ApiError(0, 'network', err && err.name === 'AbortError' ? 'aborted' : '网络错误 Network error');
    }
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const e = data.error || {};
      throw new ApiError(res.status, e.code || 'error', e.message || res.statusText);
    }
    return data;
  }
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // ------------------------------------------------------------------ words
  const STATUS = {
    scheduled: ['未开始', 'Scheduled'],
    checking_in: ['签到中', 'Checking in'],
    in_progress: ['评标中', 'In progress'],
    signing: ['签字中', 'Signing'],
    closed: ['已结束', 'Closed'],
    archived: ['已归档', 'Archived'],
    overnight: ['隔夜评标', 'Overnight'],
    suspended: ['已暂停', 'Suspended'],
    dissolved: ['已解散', 'Dissolved'],
  };
  const KIND = {
    idreader: ['身份证读卡器', 'ID reader'],
    gate: ['闸机', 'Gate'],
    camera: ['摄像头', 'Camera'],
    tablet: ['平板', 'Tablet'],
    locker: ['手机柜', 'Lockers'],
  };
  const DOOR = {
    idle: ['门口空闲', 'Door idle', ''],
    capturing: ['正在采集人脸', 'Capturing face', 'busy'],
    verifying: ['正在比对', 'Verifying', 'busy'],
    opening: ['正在开闸', 'Opening gate', 'good'],
  };
  const pad = (n) => String(n).padStart(2, '0');
  const hm = (iso) => {
    const d = new Date(iso);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };
  const hms = (iso) => {
    const d = new Date(iso);
    return `${hm(iso)}:${pad(d.getSeconds())}`;
  };

  // ------------------------------------------------------------------ sign-in
  function showSignin(message) {
    $('main').hidden = true;
    $('signin').hidden = false;
    const err = $('signin-error');
    err.hidden = !message;
    err.textContent = message || '';
    $('token').value = '';
    $('token').focus();
  }

  function signOut(message) {
    generation++;
    abort.abort();
    abort = new AbortController();
    token = '';
    sessionStorage.removeItem(TOKEN_KEY);
    for (const d of document.querySelectorAll('dialog[open]')) d.close();
    showSignin(message);
  }

  $('signin-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    token = $('token').value.trim();
    if (!token) return showSignin('请输入工作人员令牌 · Enter the staff token');
    const button = ev.target.querySelector('button');
    button.disabled = true;
    try {
      await api('GET', '/status');
      sessionStorage.setItem(TOKEN_KEY, token);
      start();
    } catch (err) {
      token = '';
      showSignin(err.status === 401 ? '令牌错误，请重新输入 · Wrong staff token, try again' : `无法连接设备 · Cannot reach the appliance (${err.message})`);
    } finally {
      button.disabled = false;
    }
  });
  $('signout').addEventListener('click', () => signOut(''));

  // ------------------------------------------------------------------ main screen
  const state = { entries: [], sessions: [], feedCursor: '' };

  function start() {
    $('signin').hidden = true;
    $('main').hidden = false;
    const gen = ++generation;
    renderFeed();
    void feedLoop(gen);
    void every(gen, 3000, refreshStatus);
    void every(gen, 15000, refreshSessions);
  }

  async function every(gen, ms, fn) {
    while (gen === generation) {
      await fn(gen).catch((err) => failed(gen, err));
      await sleep(ms);
    }
  }

  function failed(gen, err) {
    if (gen !== generation) return;
    if (err.status === 401) return signOut('令牌已失效，请重新登录 · Token no longer valid, sign in again');
    $('link').hidden = false;
  }

  async function feedLoop(gen) {
    let cursor = '0'; // the first answer comes at once
    while (gen === generation) {
      try {
        const r = await api('GET', `/kiosk/feed/${cursor}`);
        if (gen !== generation) return;
        $('link').hidden = true;
        const changed = r.cursor !== state.feedCursor;
        cursor = r.cursor;
        state.feedCursor = r.cursor;
        state.entries = r.entries;
        renderFeed();
        if (changed) {
          void refreshSessions(gen).catch((err) => failed(gen, err));
          void refreshStatus(gen).catch((err) => failed(gen, err));
        }
      } catch (err) {
        failed(gen, err);
        await sleep(2000);
      }
    }
  }

  async function refreshStatus(gen) {
    const s = await api('GET', '/status');
    if (gen !== generation) return;
    $('link').hidden = true;
    $('room').textContent = s.roomId;
    const cloud = $('cloud');
    cloud.className = `pill ${s.cloudConnected ? 'good' : 'bad'}`;
    cloud.replaceChildren(...(s.cloudConnected ? bi('云端已连接', 'Cloud connected') : bi('云端未连接', 'Cloud offline')));
    const outbox = $('outbox');
    outbox.className = `pill ${s.outboxPending > 0 && !s.cloudConnected ? 'busy' : ''}`;
    outbox.replaceChildren(...bi(`待上报 ${s.outboxPending}`, `Outbox ${s.outboxPending}`));
    const door = $('door');
    const d = DOOR[(s.door && s.door.phase) || ''] || ['签到未启用', 'Check-in off', 'bad'];
    door.className = `pill ${d[2]}`;
    door.replaceChildren(...bi(d[0], d[1]));
    $('devices').replaceChildren(
      ...s.devices.map((dev) => {
        const k = KIND[dev.kind] || [dev.kind, dev.kind];
        return h(
          'li',
          { 'data-device': dev.deviceId },
          h('span', { class: 'kind' }, k[0], h('span', { class: 'en' }, k[1]), h('span', { class: 'id' }, dev.deviceId)),
          h('span', { class: `dot ${dev.online ? 'on' : 'off'}` }, dev.online ? '在线 Online' : '离线 Offline'),
        );
      }),
    );
  }

  async function refreshSessions(gen) {
    const r = await api('GET', '/kiosk/sessions');
    if (gen !== generation) return;
    state.sessions = r.sessions;
    $('sessions-empty').hidden = r.sessions.length > 0;
    $('sessions').replaceChildren(
      ...r.sessions.map((s) => {
        const st = STATUS[s.status] || [s.status, s.status];
        return h(
          'li',
          { 'data-session': s.sessionId },
          h(
            'div',
            { class: 'session-head' },
            h('span', { class: 'session-name' }, s.projectName),
            s.checkInOpen ? h('span', { class: 'tag open' }, ...bi('签到开放', 'Check-in open')) : h('span', { class: 'tag closed' }, ...bi('签到关闭', 'Check-in closed')),
          ),
          h('div', { class: 'session-code' }, `${s.projectCode} · ${st[0]} ${st[1]}`),
          s.lots.length ? h('div', { class: 'session-lots' }, `标段 Lots: ${s.lots.map((l) => `${l.code} ${l.name}`).join('；')}`) : null,
          h('div', { class: 'session-times' }, `评标 ${hm(s.startsAt)}–${hm(s.endsAt)} · 签到 Check-in ${hm(s.checkInOpensAt)}–${hm(s.checkInClosesAt)}`),
          h('div', { class: 'session-times' }, `已签到 Checked in: ${s.admitted} / ${s.rosterSize}`),
        );
      }),
    );
    fillSessionSelect();
    renderFeed(); // the override summary names the session
  }

  function renderFeed() {
    $('feed-empty').hidden = state.entries.length > 0;
    $('feed').replaceChildren(...state.entries.map(renderEntry));
  }

  function renderEntry(e) {
    const admitted = e.outcome === 'admitted' || e.outcome === 'admitted_by_staff';
    const who = [];
    if (e.name) who.push(h('b', { class: 'name' }, e.name));
    if (e.workstation) who.push(h('span', { class: 'ws' }, `工位 ${e.workstation}`, h('span', { class: 'en' }, `Workstation ${e.workstation}`)));
    if (e.lockerSlot)
      who.push(
        e.lockerReleased
          ? h('span', { class: 'locker-slot released' }, `手机柜 ${e.lockerSlot} 号已取回`, h('span', { class: 'en' }, `Locker ${e.lockerSlot} returned`))
          : h('span', { class: 'locker-slot' }, `手机柜 ${e.lockerSlot} 号`, h('span', { class: 'en' }, `Locker ${e.lockerSlot}`)),
      );
    if (e.kind === 'incident' && e.staffId) who.push(h('span', {}, `记录人 ${e.staffId}`));
    const buttons = [];
    if (e.overridable) buttons.push(h('button', { class: 'btn override', 'data-action': 'override', onclick: () => openOverride(e) }, ...bi('人工放行', 'Override')));
    // The appliance's technical reason, unless it only repeats the outcome's name.
    const detail = e.outcome === 'admitted_by_staff' ? `放行人 ${e.staffId || ''}：${e.detail || ''}` : admitted || e.detail === e.outcome ? '' : e.detail || '';
    return h(
      'li',
      { class: `entry ${e.text.tone}`, 'data-checkin': e.checkinId, 'data-outcome': e.outcome || e.kind },
      h('div', { class: 'bar' }),
      h(
        'div',
        { class: 'body' },
        h('div', { class: 'head' }, h('time', { datetime: e.at }, hms(e.at)), h('span', { class: 'label' }, e.text.zh, h('span', { class: 'en' }, e.text.en))),
        who.length ? h('div', { class: 'who' }, ...who) : null,
        e.overriddenBy
          ? h('span', { class: 'badge' }, `已人工放行（${e.overriddenBy.staffId}）`, h('span', { class: 'en' }, 'Admitted by staff'))
          : h('div', { class: 'action' }, `→ ${e.text.actionZh}`, h('span', { class: 'en' }, e.text.actionEn)),
        detail ? h('div', { class: 'detail' }, detail) : null,
      ),
      h('div', { class: 'buttons' }, ...buttons),
    );
  }

  // ------------------------------------------------------------------ override
  let overriding = null;
  function openOverride(e) {
    overriding = e;
    const st = state.sessions.find((s) => s.sessionId === e.sessionId);
    $('override-summary').replaceChildren(
      `${hms(e.at)} · ${e.text.zh}${e.name ? ` · ${e.name}` : ''}${st ? ` · ${st.projectName}` : ''}`,
      h('span', { class: 'en' }, e.text.en),
    );
    $('override-staff').value = sessionStorage.getItem(STAFF_KEY) || '';
    $('override-reason').value = '';
    $('override-result').hidden = true;
    $('override-submit').hidden = false;
    $('override-submit').disabled = false;
    $('override-dialog').showModal();
    ($('override-staff').value ? $('override-reason') : $('override-staff')).focus();
  }
  $('override-cancel').addEventListener('click', () => $('override-dialog').close());
  $('override-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const staffId = $('override-staff').value.trim();
    const reason = $('override-reason').value.trim();
    if (!staffId || reason.length < 3) return showResult('override-result', false, '请填写工号和至少 3 个字的理由 · Staff ID and a reason of 3+ characters are required');
    $('override-submit').disabled = true;
    try {
      await api('POST', `/checkins/${encodeURIComponent(overriding.checkinId)}/override`, { staffId, reason });
      sessionStorage.setItem(STAFF_KEY, staffId);
      showResult('override-result', true, '已人工放行，闸机已打开 · Admitted by staff, the gate is open');
      $('override-submit').hidden = true;
      $('override-cancel').replaceChildren(...bi('完成', 'Done'));
    } catch (err) {
      if (err.status === 401) return signOut('令牌已失效，请重新登录 · Token no longer valid, sign in again');
      $('override-submit').disabled = false;
      showResult('override-result', false, `放行失败 · Override refused: ${err.message}`);
    }
  });
  $('override-dialog').addEventListener('close', () => $('override-cancel').replaceChildren(...bi('取消', 'Cancel')));

  function showResult(id, ok, text) {
    const el = $(id);
    el.hidden = false;
    el.className = `result ${ok ? 'ok' : 'bad'}`;
    el.textContent = text;
  }

  // ------------------------------------------------------------------ incidents
  function fillSessionSelect() {
    const sel = $('incident-session');
    const current = sel.value;
    sel.replaceChildren(
      h('option', { value: '' }, '不关联具体评标 · No specific session'),
      ...state.sessions.map((s) => h('option', { value: s.sessionId }, `${s.projectCode} ${s.projectName}`)),
    );
    sel.value = current;
  }
  $('incident-open').addEventListener('click', () => {
    fillSessionSelect();
    $('incident-description').value = '';
    $('incident-handling').value = '';
    $('incident-staff').value = sessionStorage.getItem(STAFF_KEY) || '';
    $('incident-result').hidden = true;
    $('incident-submit').disabled = false;
    $('incident-dialog').showModal();
    $('incident-description').focus();
  });
  $('incident-cancel').addEventListener('click', () => $('incident-dialog').close());
  $('incident-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {
      description: $('incident-description').value.trim(),
      handling: $('incident-handling').value.trim(),
      staffId: $('incident-staff').value.trim(),
    };
    const sessionId = $('incident-session').value;
    if (sessionId) body.sessionId = sessionId;
    if (!body.description || !body.handling || !body.staffId) return showResult('incident-result', false, '请填写事件经过、处理情况和工号 · Fill in what happened, the handling and your staff ID');
    $('incident-submit').disabled = true;
    try {
      const r = await api('POST', '/kiosk/incidents', body);
      sessionStorage.setItem(STAFF_KEY, body.staffId);
      showResult('incident-result', true, `事件已记录（第 ${r.seq} 号），等待上报云端 · Incident recorded (#${r.seq}), queued for the cloud`);
      $('incident-description').value = '';
      $('incident-handling').value = '';
    } catch (err) {
      if (err.status === 401) return signOut('令牌已失效，请重新登录 · Token no longer valid, sign in again');
      showResult('incident-result', false, `记录失败 · Not recorded: ${err.message}`);
    } finally {
      $('incident-submit').disabled = false;
    }
  });

  // ------------------------------------------------------------------ clock and boot
  const tick = () => {
    const d = new Date();
    $('clock').textContent = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  };
  tick();
  setInterval(tick, 1000);

  if (token) {
    api('GET', '/status').then(start, (err) => (err.status === 401 ? signOut('令牌已失效，请重新登录 · Token no longer valid, sign in again') : start()));
  } else showSignin('');
})();
