/**
 * Pages in batches (activities/pages.ts) and the status check whose retries are the poll schedule
 * (activities/polling.ts), in a mock activity context against the sandbox over HTTP.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { errorMap } from '../../activities/error-map';
import { Limiter } from '../../activities/pages';
import { pageName, rangeDigestsName } from '../../activities/finish';
import { PageSet } from '../../activities/page-set';
import type { DownloadLocation } from '../../store/store';
import { failure, ident, listFolder, run, runIn, setup, waitTask, type Env } from './helpers';

const GSTIN = '29AAGCB7383J1Z4';
const section = 'B2BDN';

let env: Env;
let taskId: string;
beforeAll(async () => {
  env = await setup();
  await env.admin.config({ gstins: { [GSTIN]: { imsRecords: 500, imsPageSize: 20 } } }); // 25 pages
  taskId = await run(env.acts.submitIms, GSTIN, section, undefined);
  expect(await waitTask(env, taskId)).toBe('completed');
});
afterAll(() => env.close());
afterEach(() => env.admin.clearFaults());

const loc = (period: string): DownloadLocation => ({ gstin: GSTIN, period, kind: 'ims', section });
const pageFetches = async () => (await env.admin.requests()).byRoute.taskPage?.total ?? 0;

/** A mock context whose previous attempt heartbeated `details` (as the server hands them to a retry). */
function retryOf(details: unknown): MockActivityEnvironment {
  return new MockActivityEnvironment({ attempt: 2, heartbeatDetails: details }, { interceptors: [errorMap] });
}

test('PageSet keeps pages as merged runs', () => {
  const s = new PageSet();
  for (const p of [3, 1, 2, 7, 5, 6, 9]) s.add(p);
  expect(s.toJSON()).toEqual([[1, 3], [5, 7], [9, 9]]);
  s.add(8);
  s.add(4);
  expect(s.toJSON()).toEqual([[1, 9]]);
  expect(s.size).toBe(9);
  expect(new PageSet([[2, 4], [10, 10]]).has(3)).toBe(true);
  expect(new PageSet([[2, 4], [10, 10]]).has(5)).toBe(false);
});

test('a range: every page stored as served, totals returned, at most one heartbeat a second; a second range continues', async () => {
  const truth = await env.admin.truth('ims', { gstin: GSTIN, section });
  expect(truth.pages).toBe(25);
  const where = loc('2025-02-01');
  const before = await pageFetches();
  const mock = new MockActivityEnvironment(undefined, { interceptors: [errorMap] });
  const beats: Array<{ done: Array<[number, number]> }> = [];
  mock.on('heartbeat', (d: { done: Array<[number, number]> }) => beats.push(d));
  const t0 = Date.now();
  const first = await runIn(mock, env.acts.downloadImsPages, taskId, where, { from: 1, to: 15, concurrency: 4 });
  const elapsed = Date.now() - t0;
  const rest = await run(env.acts.downloadImsPages, taskId, where, { from: 16, to: 25, concurrency: 4 });
  const want = (from: number, to: number) => truth.files.filter((_, i) => i + 1 >= from && i + 1 <= to);
  expect(first).toEqual({ from: 1, to: 15, pages: 15, fetched: 15, records: want(1, 15).reduce((n, f) => n + f.records, 0), bytes: want(1, 15).reduce((n, f) => n + f.bytes, 0) });
  expect(rest).toMatchObject({ pages: 10, fetched: 10, records: want(16, 25).reduce((n, f) => n + f.records, 0) });
  expect(await pageFetches()).toBe(before + 25);
  // heartbeats are calls to the server: once a second at most, not once per page
  expect(beats.length).toBeLessThanOrEqual(Math.floor(elapsed / 1000));
  expect(beats.every((b) => b.done.length <= 4)).toBe(true);
  const names = (await listFolder(env, where)).filter((n) => !n.startsWith('.'));
  expect(names).toEqual(truth.files.map((f) => f.name).sort());
  for (const f of truth.files) {
    const body = await env.store.read(`${env.store.locationRef(where)}/${f.name}`);
    expect(body.length).toBe(f.bytes);
  }
  expect(truth.files.map(ident).length).toBe(25);
});

test('a retry resumes from its heartbeat: pages it reported done are not fetched again', async () => {
  const where = loc('2025-02-02');
  // the previous attempt stored pages 1-6 and 9 and heartbeated them (with their totals)
  const first = await run(env.acts.downloadImsPages, taskId, where, { from: 1, to: 9, concurrency: 3 });
  const before = await pageFetches();
  const r = await runIn(retryOf({ done: [[1, 6], [9, 9]], records: 140, bytes: 1234 }), env.acts.downloadImsPages, taskId, where, { from: 1, to: 9, concurrency: 3 });
  expect(await pageFetches()).toBe(before + 2); // pages 7 and 8 only
  expect(r).toMatchObject({ pages: 9, fetched: 2 });
  expect(r.records).toBe(140 + 40); // 20 records per page
  expect(first.records).toBe(180);
});

test('finishDownload builds the manifest from what the ranges stored beside the pages: no page read back but those an earlier attempt did', async () => {
  const truth = await env.admin.truth('ims', { gstin: GSTIN, section });
  const where = loc('2025-02-05');
  await run(env.acts.downloadImsPages, taskId, where, { from: 1, to: 12, concurrency: 3 });
  // pages 13-15 by an attempt whose digests are lost (a worker killed before it wrote them); the retry does the rest
  await run(env.acts.downloadImsPages, taskId, where, { from: 13, to: 15, concurrency: 3 });
  await env.store.delete(env.store.refOf(where, rangeDigestsName(pageName(13), pageName(15))));
  await runIn(retryOf({ done: [[13, 15]], records: 60, bytes: 1 }), env.acts.downloadImsPages, taskId, where, { from: 13, to: 25, concurrency: 3 });
  const reads = jest.spyOn(env.store, 'read');
  try {
    const res = await run(env.acts.finishDownload, {
      loc: where,
      manifest: { kind: 'ims', inputs: { gstin: GSTIN, section }, taskId, route: 'imsInvoices', fetchedAt: '2025-02-05T10:00:00.000Z', pages: 25 },
      files: [],
      pages: 25,
    });
    const pagesRead = reads.mock.calls.map(([ref]) => String(ref).split('/').pop()!).filter((n) => n.startsWith('page-'));
    expect(pagesRead.sort()).toEqual([pageName(13), pageName(14), pageName(15)].sort());
    expect(res.files.map(ident)).toEqual(truth.files.map(ident));
    expect(res.records).toBe(truth.records);
    const manifest = JSON.parse((await env.store.read(res.manifest.ref)).toString('utf8')) as { sections?: Record<string, number> };
    expect(Object.values(manifest.sections ?? {}).reduce((n, v) => n + v, 0)).toBe(truth.records);
  } finally {
    reads.mockRestore();
  }
  // the digests went with the finish's sweep
  expect((await listFolder(env, where)).filter((n) => n.startsWith('.'))).toEqual([]);
});

test('a range run again after a session refresh (recheckStore) takes stored pages from the store, counting them', async () => {
  const where = loc('2025-02-03');
  await run(env.acts.downloadImsPages, taskId, where, { from: 1, to: 4, concurrency: 2 });
  const before = await pageFetches();
  const r = await run(env.acts.downloadImsPages, taskId, where, { from: 1, to: 8, concurrency: 2, recheckStore: true });
  expect(await pageFetches()).toBe(before + 4);
  expect(r).toMatchObject({ pages: 8, fetched: 4, records: 160 });
});

test('a page that fails fails the range (retryable), after what was in flight is stored and heartbeated', async () => {
  const where = loc('2025-02-04');
  await env.admin.addFaults({ route: 'taskPage', kind: 'http500', after: 3, next: 1 });
  const mock = new MockActivityEnvironment(undefined, { interceptors: [errorMap] });
  let last: { done: Array<[number, number]> } | undefined;
  mock.on('heartbeat', (d: { done: Array<[number, number]> }) => (last = d));
  const f = await failure(runIn(mock, env.acts.downloadImsPages, taskId, where, { from: 1, to: 10, concurrency: 2 }));
  expect(f.type).toBe('EasTransient');
  expect(f.nonRetryable).toBe(false);
  const done = new PageSet(last!.done);
  expect(done.size).toBeGreaterThanOrEqual(3);
  expect(done.size).toBeLessThan(10);
  // the retry, given those details, fetches only the rest
  const before = await pageFetches();
  const r = await runIn(retryOf(last), env.acts.downloadImsPages, taskId, where, { from: 1, to: 10, concurrency: 2 });
  expect(r.pages).toBe(10);
  expect(await pageFetches()).toBe(before + 10 - done.size);
});

test('the worker cap: no more requests in flight than the limiter allows, over concurrent ranges', async () => {
  const lim = new Limiter(3);
  let inFlight = 0;
  let peak = 0;
  const job = () =>
    lim.run(async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
    });
  await Promise.all(Array.from({ length: 20 }, job));
  expect(peak).toBe(3);
  expect(inFlight).toBe(0);
});

describe('awaitTask', () => {
  const opts = (submittedAt: string, deadlineMs = 60_000) => ({ submittedAt, deadlineMs, windowMs: 60_000, schedule: { initialMs: 100, factor: 2, maxMs: 1000 } });

  test('completed → completed, with the attempt as the count of checks', async () => {
    const r = await runIn(new MockActivityEnvironment({ attempt: 4, scheduledTimestampMs: Date.now() - 1000 }, { interceptors: [errorMap] }), env.acts.awaitTask, taskId, opts(new Date().toISOString()));
    expect(r).toEqual({ status: 'completed', polls: 4 });
  });

  test('still processing → a retryable TaskProcessing (the retry policy is the schedule); at the deadline → DeadlineExceeded, final', async () => {
    await env.admin.config({ taskSeconds: 3600 });
    try {
      const slow = await run(env.acts.submitIms, GSTIN, 'ECOM', undefined);
      const f = await failure(run(env.acts.awaitTask, slow, opts(new Date().toISOString())));
      expect(f).toMatchObject({ type: 'TaskProcessing', nonRetryable: false });
      // the next check would land past the deadline: it is pulled in to the deadline
      const near = await failure(run(env.acts.awaitTask, slow, opts(new Date(Date.now() - 59_950).toISOString())));
      expect(near.type).toBe('TaskProcessing');
      expect(near.nextRetryDelay).toBeDefined();
      const late = await failure(run(env.acts.awaitTask, slow, opts(new Date(Date.now() - 61_000).toISOString())));
      expect(late).toMatchObject({ type: 'DeadlineExceeded', nonRetryable: true });
    } finally {
      await env.admin.config({ taskSeconds: 0 });
    }
  });

  test('a window that is over hands back without a check', async () => {
    const before = (await env.admin.requests()).byRoute.taskStatus?.total ?? 0;
    const mock = new MockActivityEnvironment({ attempt: 7, scheduledTimestampMs: Date.now() - 120_000 }, { interceptors: [errorMap] });
    expect(await runIn(mock, env.acts.awaitTask, taskId, opts(new Date().toISOString()))).toEqual({ status: 'processing', polls: 6 });
    expect((await env.admin.requests()).byRoute.taskStatus?.total ?? 0).toBe(before);
  });

  test("a task that failed with GSTN's answer (no IMS documents) → failed with the outcome and the GSTN code, as checkTask says", async () => {
    await env.admin.answer({ gstin: GSTIN, kind: 'ims', section: 'B2BCN', answer: 'no-data', times: 1 });
    try {
      const t = await run(env.acts.submitIms, GSTIN, 'B2BCN', undefined);
      const r = await runIn(new MockActivityEnvironment({ attempt: 2, scheduledTimestampMs: Date.now() - 1000 }, { interceptors: [errorMap] }), env.acts.awaitTask, t, opts(new Date().toISOString()));
      const s = await run(env.acts.checkTask, t);
      expect(s.outcome).toBe('no-data');
      expect(s.gstnCode).toMatch(/\d/);
      expect(r).toMatchObject({ status: 'failed', polls: 2, outcome: 'no-data', gstnCode: s.gstnCode });
    } finally {
      await env.admin.clearAnswers();
    }
  });
});

test('an IRN range: an IRN GSTN has no e-invoice for (EINV30107) comes back as missing, the rest are stored', async () => {
  const gstin = '29HJKPS9689A8Z4';
  const where: DownloadLocation = { gstin, period: '2025-02-05', kind: 'irn', section: 'batch-missing' };
  const irns = ['a', 'b', 'c'].map((ch) => ch.repeat(64));
  await env.admin.answer({ gstin, kind: 'irn', answer: 'no-data', times: 1 });
  try {
    const mock = new MockActivityEnvironment(undefined, { interceptors: [errorMap] });
    const r = await runIn(mock, env.acts.fetchIrnBatch, gstin, irns, where, { from: 1, to: 3, concurrency: 1 });
    expect(r).toMatchObject({ from: 1, to: 3, pages: 3, fetched: 3, records: 2 });
    expect(r.missing).toEqual([{ key: irns[0], gstnCode: 'EINV30107' }]);
    const names = (await listFolder(env, where)).filter((n) => !n.startsWith('.'));
    expect(names).toEqual([`irn-${irns[1]}.json`, `irn-${irns[2]}.json`]);
  } finally {
    await env.admin.clearAnswers();
  }
});
