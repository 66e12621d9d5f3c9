/**
 * Durability: a 50-page IMS download across continue-as-new, a worker stopped mid-download and replaced,
 * bad inputs that fail at once without retrying, and the same download asked twice running once.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startGstr2bDownload, startImsDownload } from '../../client';
import { InvalidInputError } from '../../domain/inputs';
import type { RequestsReport } from '../../sandbox/types';
import type { DownloadSummary, Progress } from '../../workflows/types';
import { Harness, waitFor } from './harness';

jest.setTimeout(240_000);

let h: Harness;

beforeAll(async () => {
  h = await Harness.create();
});
afterAll(() => h?.close());
beforeEach(() => h.admin.reset());
afterEach(() => h.stopWorkers());

/** Calls to EAS routes (the admin API's own calls excluded). */
function easCalls(req: RequestsReport): number {
  return Object.entries(req.byRoute)
    .filter(([route]) => route !== 'admin' && route !== 'unknown')
    .reduce((n, [, r]) => n + r.total, 0);
}

/** Every run of a workflow (continue-as-new makes several), oldest first, with its event count. */
async function runsOf(workflowId: string, firstRunId: string): Promise<Array<{ runId: string; events: number }>> {
  const runs: Array<{ runId: string; events: number }> = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const id: string = runId;
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await h.client.workflow.getHandle(workflowId, id).fetchHistory();
    const events = history.events ?? [];
    runs.push({ runId: id, events: events.length });
    const last: { workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId?: string | null } | null } | undefined =
      events[events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

test('IMS with 50 pages: every page lands, history stays bounded through continue-as-new', async () => {
  // our own threshold (the server's suggestion, at 300 events here, is honoured too); ranges of 2 pages, so the
  // 25 range activities need more than one run
  const worker = await h.startWorker({ continueAsNewEvents: 150, pagesPerActivity: 2 });
  const gstin = '27AAPFU0939F1ZV';
  await h.admin.config({ gstins: { [gstin]: { imsRecords: 500, imsPageSize: 10 } } });
  const input = { gstin, section: 'B2B' };
  const handle = await h.start('downloadImsInvoices', input);
  const summary = (await handle.result()) as DownloadSummary;
  const truth = await h.admin.truth('ims', input);
  expect(truth.pages).toBe(50);
  expect(summary.pages).toBe(50);
  expect(summary.files.map((f) => f.sha256)).toEqual(truth.files.map((f) => f.sha256));
  expect(summary.records).toBe(500);
  // each page was fetched exactly once
  const req = await h.admin.requests();
  expect(req.byRoute.taskPage!.total).toBe(50);

  const runs = await runsOf(handle.workflowId, handle.firstExecutionRunId);
  const total = runs.reduce((n, r) => n + r.events, 0);
  console.log(`history: 50-page IMS download = ${runs.length} runs, events per run ${runs.map((r) => r.events).join(' + ')} = ${total}`);
  expect(runs.length).toBeGreaterThan(1);
  for (const r of runs) expect(r.events).toBeLessThan(150 + 40);
  await worker.stop();
});

test('a worker stopped mid-download and a new one started: completes without fetching finished pages again', async () => {
  // ranges of 5 pages: progress moves range by range, and a range in flight at the stop finishes in the grace time
  const first = await h.startWorker({ pagesPerActivity: 5 });
  const gstin = '29AAGCB7383J1Z4';
  await h.admin.config({ gstins: { [gstin]: { imsRecords: 400, imsPageSize: 4 } } });
  await h.admin.addFaults({ route: 'taskPage', kind: 'latency', rate: 1, latencyMs: 100 });
  const input = { gstin, section: 'B2BA', status: 'A' };
  const handle = await h.start('downloadImsInvoices', input);
  const progress = () => handle.query<Progress>('progress');
  await waitFor(async () => (await progress()).pagesDone >= 6, 'six pages done');
  await first.stop();
  const doneAtStop = (await h.admin.requests()).byRoute.taskPage!.total;

  const second = await h.startWorker({ pagesPerActivity: 5 });
  const summary = (await handle.result()) as DownloadSummary;
  const truth = await h.admin.truth('ims', input);
  expect(summary.files.map((f) => f.sha256)).toEqual(truth.files.map((f) => f.sha256));
  const req = await h.admin.requests();
  const pageCalls = req.last.filter((r) => r.route === 'taskPage').map((r) => Number(r.path.split('/').pop()));
  const perPage = new Map<number, number>();
  for (const p of pageCalls) perPage.set(p, (perPage.get(p) ?? 0) + 1);
  // graceful shutdown lets in-flight pages finish, so no page is fetched twice
  expect([...perPage.values()].every((n) => n === 1)).toBe(true);
  expect(req.byRoute.taskPage!.total).toBe(truth.pages);
  expect(truth.pages).toBeGreaterThan(15);
  expect(doneAtStop).toBeLessThan(truth.pages! - 5);
  expect(req.byRoute.imsInvoices!.total).toBe(1);
  await second.stop();
});

test.each([
  ['downloadEinvoices', { gstin: '29HJKPS9689A8Z4', retPeriod: '132023', supplyType: 'B2B', supplierGstin: '29HJKPS9689A8Z4' }, 'retPeriod'],
  ['downloadEinvoices', { gstin: '29HJKPS9689A8Z4', retPeriod: '082023', supplyType: 'B2B' }, 'supplierGstin'],
  ['downloadImsInvoices', { gstin: '29HJKPS9689A8Z', section: 'B2B' }, 'gstin'],
  ['downloadImsInvoices', { gstin: '29HJKPS9689A8Z4', section: 'XYZ' }, 'section'],
  ['downloadGstr2b', { gstin: '01AABCE2207R1Z5', retPeriod: '082099' }, 'retPeriod'],
  ['getIrnDetails', { gstin: '29HJKPS9689A8Z4', irns: ['not-an-irn'] }, 'irns[0]'],
])('%s with a bad input fails at once, naming %j, and is not retried', async (type, input, field) => {
  const worker = await h.startWorker();
  const handle = await h.start(type, input);
  const err = await handle.result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('InvalidInput');
  expect(cause.nonRetryable).toBe(true);
  expect(cause.message.startsWith(`${field}: `)).toBe(true);
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
  expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toHaveLength(0);
  expect(easCalls(await h.admin.requests())).toBe(0);
  await worker.stop();
});

test('the client refuses a bad input before starting anything', async () => {
  await expect(startImsDownload(h.client, { gstin: '29HJKPS9689A8Z4', section: 'B2B' }, { taskQueue: h.taskQueue })).rejects.toThrow(
    InvalidInputError,
  );
  await expect(
    startImsDownload(h.client, { gstin: '29HJKPS9689A8Z4', section: 'B2B', status: 'Q' } as never, { taskQueue: h.taskQueue, gstinChecksum: 'off' }),
  ).rejects.toThrow(/^status: /);
});

test('the same download started twice with the same inputs downloads once', async () => {
  const worker = await h.startWorker();
  const input = { gstin: '27AAACR5055K1Z7', retPeriod: '042025' };
  const opts = { taskQueue: h.taskQueue, workflowId: `dedup-${Date.now()}` };
  const [a, b] = await Promise.all([startGstr2bDownload(h.client, input, opts), startGstr2bDownload(h.client, input, opts)]);
  expect([a.existing, b.existing].sort()).toEqual([false, true]);
  const r1 = await a.handle.result();
  const c = await startGstr2bDownload(h.client, input, opts);
  expect(c.existing).toBe(true);
  expect(await c.handle.result()).toEqual(r1);
  expect((await h.admin.requests()).byRoute.gstr2b!.total).toBe(1);
  await worker.stop();
});
