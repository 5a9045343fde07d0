import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startApp, type EdgeApp } from '../../src/app/app';
import { createMemoryLogger } from '../../src/app/logger';
import { parseConfig } from '../../src/config/load';
import { ScriptedFaceVerifier, makeCard, makeDesired, makeSession, residentId, taggedJpeg, taggedVerifier } from '../fixtures';
import { tempDir, waitFor } from '../helpers';

// playwright-core is a root dev dependency; required here so a missing install fails loudly.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { chromium } = require('playwright-core') as typeof import('playwright-core');

const ALICE = residentId('11010119800101123');
const BOB = residentId('11010119800101456');
const CAROL = residentId('11010119800101777');

jest.setTimeout(30_000);

/** The venue staff kiosk page against a real appliance (room broker, simulated devices, sim API). */
describe('venue staff kiosk in Chromium', () => {
  const tmp = tempDir('evalroom-kiosk-');
  // Screenshots go to the test's temp dir, or to EVALROOM_KIOSK_SHOTS to keep them for review.
  const shots = process.env.EVALROOM_KIOSK_SHOTS ?? join(tmp.dir, 'shots');
  const applianceId = 'app-kiosk-test';
  let app: EdgeApp;
  let browser: Browser;
  let page: Page;

  const http = async (method: string, path: string, body?: unknown, opts: { token?: string; type?: string } = {}) => {
    const res = await fetch(app.httpUrl + path, {
      method,
      redirect: 'manual',
      headers: { authorization: `Bearer ${opts.token ?? app.secrets.staffToken}`, 'content-type': opts.type ?? 'application/json' },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* not JSON (static files) */
    }
    return { status: res.status, headers: res.headers, text, body: json };
  };
  const gateOpenings = async () => ((await http('GET', '/sim/devices/gate-1')).body.history as Array<{ event: string }>).filter((h) => h.event === 'opened').length;
  const entry = (outcome: string) => page.locator(`#feed li[data-outcome="${outcome}"]`);
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    // The room works from the cached desired state (no cloud here): one session today.
    mkdirSync(join(tmp.dir, 'state'), { recursive: true });
    const session = makeSession({
      idNumbers: [ALICE, BOB, CAROL],
      projectName: '沈阳市政道路改造工程',
      projectCode: 'LN-2026-0381',
      lots: [
        { lotId: 'lot-1', code: 'BD01', name: '一标段 道路' },
        { lotId: 'lot-2', code: 'BD02', name: '二标段 排水' },
      ],
    });
    writeFileSync(join(tmp.dir, 'state', 'desired.json'), JSON.stringify(makeDesired([session], 7, applianceId)));
    const loaded = parseConfig(
      {
        applianceId,
        roomId: 'room-1',
        dataDir: tmp.dir,
        broker: { port: 0 },
        http: { port: 0, simApi: true },
        checkin: { faceCaptureTimeoutMs: 2000, gateOpenMs: 1000 },
        devices: [
          { deviceId: 'reader-1', kind: 'idreader' },
          { deviceId: 'gate-1', kind: 'gate' },
          { deviceId: 'cam-1', kind: 'camera' },
          { deviceId: 'locker-1', kind: 'locker', options: { slots: 12 } },
        ],
      },
      tmp.dir,
    );
    const [started, launched] = await Promise.all([
      startApp({ loaded, logger: createMemoryLogger(), faceVerifier: taggedVerifier(new ScriptedFaceVerifier()) }),
      chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      }),
    ]);
    app = started;
    browser = launched;
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    tmp.cleanup();
  });

  it('serves the page publicly with a strict CSP; data routes need the staff token', async () => {
    const redirect = await http('GET', '/kiosk', undefined, { token: 'none' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/kiosk/');
    const html = await http('GET', '/kiosk/', undefined, { token: 'none' });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(html.text).toContain('kiosk.js');
    expect((await http('GET', '/kiosk/kiosk.js', undefined, { token: 'none' })).headers.get('content-type')).toMatch(/javascript/);
    expect((await http('GET', '/kiosk/..%2Fpackage.json', undefined, { token: 'none' })).status).toBe(404);
    expect((await http('GET', '/kiosk/sessions', undefined, { token: 'wrong' })).status).toBe(401);
    expect((await http('GET', '/kiosk/feed/0', undefined, { token: 'wrong' })).status).toBe(401);
    expect((await http('POST', '/kiosk/incidents', { description: 'x', handling: 'y', staffId: 's' }, { token: 'wrong' })).status).toBe(401);
    expect((await http('GET', '/kiosk/feed/abc')).status).toBe(400);
  });

  it('long-polls the feed: a cursor of this start waits for the next event, any other answers at once', async () => {
    const first = await http('GET', '/kiosk/feed/0');
    expect(first.status).toBe(200);
    const cursor = first.body.cursor as string;
    expect(cursor).toMatch(/^[0-9a-f]{8}-\d+$/);
    const stale = await Promise.race([http('GET', '/kiosk/feed/00000000-0'), new Promise<undefined>((r) => setTimeout(r, 3000))]);
    expect(stale?.status).toBe(200);
    const waiting = http('GET', `/kiosk/feed/${cursor}`);
    expect((await http('POST', '/kiosk/incidents', { description: '长轮询测试', handling: '无需处理', staffId: 'tester' })).status).toBe(201);
    const woke = await waiting; // through the room broker: record → room/appliance/event → kiosk
    expect(woke.body.cursor).not.toBe(cursor);
    expect((woke.body.entries as Array<{ kind: string; detail: string }>)[0]).toMatchObject({ kind: 'incident', detail: '长轮询测试' });
  });

  it('refuses a wrong token with a clear message, then signs in and shows today’s session and the devices', async () => {
    await page.goto(`${app.httpUrl}/kiosk/`);
    await page.fill('#token', 'not-the-token');
    await page.click('#signin-form button[type=submit]');
    await page.locator('#signin-error').waitFor({ state: 'visible' });
    expect(await page.textContent('#signin-error')).toContain('令牌错误');
    await shot('1-signin-error');

    await page.fill('#token', app.secrets.staffToken);
    await page.click('#signin-form button[type=submit]');
    await page.locator('#main').waitFor({ state: 'visible' });
    const session = page.locator('#sessions li[data-session="sess-1"]');
    await session.waitFor();
    expect(await session.textContent()).toContain('沈阳市政道路改造工程');
    expect(await session.textContent()).toContain('BD02 二标段 排水');
    expect(await session.textContent()).toContain('签到开放');
    expect(await session.textContent()).toContain('0 / 3');
    await page.locator('#devices li[data-device="locker-1"] .dot.on').waitFor();
    expect(await page.locator('#devices li .dot.on').count()).toBe(4);
    expect(await page.textContent('#cloud')).toContain('云端未连接');
    expect(await page.evaluate(() => sessionStorage.getItem('evalroom.kiosk.token'))).toBe(app.secrets.staffToken);
  });

  it('shows an admission at the door with the name on the card, the workstation and the phone locker slot', async () => {
    await http('PUT', '/sim/devices/cam-1/frame', taggedJpeg(ALICE), { type: 'image/jpeg' });
    expect((await http('POST', '/sim/devices/reader-1/card', makeCard(ALICE, { name: '张建国' }))).status).toBe(201);
    const admitted = entry('admitted');
    await admitted.waitFor({ timeout: 5000 });
    expect(await admitted.textContent()).toContain('张建国');
    expect(await admitted.textContent()).toContain('工位 W1');
    expect(await admitted.textContent()).toContain('准许进入');
    await page.locator('#sessions li[data-session="sess-1"]', { hasText: '1 / 3' }).waitFor({ timeout: 5000 });
    await admitted.locator('.locker-slot').waitFor({ timeout: 5000 }); // the appliance hands out a slot after admission
    expect(await admitted.locator('.locker-slot').textContent()).toContain('手机柜 1 号');
    await shot('2-admitted');
    await http('DELETE', '/sim/devices/reader-1/card');
  });

  it('shows a face mismatch with its reason and what to do; a staff override opens the gate and reads 人工放行', async () => {
    await waitFor(() => app.checkin?.snapshot().phase === 'idle', 5000, 'door idle');
    // The gate closes 1 s after the last admission; an opening while still open would not count.
    for (const until = Date.now() + 5000; (await http('GET', '/sim/devices/gate-1')).body.open === true; ) {
      if (Date.now() > until) throw new Error('gate stayed open');
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = await gateOpenings();
    await http('PUT', '/sim/devices/cam-1/frame', taggedJpeg(ALICE), { type: 'image/jpeg' });
    await http('POST', '/sim/devices/reader-1/card', makeCard(BOB, { name: '李明' }));
    const refused = entry('face_mismatch');
    await refused.waitFor({ timeout: 5000 });
    const text = await refused.textContent();
    expect(text).toContain('人脸不匹配');
    expect(text).toContain('请核对身份后可人工放行');
    expect(text).toContain('李明');
    expect(await gateOpenings()).toBe(before);
    await shot('3-refused');

    await refused.locator('button[data-action=override]').click();
    await page.locator('#override-dialog').waitFor({ state: 'visible' });
    await page.fill('#override-staff', 'staff-07');
    await page.fill('#override-reason', 'ab');
    await page.click('#override-submit');
    expect(await page.textContent('#override-result')).toContain('至少 3 个字');
    expect(await gateOpenings()).toBe(before);
    await page.fill('#override-reason', '芯片照片为十年前，已核对户口本');
    await page.click('#override-submit');
    await page.locator('#override-result.ok').waitFor({ timeout: 5000 });
    await shot('4-override-dialog');
    expect(await gateOpenings()).toBe(before + 1);
    await page.click('#override-cancel');

    const byStaff = entry('admitted_by_staff');
    await byStaff.waitFor({ timeout: 5000 });
    expect(await byStaff.textContent()).toContain('人工放行');
    expect(await byStaff.textContent()).toContain('李明');
    expect(await byStaff.textContent()).toContain('工位 W2');
    await byStaff.locator('.locker-slot', { hasText: '手机柜 2 号' }).waitFor({ timeout: 5000 });
    expect(await refused.locator('.badge').textContent()).toContain('已人工放行（staff-07）');
    expect(await refused.locator('button[data-action=override]').count()).toBe(0);
    const ev = app.outbox.list().find((e) => e.type === 'checkin.admitted' && e.data.method === 'staff_override');
    expect(ev?.data).toMatchObject({ expertRef: 'expert-2', override: { staffId: 'staff-07', reason: '芯片照片为十年前，已核对户口本' } });
    await shot('5-feed-after-override');
    await http('DELETE', '/sim/devices/reader-1/card');
  });

  it('an unknown card gets no override button; an incident goes into the outbox for the cloud', async () => {
    await waitFor(() => app.checkin?.snapshot().phase === 'idle', 5000, 'door idle');
    // A repeat tap of an admitted card is ignored without an outcome: its name must not stick to the next one.
    await http('POST', '/sim/devices/reader-1/card', makeCard(ALICE, { name: '张建国' }));
    await http('DELETE', '/sim/devices/reader-1/card');
    await waitFor(() => app.checkin?.snapshot().phase === 'idle', 5000, 'door idle');
    await http('POST', '/sim/devices/reader-1/card', makeCard(residentId('11010119900101999'), { name: '陌生人' }));
    const unknown = entry('unknown_card');
    await unknown.waitFor({ timeout: 5000 });
    expect(await unknown.textContent()).toContain('不在本场名单');
    expect(await unknown.locator('.name').textContent()).toBe('陌生人'); // decided at once, before the read reached the feed
    expect(await unknown.locator('button[data-action=override]').count()).toBe(0);
    await http('DELETE', '/sim/devices/reader-1/card');

    await page.click('#incident-open');
    await page.locator('#incident-dialog').waitFor({ state: 'visible' });
    await page.selectOption('#incident-session', 'sess-1');
    await page.fill('#incident-description', '一名专家携带第二部手机进入候场区');
    await page.fill('#incident-handling', '手机已存入 3 号柜，已告知监督人员');
    await page.fill('#incident-staff', 'staff-07');
    await page.click('#incident-submit');
    await page.locator('#incident-result.ok').waitFor({ timeout: 5000 });
    await shot('6-incident');
    const incident = app.outbox.list().find((e) => e.type === 'incident.recorded' && e.data.staffId === 'staff-07');
    expect(incident?.data).toEqual({ sessionId: 'sess-1', description: '一名专家携带第二部手机进入候场区', handling: '手机已存入 3 号柜，已告知监督人员', staffId: 'staff-07' });
    await page.click('#incident-cancel');
    await entry('incident').filter({ hasText: '一名专家携带第二部手机进入候场区' }).waitFor({ timeout: 5000 });
    // The backlog in the header counts it (no cloud: everything stays pending).
    await page.locator('#outbox', { hasText: `待上报 ${app.outbox.pendingCount}` }).waitFor({ timeout: 5000 });
    await shot('7-main');
    await page.setViewportSize({ width: 1024, height: 768 }); // the smallest kiosk screen we expect
    await shot('8-main-1024');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Bad incidents change nothing.
    const pending = app.outbox.pendingCount;
    expect((await http('POST', '/kiosk/incidents', { description: '  ', handling: 'x', staffId: 's' })).status).toBe(400);
    expect((await http('POST', '/kiosk/incidents', { description: 'x', handling: 'y', staffId: 's', extra: 1 })).status).toBe(400);
    expect((await http('POST', '/kiosk/incidents', { description: 'x', handling: 'y', staffId: 's', sessionId: 'no-such' })).status).toBe(400);
    expect(app.outbox.pendingCount).toBe(pending);
  });

  it('a token that stops working sends the page back to sign-in with the reason', async () => {
    await page.evaluate(() => sessionStorage.setItem('evalroom.kiosk.token', 'stale'));
    await page.reload();
    await page.locator('#signin-error').waitFor({ state: 'visible' });
    expect(await page.textContent('#signin-error')).toContain('令牌已失效');
  });
});
