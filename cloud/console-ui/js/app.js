import { api, ApiError, describeError, token } from './api.js';
import { bi, clear, h } from './dom.js';
import { ROLE, label } from './i18n.js';
import { renderDevices, renderDevice } from './devices.js';
import { renderSessions, renderSession } from './sessions.js';

const main = document.getElementById('main');
const topbar = document.getElementById('topbar');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

const OPS_ROLES = ['admin', 'central_ops', 'technician'];
const SESSION_ROLES = ['admin', 'central_ops', 'supervisor', 'venue_staff'];

/** The page being shown; its cleanup (timers, aborts) runs when another page replaces it. */
let current = { cleanup: () => {} };
let me;

function signIn(message) {
  current.cleanup();
  me = undefined;
  topbar.hidden = true;
  const input = h('input#token', { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: '粘贴令牌 · paste token', 'aria-label': '访问令牌 Access token' });
  const error = h('p.error#signin-error', { role: 'alert', hidden: !message }, message ?? '');
  const form = h(
    'form.signin-card#signin',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const t = input.value.trim();
        if (!t) return;
        token.set(t);
        error.hidden = true;
        await start();
      },
    },
    h('div.brand.big', h('span.logo', '评'), h('span', h('b', '远程异地评标监控台'), h('small', 'evalroom console'))),
    h('h1', bi('登录', 'Sign in')),
    h('p.muted', '请输入您的访问令牌。令牌仅保存在本标签页中，关闭即清除。', h('br'), h('span.en', 'Enter your access token. It is kept in this tab only and cleared when the tab closes.')),
    h('label', { for: 'token' }, bi('访问令牌', 'Access token')),
    input,
    error,
    h('button.primary', { type: 'submit' }, '登录 Sign in'),
  );
  clear(main).append(h('div.signin-page', form));
  input.focus();
}

function shell() {
  topbar.hidden = false;
  clear(nav);
  const links = [];
  if (OPS_ROLES.includes(me.role)) links.push(['#/devices', '设备状态', 'Devices']);
  if (SESSION_ROLES.includes(me.role)) links.push(['#/sessions', me.role === 'supervisor' ? '监督场次' : '评标场次', 'Sessions']);
  for (const [href, zh, en] of links) nav.append(h('a', { href, dataset: { route: href.slice(2) } }, bi(zh, en)));
  const [rz, re] = label(ROLE, me.role);
  clear(who).append(
    ...[
      h('span.role', { title: me.tokenId }, bi(rz, re)),
      me.department ? h('span.scope', me.department) : null,
      me.jurisdiction ? h('span.scope', `辖区 ${me.jurisdiction}`) : null,
      h('button.ghost#signout', { type: 'button', onclick: () => { token.clear(); signIn(); } }, '退出 Sign out'),
    ].filter(Boolean),
  );
}

function route() {
  if (!me) return;
  current.cleanup();
  const [page, id] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const home = OPS_ROLES.includes(me.role) ? 'devices' : 'sessions';
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.route === (page || home));
  const ctx = { main: clear(main), me, onAuthError, setCleanup: (fn) => (current = { cleanup: fn }) };
  current = { cleanup: () => {} };
  if ((page || home) === 'devices' && OPS_ROLES.includes(me.role)) return id ? renderDevice(ctx, id) : renderDevices(ctx);
  if ((page || home) === 'sessions' && SESSION_ROLES.includes(me.role)) return id ? renderSession(ctx, id) : renderSessions(ctx);
  main.append(h('div.notice.error', { role: 'alert' }, '您的角色无权查看此页面 / Your role may not view this page'));
}

/** A 401 anywhere means the token is gone (revoked or mistyped): back to sign-in with the reason. */
function onAuthError(err) {
  if (err instanceof ApiError && err.status === 401) {
    token.clear();
    signIn(describeError(err));
    return true;
  }
  return false;
}

async function start() {
  if (!token.get()) return signIn();
  clear(main).append(h('div.loading', '正在验证令牌… Checking token…'));
  try {
    me = await api('/v1/console/me');
  } catch (err) {
    if (!onAuthError(err)) signIn(describeError(err));
    return;
  }
  shell();
  route();
}

window.addEventListener('hashchange', route);
start();
