/**
 * Polling without history growth (workflows/poll-activity.ts): the status checks of a window are the retries of one
 * activity, so a download that checks many times writes about as much history as one that checks once.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { progressQuery } from '../../workflows/messages';
import type { DownloadSummary } from '../../workflows/types';
import { Harness, waitFor } from './harness';

jest.setTimeout(120_000);

let h: Harness;
beforeAll(async () => {
  h = await Harness.create({ sandbox: { taskSeconds: 0 }, download: { poll: { initialMs: 50, factor: 1.2, maxMs: 100, jitter: 0.2, deadlineMs: 60_000, windowMs: 60_000 } } });
  await h.startWorker();
});
afterAll(() => h.close());
afterEach(() => h.admin.config({ taskPolls: null }));

async function events(workflowId: string) {
  return (await h.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

test('a task that answers `processing` 12 times: 13 checks, one timer, one activity, a short history', async () => {
  const statusBefore = (await h.admin.requests()).byRoute.taskStatus?.total ?? 0;
  await h.admin.config({ taskPolls: 12 });
  const handle = await h.start('downloadImsInvoices', { gstin: '27AAPFU0939F1ZV', section: 'ECOMA' });
  const summary = (await handle.result()) as DownloadSummary;
  expect(summary.polls).toBe(13);
  expect(((await h.admin.requests()).byRoute.taskStatus?.total ?? 0) - statusBefore).toBe(13);
  const hist = await events(handle.workflowId);
  expect(hist.filter((e) => e.timerStartedEventAttributes).length).toBe(1); // the wait before the first check
  const polls = hist.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitTask');
  expect(polls.length).toBe(1);
  expect(hist.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'checkTask')).toBe(false);
  // the old path wrote ~11 events per check (~140 here); one window of checks costs the same as one check. Besides the
  // polling itself the run holds one marker event per patch it asks about (this round added six); counted apart so the
  // bound stays about the polling.
  const markers = hist.filter((e) => e.markerRecordedEventAttributes).length;
  expect(hist.length - markers).toBeLessThan(60);
  expect(hist.length).toBeLessThan(100);
  expect((await handle.query(progressQuery)).polls).toBe(13);
});

test('while checking: the pending activity counts the checks live, the query says since when; the deadline fails the download as DeadlineExceeded', async () => {
  await h.admin.config({ taskPolls: 100_000 });
  const handle = await h.start('downloadImsInvoices', { gstin: '27AAPFU0939F1ZV', section: 'ECOM' });
  const pending = await waitFor(async () => {
    const d = await handle.describe();
    const a = d.raw.pendingActivities?.find((p) => p.activityType?.name === 'awaitTask');
    return a && (a.attempt ?? 0) >= 5 ? a : undefined;
  }, 'awaitTask at its 5th check');
  expect(pending.attempt).toBeGreaterThanOrEqual(5);
  const p = await handle.query(progressQuery);
  expect(p.stage).toBe('POLLING');
  expect(p.pollWindowSince).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  await handle.terminate('test over');

  // a short deadline: the download fails with DeadlineExceeded itself (not an activity failure)
  const quick = await Harness.create({ sandbox: { taskSeconds: 0 }, download: { poll: { initialMs: 50, factor: 1.2, maxMs: 100, jitter: 0.2, deadlineMs: 4000, windowMs: 1000 } } });
  try {
    await quick.startWorker();
    await quick.admin.config({ taskPolls: 100_000 });
    const slow = await quick.start('downloadImsInvoices', { gstin: '27AAPFU0939F1ZV', section: 'B2BA' });
    const err = await slow.result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(err.cause).toMatchObject({ type: 'DeadlineExceeded', nonRetryable: true });
    const hist = await quick.client.workflow.getHandle(slow.workflowId).fetchHistory();
    const windows = (hist.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitTask').length;
    expect(windows).toBeGreaterThanOrEqual(2); // 4 s of checks in windows of 1 s (the server retries no faster than about once a second)
    expect(windows).toBeLessThanOrEqual(6);
  } finally {
    await quick.close();
  }
});
