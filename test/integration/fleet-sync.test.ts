/**
 * A fleet in one sync (workflows/sync-fleet.ts): the GSTINs from a list in the store, children as a sliding window,
 * continue-as-new with a cursor, slim results, progress (with downloads waiting for an OTP) in the `syncProgress`
 * query, and the children's priority and fairness key. Real workflows on the dev server against the sandbox.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { verifyOtpAndResume } from '../../client/session';
import { EasClient } from '../../eas/client';
import { SANDBOX_USER } from '../../sandbox/user';
import { workflowIds } from '../../domain/ids';
import { SYNC_PRIORITY_KEY } from '../../workflows/sync-fleet';
import type { SyncResult } from '../../workflows/sync';
import { progressQuery, syncProgressQuery } from '../../workflows/messages';
import { Harness, waitFor } from './harness';

jest.setTimeout(180_000);

let h: Harness;
beforeAll(async () => {
  h = await Harness.create({ sandbox: { taskSeconds: 0 } });
  // a low threshold, so a sync of a dozen children must continue as new with its cursor
  await h.startWorker({ continueAsNewEvents: 40, otp: { waitMs: 120_000, checkInitialMs: 1000, checkMaxMs: 2000 } });
});
afterAll(() => h.close());

/** Made-up GSTINs of the right format (checksums are off in the tests' worker config). */
const gstins = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `33${tag}${String(1000 + i)}F1Z${i % 10}`);

async function putList(name: string, text: string): Promise<string> {
  await mkdir(path.join(h.dataDir, 'lists'), { recursive: true });
  await writeFile(path.join(h.dataDir, 'lists', name), text);
  return `lists/${name}`;
}

test('a list in the store: every GSTIN synced once, over several runs, with a slim result and bounded runs', async () => {
  const list = gstins('FLTAA', 12);
  const ref = await putList('fleet-a.txt', `# acme group\n${list.join('\n')}\n\n${list[3]}\n`); // a duplicate is dropped
  // GSTN has no 2B documents for one of them: an outcome of that child, counted in the slim result
  await h.admin.answer({ gstin: list[2]!, kind: 'gstr2b', period: '082023', answer: 'no-data', times: 1 });
  const handle = await h.start('syncReturnPeriod', { gstinsRef: ref, kinds: ['gstr2b'], retPeriod: '082023', concurrency: 3 });
  const seen = await waitFor(async () => {
    const p = await handle.query(syncProgressQuery).catch(() => undefined);
    return p && p.total === 12 ? p : undefined;
  }, 'syncProgress with the total');
  expect(seen).toMatchObject({ retPeriod: '082023', gstins: 12, total: 12 });
  const result = (await handle.result()) as SyncResult;
  expect(result).toMatchObject({ gstinsRef: ref, gstinCount: 12, total: 12, done: 12, alreadyDone: 0, failed: 0, failures: [] });
  expect(result.gstins).toBeUndefined();
  expect(result.runs).toBeGreaterThan(1);
  expect(result.items!.map((i) => i.gstin)).toEqual(list);
  expect(result.items!.every((i) => i.status === 'done' && i.kind === 'gstr2b')).toBe(true);
  expect(result.items!.map((i) => i.outcome)).toEqual(list.map((_, i) => (i === 2 ? 'no-data' : 'data')));
  expect(result.outcomes).toEqual({ data: 11, 'no-data': 1 });

  // every run of the chain stays short: the cursor, not the history, carries the progress
  let runId: string | undefined = handle.firstExecutionRunId;
  let runs = 0;
  while (runId) {
    const events: Array<{ workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId?: string | null } | null }> = (await h.client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
    expect(events.length).toBeLessThan(120);
    runs++;
    runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  expect(runs).toBe(result.runs);

  // children run behind downloads started by hand, one fairness key per GSTIN
  const child = await h.client.workflow.getHandle(workflowIds.gstr2b({ gstin: list[5]!, retPeriod: '082023' })).describe();
  expect(child.raw.workflowExecutionInfo?.priority?.priorityKey).toBe(SYNC_PRIORITY_KEY);
  expect(child.raw.workflowExecutionInfo?.priority?.fairnessKey).toBe(list[5]);

  // a second sync of the same list finds every download done
  const again = (await (await h.start('syncReturnPeriod', { gstinsRef: ref, kinds: ['gstr2b'], retPeriod: '082023', concurrency: 4 })).result()) as SyncResult;
  expect(again).toMatchObject({ total: 12, done: 0, alreadyDone: 12, failed: 0 });

  // refreshGstr2b: every 2B child runs again (the same generation writes nothing); the no-data one now has data
  const refreshed = (await (await h.start('syncReturnPeriod', { gstinsRef: ref, kinds: ['gstr2b'], retPeriod: '082023', concurrency: 4, refreshGstr2b: true })).result()) as SyncResult;
  expect(refreshed).toMatchObject({ total: 12, done: 12, alreadyDone: 0, failed: 0, outcomes: { data: 12 } });
});

test('a bad line in the list fails the sync at once, naming the line; a missing list likewise', async () => {
  const ref = await putList('fleet-bad.txt', `${gstins('FLTBB', 2).join('\n')}\nnot-a-gstin\n`);
  const err = await (await h.start('syncReturnPeriod', { gstinsRef: ref, retPeriod: '082023' })).result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(err.cause.cause ?? err.cause).toMatchObject({ type: 'InvalidInput' });
  expect(String((err.cause.cause ?? err.cause).message)).toContain(`${ref} line 3`);
  const missing = await (await h.start('syncReturnPeriod', { gstinsRef: 'lists/nope.txt', retPeriod: '082023' })).result().catch((e) => e);
  expect(String((missing.cause.cause ?? missing.cause).message)).toContain('no list "lists/nope.txt"');
  const both = await (await h.start('syncReturnPeriod', { gstinsRef: ref, gstins: gstins('FLTBB', 1), retPeriod: '082023' })).result().catch((e) => e);
  expect(both.cause).toMatchObject({ type: 'InvalidInput', message: 'gstinsRef: give either gstins or gstinsRef, not both' });
});

test('progress counts the children waiting for an OTP, and forgets them when the OTP comes', async () => {
  const list = gstins('FLTCC', 3);
  const stuck = list[1]!;
  await h.admin.endSessions([stuck]);
  const handle = await h.start('syncReturnPeriod', { gstins: list, kinds: ['gstr2b'], retPeriod: '082023', concurrency: 3 });
  const waiting = await waitFor(async () => {
    const p = await handle.query(syncProgressQuery).catch(() => undefined);
    return p && p.awaitingOtp === 1 && p.done === 2 ? p : undefined;
  }, 'one child awaiting an OTP, two done');
  expect(waiting).toMatchObject({ total: 3, running: 1, failed: 0 });
  const childId = workflowIds.gstr2b({ gstin: stuck, retPeriod: '082023' });
  expect((await h.client.workflow.getHandle(childId).query(progressQuery)).stage).toBe('AWAITING_OTP');
  await verifyOtpAndResume(h.client, new EasClient(h.workerConfig().eas), stuck, (await h.admin.phone(stuck)).otp);
  const result = (await handle.result()) as SyncResult;
  expect(result).toMatchObject({ done: 3, failed: 0 });
  // the finished sync answers from its history, on a worker that never ran it (a replay from the first event):
  // runs decide their changes before the config's local activity (workflows/patches.ts), so the replay agrees
  await h.stopWorkers();
  await h.startWorker({ continueAsNewEvents: 40, otp: { waitMs: 120_000, checkInitialMs: 1000, checkMaxMs: 2000 } });
  for (let i = 0; i < 3; i++) expect(await handle.query(syncProgressQuery)).toMatchObject({ total: 3, done: 3, awaitingOtp: 0, running: 0 });
});
