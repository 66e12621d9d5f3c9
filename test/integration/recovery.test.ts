/**
 * Recovery: token and GSTN-session expiry in the middle of a download, 5xx/429/reset/truncate/corrupt-ZIP
 * bursts, failed tasks and expired results. Each download must still complete with the ground truth; a
 * problem that cannot heal must fail, readable, after a bounded number of tries.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { sessionWorkflowId } from '../../domain/session';
import { sessionQuery } from '../../workflows/messages';
import { ApplicationFailure } from '@temporalio/common';
import type { DownloadSummary } from '../../workflows/types';
import { Harness } from './harness';

jest.setTimeout(180_000);

let h: Harness;

beforeAll(async () => {
  h = await Harness.create();
  await h.startWorker();
});
afterAll(() => h?.close());
beforeEach(async () => {
  await h.admin.reset();
  await h.admin.config({ taskSeconds: 0.5, taskPolls: null });
});


test('a task that needs several status checks is polled until it completes: one timer, then the checks as retries of one activity', async () => {
  await h.admin.config({ taskPolls: 3 });
  const input = { gstin: '24AAACC1206D1ZM', retPeriod: '012025', supplyType: 'SEZWP', supplierGstin: '24AAACC1206D1ZM' };
  const handle = await h.start('downloadEinvoices', input);
  const summary = (await handle.result()) as DownloadSummary;
  expect(summary.polls).toBe(4);
  const statusCalls = (await h.admin.requests()).byRoute.taskStatus!.total;
  expect(statusCalls).toBe(4);
  const events = (await handle.fetchHistory()).events ?? [];
  const timers = events.filter((e) => e.timerStartedEventAttributes).length;
  expect(timers).toBe(1); // the wait before the first check; the other waits are the activity's retry intervals
  const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  expect(scheduled.filter((n) => n === 'awaitTask')).toHaveLength(1);
  expect(scheduled).not.toContain('checkTask');
  console.log(`history: e-invoice download with ${summary.polls} status checks = ${events.length} events`);
  await h.expectTruth(summary, 'einvoice', input);
});

test('EAS token expiry in the middle of a download: the client refreshes and the download completes', async () => {
  const gstin = '27AAACR5055K1Z7';
  await h.admin.config({ gstins: { [gstin]: { imsRecords: 60, imsPageSize: 4 } } });
  // Three pages come down, then every token expires as the fourth is asked for.
  await h.admin.addFaults({ route: 'taskPage', kind: 'expireTokens', after: 3, next: 1 });
  const input = { gstin, section: 'B2BA' };
  const summary = (await (await h.start('downloadImsInvoices', input)).result()) as DownloadSummary;
  await h.expectTruth(summary, 'ims', input);
  const req = await h.admin.requests();
  expect(req.byRoute.taskPage!.byStatus['403']).toBeGreaterThanOrEqual(1);
  expect(req.byRoute.refresh?.byStatus['200']).toBeGreaterThanOrEqual(1);
});

test('GSTN session expiry in the middle of a multi-file GSTR-2B: the session workflow refreshes it once and the files complete', async () => {
  const gstin = '29AAACW4202F1ZM';
  await h.admin.config({ gstins: { [gstin]: { gstr2bRecords: 200, gstr2bDocsPerFile: 20 } } });
  // Two files come down, then the GSTN session lapses as the third is asked for.
  await h.admin.addFaults({ route: 'gstr2b', kind: 'expireSessions', after: 2, next: 1 });
  const handle = await h.start('downloadGstr2b', { gstin, retPeriod: '112025' });
  const summary = (await handle.result()) as DownloadSummary;
  await h.expectTruth(summary, 'gstr2b', { gstin, rtnprd: '112025' });
  const req = await h.admin.requests();
  expect(req.byRoute.gstr2b!.byStatus['502']).toBeGreaterThanOrEqual(1);
  expect(req.byRoute.gstnAuth!.byStatus['200']).toBeGreaterThanOrEqual(1);
  // the concurrent refused files asked the GSTIN's session workflow once, and it refreshed the session (no OTP)
  const events = (await handle.fetchHistory()).events ?? [];
  const asks = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'askGstnSession');
  expect(asks.length).toBe(1);
  const session = h.client.workflow.getHandle(sessionWorkflowId(gstin));
  const sessionEvents = (await session.fetchHistory()).events ?? [];
  expect(sessionEvents.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'refreshGstnSession').length).toBeGreaterThanOrEqual(1);
  expect(await session.query(sessionQuery)).toMatchObject({ state: 'LIVE', otpRequests: 0 });
});

test('GSTN session gone before submission: refreshed, then the job is submitted', async () => {
  const gstin = '33GSPTN0792G1Z4';
  await h.admin.expireSessions([gstin]);
  const input = { gstin, section: 'ECOM' };
  const summary = (await (await h.start('downloadImsInvoices', input)).result()) as DownloadSummary;
  await h.expectTruth(summary, 'ims', input);
  expect((await h.admin.requests()).byRoute.imsInvoices!.byStatus['502']).toBe(1);
});

test('5xx, 429 with Retry-After, resets, truncated bodies and a corrupt ZIP are all retried to success', async () => {
  await h.admin.addFaults(
    { route: 'taskPage', kind: 'http500', next: 3 },
    { route: 'taskStatus', kind: 'rateLimit', next: 2, retryAfterSeconds: 1 },
    { route: 'taskResult', kind: 'gstnDown', next: 2 },
    { route: 'einvoiceDownload', kind: 'reset', next: 2 },
    { route: 'taskDownload', kind: 'corruptZip', next: 1 },
    { route: 'gstr2b', kind: 'truncate', next: 1 },
  );
  const ims = { gstin: '27AAPFU0939F1ZV', section: 'B2BDN' };
  const einv = { gstin: '27AAPFU0939F1ZV', retPeriod: '062025', supplyType: 'DEXP', supplierGstin: '27AAPFU0939F1ZV' };
  const g2b = { gstin: '27AAPFU0939F1ZV', retPeriod: '062025' };
  const [a, b, c] = await Promise.all([
    h.start('downloadImsInvoices', ims).then((x) => x.result()),
    h.start('downloadEinvoices', einv).then((x) => x.result()),
    h.start('downloadGstr2b', g2b).then((x) => x.result()),
  ]);
  await h.expectTruth(a as DownloadSummary, 'ims', ims);
  await h.expectTruth(b as DownloadSummary, 'einvoice', einv);
  await h.expectTruth(c as DownloadSummary, 'gstr2b', { gstin: g2b.gstin, rtnprd: g2b.retPeriod });
  const req = await h.admin.requests();
  expect(req.byRoute.taskPage!.byStatus['500']).toBe(3);
  expect(req.byRoute.taskStatus!.byStatus['429']).toBe(2);
  expect(req.byRoute.taskResult!.byStatus['502']).toBe(2);
  expect(req.byRoute.gstr2b!.total).toBe(2);
  expect(req.last.filter((r) => r.fault === 'reset').length).toBe(2);
  expect(req.last.filter((r) => r.fault === 'corruptZip').length).toBe(1);
  expect(req.last.filter((r) => r.fault === 'truncate').length).toBe(1);
});

test('a failed task is submitted again, and the download completes', async () => {
  await h.admin.failNextTasks(1);
  const input = { gstin: '24AAACC1206D1ZM', section: 'B2B', status: 'A' };
  const summary = (await (await h.start('downloadImsInvoices', input)).result()) as DownloadSummary;
  expect(summary.submissions).toBe(2);
  await h.expectTruth(summary, 'ims', input);
});

test('a task that keeps failing fails the download after a bounded number of submissions, non-retryable', async () => {
  await h.admin.failNextTasks(50);
  const handle = await h.start('downloadImsInvoices', { gstin: '24AAACC1206D1ZM', section: 'ECOMA' });
  const err = await handle.result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('TaskFailed');
  expect(cause.message).toMatch(/failed 4 times/);
  expect((await h.admin.requests()).byRoute.imsInvoices!.total).toBe(h.download.maxFailedResubmits + 1);
  await h.admin.reset();
});

test('a result that expired mid-download (404) makes the workflow submit the job again', async () => {
  const gstin = '27GSPMH1881G1ZH';
  await h.admin.config({ gstins: { [gstin]: { imsRecords: 40, imsPageSize: 4 } } });
  // Two pages come down, then the task's result is gone when the third is asked for.
  await h.admin.addFaults({ route: 'taskPage', kind: 'expireTasks', after: 2, next: 1 });
  const input = { gstin, section: 'B2BDNA' };
  const summary = (await (await h.start('downloadImsInvoices', input)).result()) as DownloadSummary;
  expect(summary.submissions).toBe(2);
  await h.expectTruth(summary, 'ims', input);
  expect((await h.admin.requests()).byRoute.taskPage!.byStatus['404']).toBeGreaterThanOrEqual(1);
});

test('an e-invoice task whose result expired while polling is submitted again', async () => {
  await h.admin.config({ taskPolls: 4 });
  const input = { gstin: '33GSPTN0791G1Z5', retPeriod: '032025', supplyType: 'B2B', recipientGstin: '33GSPTN0791G1Z5' };
  // The first status check answers processing; the result is gone by the second.
  await h.admin.addFaults({ route: 'taskStatus', kind: 'expireTasks', after: 1, next: 1 });
  const summary = (await (await h.start('downloadEinvoices', input)).result()) as DownloadSummary;
  expect(summary.submissions).toBe(2);
  await h.expectTruth(summary, 'einvoice', input);
});
