import { randomBytes } from 'node:crypto';
import { startTestCloud, type TestCloud } from '../support/cloud';
import { unzip } from '../../src/reports/zip';

/** The rules modules through the real app: HTTP, auth, PostgreSQL. Sealed fields per role. */
describe('rules over HTTP', () => {
  let cloud: TestCloud;
  const p = randomBytes(3).toString('hex');
  const id = (s: string) => `${s}-${p}`;
  const tokens: Record<string, string> = {};
  let sessionId = '';
  let expertSession = '';
  const subVenues = ['vD', 'vA', 'vF', 'vB'].map(id);

  const ok = (r: { status: number; body: unknown }, status = 201) => {
    if (r.status !== status) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  beforeAll(async () => {
    cloud = await startTestCloud();
    const centers: Array<[string, string, string]> = [['tcM', '2101', 'vM'], ['tcD', '2102', 'vD'], ['tcA', '2103', 'vA'], ['tcF', '2104', 'vF'], ['tcB', '2105', 'vB'], ['tcX', '2201', 'vX']];
    for (const [tc, code, v] of centers) {
      ok(await cloud.api('POST', '/v1/trading-centers', { id: id(tc), name: tc, level: 'city', regionCode: code }));
      ok(await cloud.api('POST', '/v1/venues', { id: id(v), tradingCenterId: id(tc), name: v }));
      const main = v === 'vM';
      ok(await cloud.api('POST', '/v1/rooms', { id: id(`r${v}`), venueId: id(v), name: 'room', shared: !main, workstations: [1, 2, 3, 4].map((n) => ({ code: `W${n}`, shared: !main })) }));
    }
    const at = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
    const session = (code: string, role: 'staff' | 'expert') => ({
      projectCode: code, projectName: 'Bridge', lots: [{ lotId: 'lot-1', code: 'BD01', name: 'Lot 1' }], mainVenueId: id('vM'), supervisingDepartment: `dept-${p}`,
      startsAt: at(60), endsAt: at(300), checkInOpensAt: at(0), checkInClosesAt: at(90),
      assignments: [{ roomId: id('rvM'), experts: [{ name: '赵六', idNumber: `21010219800101${role === 'staff' ? '111' : '222'}X`, role }] }],
    });
    sessionId = (ok(await cloud.api('POST', '/v1/sessions', session(id('P'), 'staff'))) as { sessionId: string }).sessionId;
    expertSession = (ok(await cloud.api('POST', '/v1/sessions', session(id('Q'), 'expert'))) as { sessionId: string }).sessionId;
    const mint = async (name: string, body: Record<string, unknown>) => {
      tokens[name] = (ok(await cloud.api('POST', '/v1/tokens', { label: name, ...body })) as { token: string }).token;
    };
    await mint('mainStaff', { role: 'venue_staff', venueIds: [id('vM')] });
    for (const v of subVenues) await mint(v, { role: 'venue_staff', venueIds: [v] });
    await mint('technician', { role: 'technician', venueIds: [id('vM')] });
    await mint('ops', { role: 'central_ops', jurisdiction: '21' });
    await mint('supervisor', { role: 'supervisor', department: `dept-${p}`, jurisdiction: '21' });
    await mint('otherSupervisor', { role: 'supervisor', department: 'elsewhere', jurisdiction: '21' });
  }, 60_000);
  afterAll(async () => cloud?.stop());

  it('draws sub-venues, sealed per role until the session starts, then reproducible from the revealed seed', async () => {
    const drawn = ok(await cloud.api('POST', `/v1/sessions/${sessionId}/draws`, { committeeSize: 7, subVenueSeats: 3 }, tokens.ops)) as { commitment: string; assignments: Array<{ venueId: string; seats: number }> };
    expect(drawn.commitment).toMatch(/^[0-9a-f]{64}$/);
    const chosen = drawn.assignments.map((a) => a.venueId);
    expect(chosen.length).toBeGreaterThanOrEqual(2);
    expect(drawn.assignments.reduce((s, a) => s + a.seats, 0)).toBe(3);
    expect((await cloud.api('POST', `/v1/sessions/${sessionId}/draws`, { committeeSize: 7, subVenueSeats: 3 }, tokens.ops)).status).toBe(409);

    const get = async (who: string, path = `/v1/sessions/${sessionId}/draws`) => cloud.api<unknown>('GET', path, undefined, tokens[who]);
    const text = (r: { body: unknown }) => JSON.stringify(r.body);
    // before the start: the main venue, the technician and undrawn venues see no sub-venue
    for (const who of subVenues.filter((v) => !chosen.includes(v))) expect([who, (await get(who)).status]).toEqual([who, 403]);
    for (const who of ['mainStaff', 'technician']) {
      const r = await get(who);
      expect([who, r.status]).toEqual([who, 200]);
      for (const v of chosen) expect([who, text(r).includes(v)]).toEqual([who, false]);
      expect(text(r)).not.toContain('"seed"');
    }
    const listing = await cloud.api('GET', `/v1/bookings?venueId=${id('vM')}&from=${encodeURIComponent(new Date().toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`, undefined, tokens.mainStaff);
    expect(listing.status).toBe(200);
    expect((listing.body as unknown[]).length).toBe(3); // the sealed seats exist …
    for (const v of chosen) expect(text(listing).includes(v)).toBe(false); // … but not where
    // a drawn sub-venue sees only its own seats
    const own = (await get(chosen[0]!)).body as Array<{ ownSeats?: Array<{ venueId: string }>; assignments?: unknown }>;
    expect(own[0]!.ownSeats?.map((a) => a.venueId)).toEqual([chosen[0]]);
    expect(own[0]!.assignments).toBeUndefined();
    for (const v of chosen.slice(1)) expect(JSON.stringify(own).includes(v)).toBe(false);
    // dispatch and the session's supervisors see everything; other supervisors nothing
    expect(text(await get('supervisor'))).toContain(chosen[0]!);
    expect((await get('otherSupervisor')).status).toBe(403);
    // logs never carry the sub-venues' identities
    expect(cloud.logger.lines.some((l) => chosen.some((v) => l.includes(v)))).toBe(false);

    // lifecycle: start → the seed is revealed and the main venue sees the sub-venues
    ok(await cloud.api('POST', `/v1/sessions/${sessionId}/transitions`, { action: 'start_check_in' }, tokens.mainStaff));
    expect(text(await get('mainStaff'))).not.toContain(chosen[0]!); // check-in is not the start
    ok(await cloud.api('POST', `/v1/sessions/${sessionId}/transitions`, { action: 'start_evaluation' }, tokens.mainStaff));
    const after = ((await get('mainStaff')).body as Array<Record<string, unknown>>)[0]!;
    expect(after.assignments).toEqual(drawn.assignments);
    expect(after.seed).toMatch(/^[0-9a-f]{64}$/);
    // intra-province (default form): the Jilin venue was never eligible, the main center neither
    const eligibleIds = (after.eligible as Array<{ venueId: string }>).map((v) => v.venueId).sort();
    expect(eligibleIds).toEqual([...subVenues].sort());
    const verified = await cloud.api('POST', '/v1/draws/verify', { seed: after.seed, commitment: after.commitment, inputDigest: after.inputDigest, eligible: after.eligible, params: after.params, assignments: after.assignments }, tokens.technician);
    expect(verified.body).toEqual({ ok: true, reason: 'reproduced' });
    const forged = await cloud.api('POST', '/v1/draws/verify', { seed: randomBytes(32).toString('hex'), commitment: after.commitment, inputDigest: after.inputDigest, eligible: after.eligible, params: after.params, assignments: after.assignments }, tokens.technician);
    expect(forged.body).toMatchObject({ ok: false });
  }, 30_000);

  it('records every transition with who and why; refusals carry their reason', async () => {
    const bad = await cloud.api<{ code: string; reason: string }>('POST', `/v1/sessions/${sessionId}/transitions`, { action: 'archive' }, tokens.mainStaff);
    expect(bad.status).toBe(409);
    expect(bad.body.reason).toMatch(/not possible from in_progress/);
    const noReason = await cloud.api<{ code: string }>('POST', `/v1/sessions/${sessionId}/transitions`, { action: 'suspend_overnight' }, tokens.mainStaff);
    expect(noReason.body.code).toBe('reason_required');
    ok(await cloud.api('POST', `/v1/sessions/${sessionId}/transitions`, { action: 'suspend_overnight', reason: '当日未能完成评标' }, tokens.mainStaff));
    ok(await cloud.api('POST', `/v1/sessions/${sessionId}/transitions`, { action: 'report_system_fault', reason: '评标系统宕机' }, tokens.technician));
    const dissolve = await cloud.api<{ transition: { effects: string[] } }>('POST', `/v1/sessions/${sessionId}/transitions`, { action: 'dissolve', reason: '当天无法解除故障', sameDay: false }, tokens.supervisor);
    expect(dissolve.status).toBe(201);
    expect(dissolve.body.transition.effects).toEqual(expect.arrayContaining(['seal_e_files', 'void_opinions', 'reform_committee']));
    const log = ok(await cloud.api('GET', `/v1/sessions/${sessionId}/transitions`, undefined, tokens.ops), 200) as Array<{ action: string; actorRole: string; reason: string; toStatus: string }>;
    expect(log.map((l) => [l.action, l.actorRole, l.toStatus])).toEqual([
      ['start_check_in', 'venue_staff', 'checking_in'],
      ['start_evaluation', 'venue_staff', 'in_progress'],
      ['suspend_overnight', 'venue_staff', 'overnight'],
      ['report_system_fault', 'technician', 'fault_during'],
      ['dissolve', 'supervisor', 'dissolved'],
    ]);
    expect(log[4]!.reason).toBe('当天无法解除故障');
    const view = ok(await cloud.api('GET', `/v1/sessions/${sessionId}`, undefined, tokens.ops), 200) as { status: string };
    expect(view.status).toBe('dissolved');
    // a session with an expert who has not passed identity check cannot start (L24)
    ok(await cloud.api('POST', `/v1/sessions/${expertSession}/transitions`, { action: 'start_check_in' }, tokens.mainStaff));
    const early = await cloud.api<{ reason: string }>('POST', `/v1/sessions/${expertSession}/transitions`, { action: 'start_evaluation' }, tokens.mainStaff);
    expect(early.status).toBe(409);
    expect(early.body.reason).toMatch(/0 of 1 experts passed identity check/);
  }, 30_000);

  it('takes results after every lot finished and serves the monthly report as CSV and XLSX', async () => {
    const result = (finished: boolean) => ({
      projectCode: id('R'), projectName: 'Bridge', mainVenueId: id('vM'), remote: true, evaluatedOn: '2026-10-20',
      lots: [{ lotId: 'L1', finished: true, budgetYuan: 30_000_000, awardYuan: 29_000_000 }, { lotId: 'L2', finished, budgetYuan: 4_000_000, awardYuan: 3_500_000 }],
      subVenues: [{ venueId: id('vD'), experts: 2 }, { venueId: id('vA'), experts: 1 }],
    });
    const early = await cloud.api<{ code: string }>('POST', '/v1/platform/results', result(false), tokens.ops);
    expect([early.status, early.body.code]).toEqual([409, 'lots_unfinished']);
    ok(await cloud.api('POST', '/v1/platform/results', result(true), tokens.ops));
    const json = ok(await cloud.api('GET', '/v1/reports/monthly?month=2026-10&region=21', undefined, tokens.supervisor), 200) as { total: { main: { projects: number; lots: number; budgetYuan: number } } };
    expect(json.total.main).toMatchObject({ projects: 1, lots: 2, budgetYuan: 34_000_000 });
    const csv = await fetch(`${cloud.httpUrl}/v1/reports/monthly?month=2026-10&region=21&format=csv`, { headers: { authorization: `Bearer ${tokens.ops}` } });
    const csvText = await csv.text();
    expect(csvText).toContain('tcM,1,2,3400.00,3250.00,1,2,3400.00,3250.00,"辽宁省2次, 专家3人"');
    const xlsx = await fetch(`${cloud.httpUrl}/v1/reports/monthly?month=2026-10&region=21&format=xlsx`, { headers: { authorization: `Bearer ${tokens.ops}` } });
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    const files = unzip(Buffer.from(await xlsx.arrayBuffer()));
    expect(files.get('xl/worksheets/sheet1.xml')!.toString()).toContain('<v>3400</v>');
    expect((await cloud.api('GET', '/v1/reports/monthly?month=2026-10&region=22', undefined, tokens.supervisor)).status).toBe(403);
    expect((await cloud.api('GET', '/v1/reports/monthly?month=2026-10&region=21', undefined, tokens.mainStaff)).status).toBe(403);
  }, 30_000);

  it('evaluates the policy: exactly 30,000,000 of construction in Liaoning is required', async () => {
    const ask = (amount: number) => cloud.api<{ required: boolean; form: string | null }>('POST', '/v1/policy/evaluate', { province: 'liaoning', lots: [{ id: 'L1', category: 'construction', contractEstimate: amount }] }, tokens.mainStaff);
    expect((await ask(30_000_000)).body).toMatchObject({ required: true, form: 'intra_province' });
    expect((await ask(29_999_999)).body).toMatchObject({ required: false, form: null });
    expect((await cloud.api('POST', '/v1/policy/evaluate', { province: 'beijing', lots: [] }, tokens.mainStaff)).status).toBe(400);
  });

  it('books through the project-formation interface (5.5.5), refusing a double booking with its reason', async () => {
    const at = (h: number) => new Date(Date.UTC(2027, 0, 12, h)).toISOString();
    const body = { projectCode: id('F'), mainVenueId: id('vM'), from: at(1), to: at(8), workstationIds: [`${id('rvM')}:W1`, `${id('rvM')}:W2`, `${id('rvD')}:W4`], committeeSize: 3, specialties: [{ code: 'A080101', experts: 3 }] };
    const first = await cloud.api<{ ok: boolean; confirmBy: string }>('POST', '/v1/platform/project-formations', body, tokens.ops);
    expect(first.status).toBe(201);
    const again = await cloud.api<{ code: string; reason: string }>('POST', '/v1/platform/project-formations', { ...body, projectCode: id('G') }, tokens.ops);
    expect([again.status, again.body.code]).toEqual([409, 'workstation_already_booked']);
    expect(again.body.reason).toMatch(/already booked/);
    const mismatch = await cloud.api<{ code: string }>('POST', '/v1/platform/project-formations', { ...body, specialties: [{ code: 'A', experts: 2 }] }, tokens.ops);
    expect(mismatch.body.code).toBe('specialties_mismatch');
  });

  it('serves the shared directory, its CSV export and the sharing quotas', async () => {
    const quotas = ok(await cloud.api('GET', '/v1/platform/sharing-quotas?region=21', undefined, tokens.ops), 200) as { regions: Array<{ region: string; meetsRatio: boolean }>; venues: Array<{ venueId: string; compliant: boolean }> };
    expect(quotas.venues.find((v) => v.venueId === id('vM'))!.compliant).toBe(false);
    expect(quotas.venues.find((v) => v.venueId === id('vD'))!.compliant).toBe(true);
    const csv = await fetch(`${cloud.httpUrl}/v1/platform/shared-workstations.csv?region=2102`, { headers: { authorization: `Bearer ${tokens.ops}` } });
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines.filter((l) => l.startsWith(id('vD'))).length).toBe(4);
    const openapi = (await (await fetch(`${cloud.httpUrl}/api/docs-json`)).json()) as { paths: Record<string, Record<string, { summary?: string }>> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/platform/results', '/v1/platform/venues', '/v1/platform/project-formations', '/v1/sessions/{id}/transitions', '/v1/sessions/{id}/draws', '/v1/bookings', '/v1/reports/monthly']));
    expect(openapi.paths['/v1/platform/results']!.post!.summary).toMatch(/5\.5\.7/);
  });
});
