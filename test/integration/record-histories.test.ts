/**
 * Records representative histories of every download workflow into test/histories/ — the corpus that
 * test/replay.test.ts replays on every run, so a later change to workflow code that would break running
 * downloads (non-determinism) fails CI. Runs only when asked:
 *   RECORD_HISTORIES=1 npx jest --runInBand test/integration/record-histories.test.ts -t '<record name>'
 * The files are the "before" corpus: never recorded again (save() refuses to overwrite one). A patched change adds
 * a record() block that saves under a NEW name and records it alone with -t (docs/operations.md, "Changing
 * workflow code").
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { findAwaitingOtp, sessionOf, verifyOtpAndResume } from '../../client/session';
import { sessionWorkflowId } from '../../domain/session';
import { EasClient } from '../../eas/client';
import { SANDBOX_USER } from '../../sandbox/user';
import { workflowIds } from '../../domain/ids';
import type { EinvoiceInput } from '../../domain/inputs';
import { ensureTemporalBinary } from '../../scripts/temporal-server';
import { progressQuery } from '../../workflows/messages';
import type { SyncResult } from '../../workflows/sync';
import { hmacGstinIndex } from '../../temporal/search-index';
import { Harness, waitFor } from './harness';

const record = process.env.RECORD_HISTORIES === '1' ? test : test.skip;
const DIR = path.resolve(__dirname, '../histories');

jest.setTimeout(180_000);

let h: Harness;
beforeAll(async () => {
  if (process.env.RECORD_HISTORIES !== '1') return;
  h = await Harness.create();
  await h.startWorker({ continueAsNewEvents: 120 });
});
afterAll(() => h?.close());

/** The canonical JSON form (`temporal workflow show --output json`), as the Web UI exports it too. */
async function save(name: string, workflowId: string, runId?: string) {
  const args = ['workflow', 'show', '--address', process.env.TEMPORAL_ADDRESS!, '--namespace', process.env.TEMPORAL_NAMESPACE ?? 'default'];
  args.push('--workflow-id', workflowId, '--output', 'json');
  if (runId) args.push('--run-id', runId);
  const json = execFileSync(await ensureTemporalBinary(), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // never overwrite: the recorded histories stand for runs that may still be open on old code
  await writeFile(path.join(DIR, `${name}.json`), json, { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
    throw new Error(`test/histories/${name}.json exists: the recorded histories are never re-recorded; save under a new name`);
  });
}

record('record one history per workflow and path', async () => {
  await h.admin.config({ taskPolls: 2, gstins: { '27AAPFU0939F1ZV': { imsRecords: 300, imsPageSize: 10 }, '27AAACR5055K1Z7': { gstr2bRecords: 90, gstr2bDocsPerFile: 30 } } });

  const einv = await h.start('downloadEinvoices', { gstin: '29HJKPS9689A8Z4', retPeriod: '082023', supplyType: 'B2B', supplierGstin: '29HJKPS9689A8Z4' }, 'replay-einvoice');
  await einv.result();
  await save('einvoice-3-polls', einv.workflowId);

  const ims = await h.start('downloadImsInvoices', { gstin: '27AAPFU0939F1ZV', section: 'B2B' }, 'replay-ims');
  await ims.result();
  await save('ims-30-pages-run1', ims.workflowId, ims.firstExecutionRunId);
  await save('ims-30-pages-last-run', ims.workflowId);

  const g2b = await h.start('downloadGstr2b', { gstin: '27AAACR5055K1Z7', retPeriod: '102025' }, 'replay-gstr2b');
  await g2b.result();
  await save('gstr2b-3-files', g2b.workflowId);

  const irn = await h.start('getIrnDetails', { gstin: '29HJKPS9689A8Z4', irns: ['11f8ef701fe294d4a14aad0b12457e62775d0fdc41a0acf05b74fbb2ddc47acb', 'b'.repeat(64)] }, 'replay-irn');
  await irn.result();
  await save('irn-2', irn.workflowId);

  // failed task resubmitted + GSTN session refreshed
  await h.admin.failNextTasks(1);
  await h.admin.expireSessions(['33GSPTN0792G1Z4']);
  const retry = await h.start('downloadImsInvoices', { gstin: '33GSPTN0792G1Z4', section: 'ECOM' }, 'replay-ims-resubmit');
  await retry.result();
  await save('ims-session-refresh-and-resubmit', retry.workflowId);

  // a bad input
  const bad = await h.start('downloadGstr2b', { gstin: 'bad', retPeriod: '032020' }, 'replay-bad-input');
  await bad.result().catch(() => undefined);
  await waitFor(async () => (await bad.describe()).status.name === 'FAILED', 'failure recorded');
  await save('gstr2b-bad-input', bad.workflowId);
});

// RECORD_HISTORIES=1 npx jest record-histories -t otp  (records only these, leaving the files above as they are)
// gstr2b-otp-signal.json and ims-otp-update.json were recorded before the session workflow (the download asked for
// its own OTP; the provideOtp update): they stay, so the legacy path keeps replaying.
record('record the AWAITING_OTP path through the session workflow: the download and its GSTIN\'s gstnSession', async () => {
  const eas = new EasClient(h.workerConfig().eas);
  const gstin = '29AAACW4202F1ZM';
  await h.admin.endSessions([gstin]);
  const download = await h.start('downloadGstr2b', { gstin, retPeriod: '092025' }, 'replay-gstr2b-otp-session');
  await waitFor(async () => ((await download.query(progressQuery)).stage === 'AWAITING_OTP' ? true : undefined), 'AWAITING_OTP');
  await waitFor(async () => ((await sessionOf(h.client, gstin))?.state === 'AWAITING_OTP' ? true : undefined), 'session AWAITING_OTP');
  await verifyOtpAndResume(h.client, eas, gstin, (await h.admin.phone(gstin)).otp);
  await download.result();
  await eas.logout();
  await save('gstr2b-otp-session-workflow', download.workflowId);
  const session = h.client.workflow.getHandle(sessionWorkflowId(gstin));
  await session.terminate('recorded');
  await save('gstn-session-otp', session.workflowId);
});

// RECORD_HISTORIES=1 npx jest record-histories -t sync  (records only this one)
record('record a sync of 2 GSTINs × (gstr2b, einvoice): children done, already done and failed', async () => {
  // the current month: its e-invoices exist, its GSTR-2B is not generated until the 14th of next month (RET2B1023)
  const now = new Date();
  const current = `${String(now.getUTCMonth() + 1).padStart(2, '0')}${now.getUTCFullYear()}`;
  const [a, b] = ['27AAACR5055K1Z7', '29HJKPS9689A8Z4'];
  // one child already downloaded (by hand, with the id the sync gives it): the sync reports it already-done
  const early: EinvoiceInput = { gstin: a, retPeriod: current, supplyType: 'B2B', recipientGstin: a };
  await (await h.start('downloadEinvoices', early, workflowIds.einvoice(early))).result();

  const input = { gstins: [a, b], kinds: ['gstr2b', 'einvoice'], retPeriod: current, concurrency: 2 };
  const sync = await h.start('syncReturnPeriod', input, 'replay-sync');
  const result = (await sync.result()) as SyncResult;
  // since OUTCOMES_PATCH a 2B not generated yet is asked again, then ends not-generated: done, not failed
  expect(result.items!.map((i) => [i.gstin, i.kind, i.status, i.outcome])).toEqual([
    [a, 'gstr2b', 'done', 'not-generated'],
    [a, 'einvoice', 'already-done', undefined],
    [b, 'gstr2b', 'done', 'not-generated'],
    [b, 'einvoice', 'done', 'data'],
  ]);
  await save('sync-2-gstins', sync.workflowId);
});

// RECORD_HISTORIES=1 npx jest record-histories -t gstin-index  (records only this one)
record('record a GSTR-2B download on a worker that indexes a keyed hash of the GSTIN (patch gstin-index)', async () => {
  await h.stopWorkers();
  await h.startWorker({ continueAsNewEvents: 120 }, { worker: { gstinIndex: hmacGstinIndex(Buffer.alloc(32, 1)) } });
  const g2b = await h.start('downloadGstr2b', { gstin: '27AAACR5055K1Z7', retPeriod: '102025' }, 'replay-gstr2b-gstin-index');
  await g2b.result();
  await save('gstr2b-gstin-index', g2b.workflowId);
});

// RECORD_HISTORIES=1 npx jest record-histories -t ranges  (issue 14's paths: page ranges, polling by activity
// retry, the fleet sync with a cursor and a child waiting for an OTP; the files above stay as they are)
record('record the ranges, poll-by-activity and fleet-sync paths', async () => {
  await h.admin.config({ taskPolls: 2, gstins: { '27AAPFU0939F1ZV': { imsRecords: 300, imsPageSize: 10 } } });
  const ims = await h.start('downloadImsInvoices', { gstin: '27AAPFU0939F1ZV', section: 'B2BA' }, 'replay-ims-ranges');
  await ims.result();
  await save('ims-30-pages-ranges-poll-activity', ims.workflowId);

  const irn = await h.start('getIrnDetails', { gstin: '29HJKPS9689A8Z4', irns: ['11f8ef701fe294d4a14aad0b12457e62775d0fdc41a0acf05b74fbb2ddc47acb', 'c'.repeat(64)] }, 'replay-irn-ranges');
  await irn.result();
  await save('irn-2-ranges', irn.workflowId);

  // 30 GSTINs from a list in the store (continues as new at 120 events), one of them waiting for an OTP first
  const gstins = Array.from({ length: 30 }, (_, i) => `33RECAA${String(1000 + i)}F1Z${i % 10}`);
  const { mkdir, writeFile: write } = await import('node:fs/promises');
  await mkdir(path.join(h.dataDir, 'lists'), { recursive: true });
  await write(path.join(h.dataDir, 'lists', 'replay.txt'), `${gstins.join('\n')}\n`);
  await h.admin.endSessions([gstins[0]!]);
  const sync = await h.start('syncReturnPeriod', { gstinsRef: 'lists/replay.txt', kinds: ['gstr2b'], retPeriod: '082023', concurrency: 4 }, 'replay-fleet-sync');
  await waitFor(async () => ((await findAwaitingOtp(h.client, gstins[0]!)).length ? true : undefined), 'a child awaiting an OTP');
  await verifyOtpAndResume(h.client, new EasClient(h.workerConfig().eas), gstins[0]!, (await h.admin.phone(gstins[0]!)).otp);
  await sync.result();
  await save('fleet-sync-run1', sync.workflowId, sync.firstExecutionRunId);
  await save('fleet-sync-last-run', sync.workflowId);
  await save('gstr2b-child-otp-tells-parent', `gst-gstr2b-${gstins[0]}-082023`);
});

// RECORD_HISTORIES=1 npx jest record-histories -t outcomes  (the OUTCOMES_PATCH paths, beside the files above)
record('record the outcome paths: 2B not generated then generated, 2B queued, IMS no-data, an IRN batch with a missing IRN', async () => {
  await h.admin.answer({ gstin: '27AAACR5055K1Z7', kind: 'gstr2b', period: '082025', answer: 'not-generated', times: 1 });
  const ng = await h.start('downloadGstr2b', { gstin: '27AAACR5055K1Z7', retPeriod: '082025' }, 'replay-outcomes-gstr2b-not-generated');
  await ng.result();
  await save('outcomes-gstr2b-not-generated-then-data', ng.workflowId);

  await h.admin.answer({ gstin: '27AAACR5055K1Z7', kind: 'gstr2b', period: '072025', answer: 'queued', est: 0, times: 1 });
  const q = await h.start('downloadGstr2b', { gstin: '27AAACR5055K1Z7', retPeriod: '072025' }, 'replay-outcomes-gstr2b-queued');
  await q.result();
  await save('outcomes-gstr2b-queued', q.workflowId);

  await h.admin.answer({ gstin: '27AAPFU0939F1ZV', kind: 'ims', section: 'B2BA', answer: 'no-data', times: 1 });
  const ims = await h.start('downloadImsInvoices', { gstin: '27AAPFU0939F1ZV', section: 'B2BA' }, 'replay-outcomes-ims-no-data');
  await ims.result();
  await save('outcomes-ims-no-data', ims.workflowId);

  await h.admin.answer({ gstin: '29HJKPS9689A8Z4', kind: 'irn', answer: 'no-data', times: 1 });
  const irn = await h.start('getIrnDetails', { gstin: '29HJKPS9689A8Z4', irns: ['c'.repeat(64)] }, 'replay-outcomes-irn-missing');
  await irn.result();
  const irn2 = await h.start('getIrnDetails', { gstin: '29HJKPS9689A8Z4', irns: ['d'.repeat(64), 'e'.repeat(64)] }, 'replay-outcomes-irn-data');
  await irn2.result();
  await save('outcomes-irn-no-data', irn.workflowId);
  await save('outcomes-irn-batch-folder', irn2.workflowId);

  const einv = await h.start('downloadEinvoices', { gstin: '29HJKPS9689A8Z4', retPeriod: '082023', supplyType: 'B2B', recipientGstin: '29HJKPS9689A8Z4' }, 'replay-outcomes-einvoice');
  await einv.result();
  await save('outcomes-einvoice-data', einv.workflowId);
});

// RECORD_HISTORIES=1 npx jest record-histories -t epoch1  (every workflow type on the first epoch of
// workflows/patches.ts: one marker up front, no marker per change)
record('record epoch1: every workflow type deciding its changes up front', async () => {
  await h.admin.config({ taskPolls: 2, gstins: { '27AAPFU0939F1ZV': { imsRecords: 300, imsPageSize: 10 } } });
  const ims = await h.start('downloadImsInvoices', { gstin: '27AAPFU0939F1ZV', section: 'B2B' }, 'replay-epoch1-ims');
  await ims.result();
  await save('epoch1-ims-30-pages', ims.workflowId);

  const einv = await h.start('downloadEinvoices', { gstin: '29HJKPS9689A8Z4', retPeriod: '082023', supplyType: 'B2B', supplierGstin: '29HJKPS9689A8Z4' }, 'replay-epoch1-einvoice');
  await einv.result();
  await save('epoch1-einvoice', einv.workflowId);

  await h.admin.answer({ gstin: '27AAACR5055K1Z7', kind: 'gstr2b', period: '082025', answer: 'not-generated', times: 1 });
  const g2b = await h.start('downloadGstr2b', { gstin: '27AAACR5055K1Z7', retPeriod: '082025' }, 'replay-epoch1-gstr2b');
  await g2b.result();
  await save('epoch1-gstr2b-not-generated-then-data', g2b.workflowId);

  const irn = await h.start('getIrnDetails', { gstin: '29HJKPS9689A8Z4', irns: ['11f8ef701fe294d4a14aad0b12457e62775d0fdc41a0acf05b74fbb2ddc47acb', 'c'.repeat(64)] }, 'replay-epoch1-irn');
  await irn.result();
  await save('epoch1-irn-2', irn.workflowId);

  // a fleet sync of 6 GSTINs, one waiting for an OTP (its child tells the sync; its gstnSession asks for the OTP)
  const gstins = Array.from({ length: 6 }, (_, i) => `33EPOAA${String(1000 + i)}F1Z${i}`);
  await h.admin.endSessions([gstins[0]!]);
  const sync = await h.start('syncReturnPeriod', { gstins, kinds: ['gstr2b'], retPeriod: '082023', concurrency: 3 }, 'replay-epoch1-sync');
  await waitFor(async () => ((await findAwaitingOtp(h.client, gstins[0]!)).length ? true : undefined), 'a child awaiting an OTP');
  await verifyOtpAndResume(h.client, new EasClient(h.workerConfig().eas), gstins[0]!, (await h.admin.phone(gstins[0]!)).otp);
  await sync.result();
  await save('epoch1-sync-6-gstins', sync.workflowId);
  await save('epoch1-gstr2b-child-otp', `gst-gstr2b-${gstins[0]}-082023`);
  const session = h.client.workflow.getHandle(sessionWorkflowId(gstins[0]!));
  await session.terminate('recorded');
  await save('epoch1-gstn-session-otp', session.workflowId);
});

// RECORD_HISTORIES=1 npx jest record-histories -t split  — on a LOADED machine (e.g. three busy loops beside it):
// the shape that broke replays, where the task recording the config's local activity completed before the code
// after it ran (the LA marker ends task 1; the code after it is in task 2). Tries until one run has that shape.
record('record split: the config local activity ends the first task, and a new worker replays it', async () => {
  await h.stopWorkers();
  const gstin = '29AAGCB7383J1Z4';
  for (let i = 0; i < 60; i++) {
    await h.admin.reset();
    await h.admin.config({ gstins: { [gstin]: { imsRecords: 120, imsPageSize: 4 } } });
    const first = await h.startWorker({ pagesPerActivity: 5 });
    const handle = await h.start('downloadImsInvoices', { gstin, section: 'B2BA', status: 'A' }, `replay-epoch1-split-${i}`);
    await waitFor(async () => ((await handle.query(progressQuery)).pagesDone >= 5 ? true : undefined), 'five pages');
    await first.stop();
    const events = (await handle.fetchHistory()).events ?? [];
    const la = events.findIndex((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
    const second = await h.startWorker({ pagesPerActivity: 5 });
    await handle.result();
    await second.stop();
    if (la >= 0 && events[la + 1]?.workflowTaskScheduledEventAttributes) {
      await save('epoch1-ims-config-ends-first-task', handle.workflowId);
      return;
    }
  }
  throw new Error('no run had the split shape in 60 tries: load the machine and record again');
});

// RECORD_HISTORIES=1 npx jest record-histories -t epoch2  (epoch 2: the session workflow indexes the GSTIN's keyed hash)
record('record epoch2: a download waiting for an OTP and its gstnSession on a worker with a GSTIN index key', async () => {
  await h.stopWorkers();
  await h.startWorker({ continueAsNewEvents: 120 }, { worker: { gstinIndex: hmacGstinIndex(Buffer.alloc(32, 2)) } });
  const eas = new EasClient(h.workerConfig().eas);
  const gstin = '33EPOBB1000F1Z0';
  await h.admin.endSessions([gstin]);
  const download = await h.start('downloadGstr2b', { gstin, retPeriod: '082023' }, 'replay-epoch2-gstr2b-otp');
  await waitFor(async () => ((await sessionOf(h.client, gstin))?.state === 'AWAITING_OTP' ? true : undefined), 'session AWAITING_OTP');
  await verifyOtpAndResume(h.client, eas, gstin, (await h.admin.phone(gstin)).otp);
  await download.result();
  await eas.logout();
  await save('epoch2-gstr2b-otp-indexed', download.workflowId);
  const session = h.client.workflow.getHandle(sessionWorkflowId(gstin));
  await session.terminate('recorded');
  await save('epoch2-gstn-session-indexed', session.workflowId);
});
