/** Fault injection, the request counters and the admin reset. */
import { GSTN_ERRORS, ROUTES } from '../../eas/contract';
import type { FaultRule } from '../../sandbox/types';
import { call, eas, GSTIN_A, login, start, unzip, waitTask, type Harness } from './helpers';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await start({ sessions: 'all', taskSeconds: 0 });
  token = await login(h.url, { tokenDurationInMins: 360 });
});
afterAll(() => h.sandbox.close());
afterEach(() => h.admin.reset());

const IRN = 'a1'.repeat(32);
const irn = () => eas(h.url, token, ROUTES.irnDetails('v1.0', IRN), { gstin: GSTIN_A });

describe('terminal faults for the next N calls', () => {
  it('500 err-internal-server-error, then normal answers', async () => {
    await h.admin.addFaults({ route: 'irnDetails', kind: 'http500', next: 2 });
    const statuses = [(await irn()).status, (await irn()).status, (await irn()).status];
    expect(statuses).toEqual([500, 500, 200]);
    await h.admin.addFaults({ route: 'irnDetails', kind: 'http500', next: 1 });
    expect((await irn()).json).toMatchObject({ status: '0', error: { message: 'err-internal-server-error', type: 'Runtime' } });
  });

  it('502 GSTN down (GEN5001)', async () => {
    await h.admin.addFaults({ route: 'irnDetails', kind: 'gstnDown', next: 1 });
    const r = await irn();
    expect(r.status).toBe(502);
    expect(r.json.error.args['gstn-err']['error-code']).toBe(GSTN_ERRORS.gstnDown.code);
  });

  it('429 with Retry-After in seconds', async () => {
    await h.admin.addFaults({ route: '*', kind: 'rateLimit', next: 1, retryAfterSeconds: 7 });
    const r = await irn();
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(r.json.error.message).toBe('err-too-many-requests');
    expect((await irn()).status).toBe(200);
  });

  it('connection reset: the socket is destroyed', async () => {
    await h.admin.addFaults({ route: 'irnDetails', kind: 'reset', next: 1 });
    await expect(irn()).rejects.toThrow();
    expect((await irn()).status).toBe(200);
  });

  it('faults only hit their route', async () => {
    await h.admin.addFaults({ route: 'taskStatus', kind: 'http500', next: 5 });
    expect((await irn()).status).toBe(200);
    expect((await h.admin.faults()).faults).toEqual([{ route: 'taskStatus', kind: 'http500', next: 5 }]);
  });

  it('legacy routes answer faults in the legacy envelope', async () => {
    await h.admin.addFaults({ route: 'login', kind: 'http500', next: 1 });
    const r = await call(`${h.url}${ROUTES.authTokens}`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: { message: 'err-internal-server-error', type: 'Runtime', args: {} } });
  });
});

describe('body faults', () => {
  it('latency delays the answer', async () => {
    await h.admin.addFaults({ route: 'irnDetails', kind: 'latency', latencyMs: 300, next: 1 });
    const t0 = Date.now();
    expect((await irn()).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('truncate sends half the body, which no longer parses', async () => {
    const full = await irn();
    await h.admin.addFaults({ route: 'irnDetails', kind: 'truncate', next: 1 });
    const r = await irn();
    expect(r.status).toBe(200);
    expect(r.bytes.length).toBe(Math.floor(full.bytes.length / 2));
    expect(r.bytes.equals(full.bytes.subarray(0, r.bytes.length))).toBe(true);
    expect(r.json).toBeUndefined();
  });

  it('corrupt ZIP: same length, but it does not open', async () => {
    const body = { retPeriod: '042024', supplyType: 'B2B', gstin: GSTIN_A, supplierGstin: GSTIN_A, recipientGstin: null };
    const id = (await eas(h.url, token, ROUTES.einvoiceDownload, { gstin: GSTIN_A, body })).json.data['task-id'];
    await waitTask(h.url, token, id);
    const get = () => eas(h.url, token, ROUTES.taskDownload(id), { headers: { accept: 'application/zip' } });
    const good = await get();
    await h.admin.addFaults({ route: '*', kind: 'corruptZip', next: 1 });
    const bad = await get();
    expect(bad.status).toBe(200);
    expect(bad.bytes.length).toBe(good.bytes.length);
    expect(bad.bytes.equals(good.bytes)).toBe(false);
    await expect(unzip(bad.bytes)).rejects.toThrow();
    expect((await unzip((await get()).bytes)).size).toBeGreaterThan(1);
  });

  it('truncating a ZIP download streams half the file', async () => {
    const body = { retPeriod: '052024', supplyType: 'B2B', gstin: GSTIN_A, supplierGstin: GSTIN_A, recipientGstin: null };
    const id = (await eas(h.url, token, ROUTES.einvoiceDownload, { gstin: GSTIN_A, body })).json.data['task-id'];
    await waitTask(h.url, token, id);
    const get = () => eas(h.url, token, ROUTES.taskDownload(id), { headers: { accept: 'application/zip' } });
    const good = await get();
    await h.admin.addFaults({ route: 'taskDownload', kind: 'truncate', next: 1 });
    const half = await get();
    expect(half.bytes.length).toBe(Math.floor(good.bytes.length / 2));
    await expect(unzip(half.bytes)).rejects.toThrow();
  });
});

describe('faults that wait their turn', () => {
  it('after: N lets the first N calls through, then the rule fires', async () => {
    await h.admin.addFaults({ route: 'irnDetails', kind: 'http500', after: 2, next: 1 });
    expect((await h.admin.faults()).faults).toEqual([{ route: 'irnDetails', kind: 'http500', after: 2, next: 1 }]);
    const statuses = [(await irn()).status, (await irn()).status, (await irn()).status, (await irn()).status];
    expect(statuses).toEqual([200, 200, 500, 200]);
  });

  it('expireTasks makes a finished task answer 404 from that call on', async () => {
    const body = { retPeriod: '062024', supplyType: 'B2B', gstin: GSTIN_A, supplierGstin: GSTIN_A, recipientGstin: null };
    const id = (await eas(h.url, token, ROUTES.einvoiceDownload, { gstin: GSTIN_A, body })).json.data['task-id'];
    await waitTask(h.url, token, id);
    await h.admin.addFaults({ route: 'taskStatus', kind: 'expireTasks', after: 1, next: 1 });
    expect((await eas(h.url, token, ROUTES.taskStatus(id))).status).toBe(200);
    expect((await eas(h.url, token, ROUTES.taskStatus(id))).status).toBe(404);
    expect((await eas(h.url, token, ROUTES.taskDownload(id), { headers: { accept: 'application/zip' } })).status).toBe(404);
  });
});

describe('error rates', () => {
  async function pattern(seed: number, rule: FaultRule): Promise<number[]> {
    const s = await start({ sessions: 'all', seed, faults: [rule] });
    try {
      const t = await login(s.url);
      const out: number[] = [];
      for (let i = 0; i < 40; i++) out.push((await eas(s.url, t, ROUTES.irnDetails('v1.0', IRN), { gstin: GSTIN_A })).status);
      return out;
    } finally {
      await s.sandbox.close();
    }
  }

  it('a rate fails about that share of calls, the same calls for the same seed', async () => {
    const rule: FaultRule = { route: 'irnDetails', kind: 'http500', rate: 0.5 };
    const a = await pattern(3, rule);
    const b = await pattern(3, rule);
    expect(b).toEqual(a);
    const failures = a.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(32);
    expect(a.filter((s) => s !== 500 && s !== 200)).toEqual([]);
    expect(await pattern(4, rule)).not.toEqual(a);
  });

  it('rejects malformed rules', async () => {
    await expect(h.admin.addFaults({ route: 'nope' as never, kind: 'http500' })).rejects.toThrow(/400/);
    await expect(h.admin.addFaults({ route: '*', kind: 'http500', rate: 2 })).rejects.toThrow(/400/);
  });
});

describe('requests and reset', () => {
  it('counts per route and status, and keeps the last requests without secrets', async () => {
    await h.admin.reset();
    await h.admin.addFaults({ route: 'irnDetails', kind: 'http500', next: 1 });
    await irn();
    await irn();
    await call(`${h.url}${ROUTES.authTokens}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'x@y.z', password: 'super-secret-pw', handleType: 'email' }),
    });
    const rep = await h.admin.requests();
    expect(rep.byRoute.irnDetails).toEqual({ total: 2, byStatus: { '200': 1, '500': 1 } });
    expect(rep.byRoute.login!.byStatus['401']).toBe(1);
    const irnCalls = rep.last.filter((e) => e.route === 'irnDetails');
    expect(irnCalls.map((e) => e.status)).toEqual([500, 200]);
    expect(irnCalls[0]).toMatchObject({ method: 'GET', gstin: GSTIN_A, fault: 'http500' });
    expect(JSON.stringify(rep)).not.toContain('super-secret-pw');
    expect(JSON.stringify(rep)).not.toContain(token);
  });

  it('reset clears faults, counters and pending task failures but keeps tokens', async () => {
    await h.admin.addFaults({ route: '*', kind: 'http500' });
    await h.admin.failNextTasks(3);
    await h.admin.reset();
    expect((await h.admin.faults()).faults).toEqual([]);
    expect((await irn()).status).toBe(200);
    const id = (await eas(h.url, token, ROUTES.imsInvoices('B2B'), { gstin: GSTIN_A })).json.data['task-id'];
    expect((await waitTask(h.url, token, id)).status).toBe('completed');
    const rep = await h.admin.requests();
    expect(rep.byRoute.irnDetails).toEqual({ total: 1, byStatus: { '200': 1 } });
  });
});
