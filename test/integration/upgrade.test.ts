/**
 * Upgrading the worker with downloads in flight, the way docs/operations.md prescribes (patched() + replay, no
 * worker versioning): version 1 (today's workflows) runs an IMS download and an e-invoice download and is stopped
 * mid-way; version 2 (today's workflows + a change of commands behind patched(), test/fixtures/upgrade/v2.ts)
 * takes over. The running downloads finish and equal the sandbox's truth; their histories, the v1-only one taken
 * at the upgrade and every recorded history in test/histories/ replay on version 2; the same change WITHOUT
 * patched() fails the replay of the v1 history, so the check is not vacuous.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import type { DownloadSummary, Progress } from '../../workflows/types';
import { UPGRADE_PATCH } from '../fixtures/upgrade/v2';
import { Harness, waitFor, workflowBundle } from './harness';

jest.setTimeout(300_000);

const noop = () => undefined;
const logger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
const HISTORIES = path.resolve(__dirname, '..', 'histories');
const NDE = /[Nn]ondeterminism|DeterminismViolation/;

const bundleWith = (module: string) =>
  bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), workflowInterceptorModules: [require.resolve(module)], logger });

type History = temporal.api.history.v1.IHistory;
const patchMarkers = (h: History) =>
  (h.events ?? [])
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .flatMap((e) => Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((p) => (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString('utf8'))));
const timers = (h: History) => (h.events ?? []).filter((e) => e.timerStartedEventAttributes).length;
const activities = (h: History) => (h.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length;

let h: Harness;
beforeAll(async () => {
  h = await Harness.create();
});
afterAll(() => h?.close());

test('a worker upgrade with downloads in flight: they finish on version 2, and old histories replay', async () => {
  const [v1, v2, unguarded] = await Promise.all([workflowBundle(), bundleWith('../fixtures/upgrade/v2'), bundleWith('../fixtures/upgrade/v2-unguarded')]);

  // --- version 1: two downloads in flight -----------------------------------------------------------
  // ranges of 5 pages, so IMS progress moves page range by page range (not at the end of one 500-page range)
  const w1 = await h.startWorker({ pagesPerActivity: 5 }, { workflowBundle: v1 });
  const imsInput = { gstin: '29AAGCB7383J1Z4', section: 'B2B' };
  await h.admin.config({ gstins: { [imsInput.gstin]: { imsRecords: 400, imsPageSize: 4 } } });
  await h.admin.addFaults({ route: 'taskPage', kind: 'latency', rate: 1, latencyMs: 300 });
  const ims = await h.start('downloadImsInvoices', imsInput);
  await waitFor(async () => (await ims.query<Progress>('progress')).pagesDone >= 5, 'IMS: five pages done on version 1', 60_000);
  // the e-invoice task answers `processing` to its first 8 status checks (~6 s of polling), so it is polling at the upgrade
  await h.admin.config({ taskPolls: 8 });
  const einvInput = { gstin: '27AAPFU0939F1ZV', retPeriod: '092024', supplyType: 'B2B', recipientGstin: '27AAPFU0939F1ZV' };
  const einv = await h.start('downloadEinvoices', einvInput);
  await waitFor(async () => (await einv.query<Progress>('progress')).stage === 'POLLING', 'e-invoice: polling on version 1', 60_000);
  const before = { ims: await ims.query<Progress>('progress'), einv: await einv.query<Progress>('progress') };
  expect(before.einv.stage).toBe('POLLING');
  expect(before.ims.pagesDone).toBeLessThan(100);
  await w1.stop();
  const atUpgrade = await ims.fetchHistory();
  expect(patchMarkers(atUpgrade).join()).not.toContain(UPGRADE_PATCH);
  // version 1 puts no timer before its activities (the one timer there is its own status poll)
  expect(timers(atUpgrade)).toBeLessThan(activities(atUpgrade) - 3);
  // both still running, in the middle (version 1 is gone: no queries now, the server's word instead)
  for (const handle of [ims, einv]) expect((await handle.describe()).status.name).toBe('RUNNING');

  // --- the check before deploying: the v1 history replays on v2, and would not on the unpatched change -------
  await expect(Worker.runReplayHistory({ workflowBundle: v2 }, atUpgrade)).resolves.toBeUndefined();
  await expect(Worker.runReplayHistory({ workflowBundle: unguarded }, atUpgrade)).rejects.toThrow(NDE);

  // --- version 2 takes over: the running downloads finish and equal the truth ----------------------------
  const w2 = await h.startWorker({ pagesPerActivity: 5 }, { workflowBundle: v2 });
  const started = Date.now();
  const imsSummary = (await ims.result()) as DownloadSummary;
  const einvSummary = (await einv.result()) as DownloadSummary;
  console.log(
    `upgrade: at the switch IMS had ${before.ims.pagesDone}/${before.ims.pagesTotal} pages, e-invoice ${before.einv.polls} status checks; ` +
      `both finished ${Date.now() - started} ms after version 2 started`,
  );
  await h.expectTruth(imsSummary, 'ims', imsInput);
  await h.expectTruth(einvSummary, 'einvoice', einvInput);

  // their histories: version 2's path (patch marker, a timer before each activity it scheduled) after version 1's
  for (const handle of [ims, einv]) {
    const history = await handle.fetchHistory();
    expect(patchMarkers(history).join()).toContain(UPGRADE_PATCH);
    await expect(Worker.runReplayHistory({ workflowBundle: v2 }, history)).resolves.toBeUndefined();
  }

  // a download started after the upgrade: a timer before every activity, from the first one
  const fresh = await h.start('downloadGstr2b', { gstin: '27AAACR5055K1Z7', retPeriod: '102025' });
  await h.expectTruth((await fresh.result()) as DownloadSummary, 'gstr2b', { gstin: '27AAACR5055K1Z7', rtnprd: '102025' });
  const freshHistory = await fresh.fetchHistory();
  expect(timers(freshHistory)).toBe(activities(freshHistory));

  // every recorded history (downloads that started on older code) replays on version 2
  const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThan(5);
  for (const f of files) {
    const recorded = JSON.parse(readFileSync(path.join(HISTORIES, f), 'utf8'));
    await expect(Worker.runReplayHistory({ workflowBundle: v2 }, recorded)).resolves.toBeUndefined();
  }
  await w2.stop();
});
