import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { MqttClient } from 'mqtt';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { cloudTopics, type ApplianceRegistered, type DesiredState, type TokenIssued } from '@evalroom/contracts';
import { idNumber, seedDirectory, sessionBody, startTestCloud, type TestCloud } from '../support/cloud';
import { eventually, mqttClient, type Inbox } from '../support/mqtt';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Names and ID numbers of the seeded sessions: none may reach a role that may not see them. */
const A_NAMES = ['张三', '李四', '王五'];
const B_NAMES = ['赵六'];
const ID_NUMBERS = [idNumber(1), idNumber(2), idNumber(3), idNumber(9)];

/**
 * The console in real Chromium against a real cloud (PostgreSQL, embedded broker), data seeded
 * through the API and the appliance's own MQTT credentials.
 */
describe('web console', () => {
  let cloud: TestCloud;
  let ctx: BrowserContext;
  let profile: string;
  let shots: string;
  let box: { client: MqttClient; inbox: Inbox };
  let reg: ApplianceRegistered;
  let regB: ApplianceRegistered;
  let pg: Client;
  const tokens: Record<'ops' | 'supA' | 'supB', string> = { ops: '', supA: '', supB: '' };
  let sessionA = '';
  let sessionB = '';
  let signedRef = '';
  let archiveId = '';
  let lateSession = '';

  /** Hands a (signed, footage-less) evidence bundle of the session to the archive as the appliance does. */
  async function handOverEmptyBundle(sessionId: string): Promise<string> {
    const keys = generateKeyPairSync('ed25519');
    const publicKeyPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const manifest = Buffer.from(
      JSON.stringify({
        v: 1, kind: 'evalroom-evidence-bundle', applianceId: reg.applianceId, createdAt: new Date().toISOString(), selection: { sessionId },
        sessions: [{ sessionId, lotIds: ['lot-1'] }], publicKeyPem, keyId: createHash('sha256').update(publicKeyPem).digest('hex'), cameras: [], files: [], omitted: [],
      }),
    );
    const sig = Buffer.from(sign(null, manifest, keys.privateKey).toString('base64'));
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const headers = { authorization: `Basic ${Buffer.from(`${reg.applianceId}:${reg.mqtt.password}`).toString('base64')}` };
    const call = async <T>(method: string, path: string, body?: Buffer | object, extra: Record<string, string> = {}) => {
      const res = await fetch(cloud.httpUrl + path, {
        method,
        headers: { ...headers, ...extra, ...(body && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`archive ${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const all = Buffer.concat([manifest, sig]);
    const init = await call<{ uploadId: string }>('POST', '/v1/archive/uploads', {
      sessionId, applianceId: reg.applianceId, bundleSha256: sha(manifest), totalSize: all.length, chunkSize: 65536, sessionEndedAt: new Date().toISOString(),
      files: [{ path: 'manifest.json', size: manifest.length, sha256: sha(manifest) }, { path: 'manifest.sig', size: sig.length, sha256: sha(sig) }],
    });
    await call('PUT', `/v1/archive/uploads/${init.uploadId}/chunks/0`, all, { 'content-type': 'application/octet-stream', 'x-chunk-sha256': sha(all) });
    return (await call<{ archiveId: string }>('POST', `/v1/archive/uploads/${init.uploadId}/complete`)).archiveId;
  }

  beforeAll(async () => {
    cloud = await startTestCloud();
    const dir = await seedDirectory(cloud);
    reg = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `box-${dir.roomA}`, roomId: dir.roomA })).body;
    regB = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `box-${dir.roomB}`, roomId: dir.roomB })).body;
    const issue = async (body: object) => (await cloud.api<TokenIssued>('POST', '/v1/tokens', body)).body.token;
    tokens.ops = await issue({ role: 'central_ops', label: 'ops' });
    tokens.supA = await issue({ role: 'supervisor', label: 'sup A', department: 'dept-A' });
    tokens.supB = await issue({ role: 'supervisor', label: 'sup B', department: 'dept-B' });

    box = await mqttClient(reg.mqtt.url, { clientId: reg.applianceId, username: reg.applianceId, password: reg.mqtt.password });
    const desired = cloudTopics.appliance(reg.applianceId, 'desired');
    await box.client.subscribeAsync(desired, { qos: 1 });
    sessionA = (await cloud.api<{ sessionId: string }>('POST', '/v1/sessions', sessionBody(dir, -5, { supervisingDepartment: 'dept-A', projectName: '沈阳市政道路工程' }))).body.sessionId;
    sessionB = (
      await cloud.api<{ sessionId: string }>(
        'POST',
        '/v1/sessions',
        sessionBody(dir, -5, { supervisingDepartment: 'dept-B', projectCode: 'P-B', projectName: '大连港口设备采购', assignments: [{ roomId: dir.roomA, experts: [{ name: B_NAMES[0], idNumber: idNumber(9), workstation: 'A2' }] }] }),
      )
    ).body.sessionId;
    // a session that ended two weeks ago and whose footage never reached the archive
    lateSession = (await cloud.api<{ sessionId: string }>('POST', '/v1/sessions', sessionBody(dir, -20_160, { supervisingDepartment: 'dept-C', projectCode: 'P-LATE' }))).body.sessionId;
    const moved = await cloud.api('POST', `/v1/sessions/${sessionA}/transitions`, { action: 'start_check_in', reason: '签到开始' });
    expect(moved.status).toBe(201);
    const doc = await box.inbox.waitFor<DesiredState>(desired, (d) => d.sessions.some((s) => s.sessionId === sessionA && s.status === 'checking_in') && d.sessions.some((s) => s.sessionId === sessionB));
    const roster = doc.sessions.find((s) => s.sessionId === sessionA)!.roster;
    signedRef = roster[0]!.expertRef;

    // the appliance reports, signs one expert in, rejects one card, raises an alarm, sends telemetry
    const t = (c: 'events' | 'reported' | 'telemetry') => cloudTopics.appliance(reg.applianceId, c);
    const now = Date.now();
    await box.client.publishAsync(t('reported'), JSON.stringify({ v: 1, applianceId: reg.applianceId, online: true, ts: new Date().toISOString(), appliedVersion: doc.version, firmware: 'edge 0.1.0' }), { qos: 1 });
    const event = (seq: number, type: string, data: object) => JSON.stringify({ v: 1, eventId: randomUUID(), applianceId: reg.applianceId, seq, ts: new Date(now - 60_000 + seq).toISOString(), type, data });
    await box.client.publishAsync(t('events'), event(1, 'checkin.admitted', { checkinId: `c-${randomUUID()}`, sessionId: sessionA, expertRef: roster[0]!.expertRef, arrivedAt: new Date(now - 120_000).toISOString(), method: 'face', workstation: roster[0]!.workstation }), { qos: 1 });
    await box.client.publishAsync(t('events'), event(2, 'checkin.rejected', { checkinId: `c-${randomUUID()}`, sessionId: sessionA, expertRef: roster[1]!.expertRef, outcome: 'face_mismatch', reason: 'face score 0.31 < 0.62' }), { qos: 1 });
    await box.client.publishAsync(t('events'), event(3, 'alarm.raised', { alarm: 'camera.lost', severity: 'critical', source: 'cam-2', message: 'RTSP stream lost' }), { qos: 1 });
    await box.client.publishAsync(t('events'), event(4, 'incident.recorded', { sessionId: sessionA, description: '专家手机未存入储物柜', handling: '已提醒并存放', staffId: 'staff-07' }), { qos: 1 });
    const samples = [];
    for (let m = 60; m >= 1; m--) {
      const ts = new Date(now - m * 60_000).toISOString();
      samples.push({ ts, metric: 'device.online', value: m === 20 ? 0.5 : 1 }, { ts, metric: 'recording.disk_used_pct', value: 40 + (60 - m) * 0.2 }, { ts, metric: 'appliance.outbox.pending', value: m % 10 }, { ts, metric: 'appliance.cloud.connected', value: 1 });
    }
    await box.client.publishAsync(t('telemetry'), JSON.stringify({ v: 1, applianceId: reg.applianceId, batchId: randomUUID(), samples }), { qos: 1 });
    pg = new Client({ connectionString: cloud.databaseUrl });
    await pg.connect();
    await eventually(async () => (await pg.query(`SELECT (SELECT count(*) FROM appliance_events)::int + (SELECT count(*) FROM telemetry)::int AS n`)).rows[0].n === 4 + 240);
    await eventually(async () => (await cloud.api<{ online: boolean }>('GET', `/v1/appliances/${reg.applianceId}`)).body.online);
    archiveId = await handOverEmptyBundle(sessionA);

    profile = await mkdtemp(join(tmpdir(), 'evalroom-chromium-'));
    shots = process.env.EVALROOM_CONSOLE_SHOTS ?? (await mkdtemp(join(tmpdir(), 'evalroom-console-shots-')));
    ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  }, 45_000);

  afterAll(async () => {
    await ctx?.close();
    await box?.client.endAsync();
    await pg?.end();
    await cloud?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
    if (shots && !process.env.EVALROOM_CONSOLE_SHOTS) await rm(shots, { recursive: true, force: true });
  });

  /** A fresh tab (its own sessionStorage) that records every response body it receives. */
  async function openConsole(token?: string): Promise<{ page: Page; bodies: () => Promise<string[]>; external: string[] }> {
    const page = await ctx.newPage();
    const pending: Promise<string>[] = [];
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(cloud.httpUrl) && !r.url().startsWith('data:')) external.push(r.url());
    });
    page.on('response', (r) => pending.push(r.text().catch(() => '')));
    await page.goto(`${cloud.httpUrl}/console/`);
    if (token !== undefined) {
      await page.fill('#token', token);
      await page.click('#signin button[type=submit]');
    }
    return { page, bodies: () => Promise.all(pending), external };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  it('without a token shows the sign-in screen; a bad token gets a clear message', async () => {
    const { page, external } = await openConsole();
    await page.waitForSelector('#signin');
    expect(await page.isVisible('#topbar')).toBe(false);
    await shot(page, '01-signin');
    await page.fill('#token', 'not-a-valid-token-0123456789');
    await page.click('#signin button[type=submit]');
    const error = await page.waitForSelector('#signin-error:not([hidden])');
    expect(await error.textContent()).toContain('令牌无效');
    expect(await page.evaluate("sessionStorage.getItem('evalroom.console.token')")).toBeNull();
    await shot(page, '02-bad-token');
    expect(external).toEqual([]);
    await page.close();
  });

  it('central ops sees the appliance online, in sync, with its alarm and telemetry; no identity anywhere', async () => {
    const { page, bodies, external } = await openConsole(tokens.ops);
    const row = await page.waitForSelector(`tr[data-appliance="${reg.applianceId}"]`);
    expect(await (await row.$('[data-state]'))!.getAttribute('data-state')).toBe('online');
    expect(await row.textContent()).toContain('Venue A');
    expect(await row.textContent()).toContain('camera.lost');
    expect(await row.$('.out-of-sync')).toBeNull();
    const rowB = await page.waitForSelector(`tr[data-appliance="${regB.applianceId}"]`);
    expect(await (await rowB.$('[data-state]'))!.getAttribute('data-state')).toBe('offline');
    expect(await rowB.$('.out-of-sync')).not.toBeNull();
    // the footage handover of the old session is overdue (archive alarm)
    expect(await page.textContent('#overdue')).toContain(lateSession);
    await shot(page, '03-devices');

    await page.click(`a[href="#/devices/${reg.applianceId}"]`);
    await page.waitForSelector('figure.chart[data-metric="recording.disk_used_pct"] svg.spark');
    expect(await page.$$eval('figure.chart svg.spark polyline', (ls) => ls.map((l) => l.getAttribute('points')!.split(' ').length))).toEqual([60, 60, 60, 60]);
    expect(await page.textContent('figure.chart[data-metric="recording.disk_used_pct"] .latest')).toBe('51.8%');
    await shot(page, '04-device');

    // ops may open the session but never sees identities (sealing: central ops never)
    await page.goto(`${cloud.httpUrl}/console/#/sessions/${sessionA}`);
    await page.waitForSelector('#signins tbody tr');
    expect(await page.textContent('#signins')).toContain(signedRef);
    expect(await page.textContent('#rejections')).toContain('人证不符');
    await shot(page, '05-session-ops');
    const dom = await page.content();
    const seen = (await bodies()).join('\n');
    for (const secret of [...A_NAMES, ...B_NAMES, ...ID_NUMBERS]) {
      expect(dom).not.toContain(secret);
      expect(seen).not.toContain(secret);
    }
    expect(external).toEqual([]);
    await page.close();
  });

  it("a supervisor sees their department's session with identities (audited), never another department's", async () => {
    const { page, bodies } = await openConsole(tokens.supA);
    await page.waitForSelector(`tr[data-session="${sessionA}"]`);
    expect(await page.$(`tr[data-session="${sessionB}"]`)).toBeNull();
    await shot(page, '06-sessions-supervisor');
    await page.click(`tr[data-session="${sessionA}"] a`);
    await page.waitForSelector('#signins tbody tr');
    expect(await page.textContent('#signins')).toMatch(/张三|李四/); // the supervising department sees who signed in
    expect(await page.textContent('#incidents')).toContain('专家手机未存入储物柜');
    expect(await page.textContent(`#footage tr[data-archive="${archiveId}"]`)).toContain(reg.applianceId);
    expect(await page.$eval('.stepper li.current', (e) => e.textContent)).toContain('签到中');
    expect(await page.textContent('#transitions')).toContain('开始签到');
    await shot(page, '07-session-supervisor');
    // the supervisor may only fall back to local evaluation from here; the cloud records it
    expect(await page.$$eval('#actions button.action', (bs) => bs.map((b) => b.getAttribute('data-action')))).toEqual(['fallback_local']);
    await page.click('#actions button[data-action="fallback_local"]');
    await page.fill('#actions textarea', '主场网络中断，改为本地集中评标');
    await shot(page, '08-action-form');
    await page.click('#actions button.confirm');
    await page.waitForSelector('.stepper li.exception');
    expect(await page.textContent('.stepper li.exception')).toContain('转本地评标');
    expect(await page.textContent('#transitions')).toContain('主场网络中断，改为本地集中评标');
    const recorded = await pg.query(`SELECT to_status, actor_role FROM session_transitions WHERE session_id = $1 ORDER BY id DESC LIMIT 1`, [sessionA]);
    expect(recorded.rows[0]).toEqual({ to_status: 'converted_local', actor_role: 'supervisor' });
    // direct navigation to B's session: refused like a missing one
    await page.goto(`${cloud.httpUrl}/console/#/sessions/${sessionB}`);
    await page.waitForSelector('.notice.error');
    const dom = await page.content();
    const seen = (await bodies()).join('\n');
    for (const secret of [...B_NAMES, idNumber(9), sessionB.length ? '大连港口设备采购' : '']) {
      expect(dom).not.toContain(secret);
      expect(seen).not.toContain(secret);
    }
    const audits = await pg.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'identity.decrypt' AND subject = $1 AND actor <> 'bootstrap-admin'`, [`session:${sessionA}`]);
    expect(audits.rows[0].n).toBeGreaterThanOrEqual(2); // the session view and the sign-in list
    await page.close();

    // the other department's supervisor: B's session, none of A's
    const other = await openConsole(tokens.supB);
    await other.page.waitForSelector(`tr[data-session="${sessionB}"]`);
    expect(await other.page.$(`tr[data-session="${sessionA}"]`)).toBeNull();
    await other.page.close();
  });
});
