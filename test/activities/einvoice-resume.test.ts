/**
 * Big ZIPs over a slow link (sandbox `bandwidth` fault): an interrupted transfer resumes with a Range request
 * from the committed offset (on a fresh scratch folder, as on another worker), starts over cleanly when the
 * gateway ignores Range, is aborted by the activity's cancellation, and fails retryably when the link stalls.
 */
import { singleAccount } from '../../eas/accounts';
import { readdir } from 'node:fs/promises';
import { createActivities } from '../../activities';
import { EasClient } from '../../eas/client';
import { easConfigFromEnv } from '../../eas/config';
import { sandboxEasEnv } from '../../sandbox/user';
import type { EinvoiceInput } from '../../domain/inputs';
import { isTempName, type DownloadLocation } from '../../store/store';
import { DEFAULT_CONFIG } from '../../domain/config';
import { Scratch } from '../../activities/scratch';
import { byName, expectStored, failure, ident, listFolder, mockEnv, run, runIn, setup, waitTask, type Env } from './helpers';

const GSTIN = '29AAGCB7383J1Z4';
const SEGMENT = 64 * 1024;

let env: Env;
beforeAll(async () => {
  env = await setup();
  await env.admin.config({ gstins: { [GSTIN]: { einvoiceFiles: 2, einvoiceRecordsPerFile: 6000 } } });
});
afterAll(() => env.close());
afterEach(() => env.admin.clearFaults());

const input = (retPeriod: string): EinvoiceInput => ({ gstin: GSTIN, retPeriod, supplyType: 'B2B', supplierGstin: GSTIN });
const locOf = (i: EinvoiceInput): DownloadLocation => ({ gstin: i.gstin, period: i.retPeriod, kind: 'einvoice', section: `B2B-${i.retPeriod}` });

async function prepared(i: EinvoiceInput) {
  const taskId = await run(env.acts.submitEinvoice, i);
  expect(await waitTask(env, taskId)).toBe('completed');
  const truth = await env.admin.truth('einvoice', { ...i });
  const zip = truth.files.find((f) => f.name === 'einvoice.zip')!;
  expect(zip.bytes).toBeGreaterThan(8 * SEGMENT);
  return { taskId, truth, zip, loc: locOf(i) };
}

/** A file's identity; the ZIP's own record count is 0 in the store (its entries carry the records). */
const fileIdent = (f: Parameters<typeof ident>[0]) => ({ ...ident(f), records: f.name === 'einvoice.zip' ? 0 : f.records });

const sent = async (taskId: string) => (await env.admin.requests()).bytesByTask[taskId] ?? 0;
const downloads = async () => (await env.admin.requests()).last.filter((e) => e.route === 'taskDownload');

/** Runs the activity until its heartbeat offset passes `atLeast` bytes, then cancels it; resolves with the last offset. */
async function interrupted(taskId: string, loc: DownloadLocation, atLeast: number): Promise<{ offset: number; error: unknown }> {
  const mock = mockEnv();
  let offset = 0;
  mock.on('heartbeat', (d: { stage?: string; offset?: number }) => {
    if (d?.stage !== 'transfer') return;
    offset = d.offset ?? 0;
    if (offset >= atLeast) mock.cancel();
  });
  const error = await runIn(mock, env.acts.downloadEinvoiceResult, taskId, loc).then(() => undefined, (e: unknown) => e);
  return { offset, error };
}

test('a cancelled transfer stops, and the next attempt resumes with Range from the committed offset', async () => {
  const { taskId, truth, zip, loc } = await prepared(input('012024'));
  await env.admin.addFaults({ route: 'taskDownload', kind: 'bandwidth', bytesPerSecond: Math.ceil(zip.bytes / 4) });
  const { offset, error } = await interrupted(taskId, loc, Math.floor(zip.bytes / 3));
  expect(error).toBeDefined();
  expect(offset).toBeGreaterThanOrEqual(Math.floor(zip.bytes / 3));
  expect(offset).toBeLessThan(zip.bytes);
  // The cancellation aborted the transfer: the sandbox stops sending (no download running beside the retry).
  const afterCancel = await sent(taskId);
  await new Promise((r) => setTimeout(r, 800));
  expect(await sent(taskId)).toBe(afterCancel);
  expect(afterCancel).toBeLessThan(zip.bytes);
  // The worker's scratch folder is empty again; the committed segments wait in the store.
  expect(await readdir(env.scratchRoot).then(async (ws) => (await Promise.all(ws.map((w) => readdir(`${env.scratchRoot}/${w}`)))).flat())).toEqual([]);
  expect((await listFolder(env, loc)).filter(isTempName).length).toBeGreaterThan(1);

  // The retry: a fresh worker (own scratch folder, own EAS client), same store.
  const eas = new EasClient({ ...easConfigFromEnv(sandboxEasEnv(env.sandbox.url)), timeoutMs: 5000 });
  const other = createActivities({ accounts: singleAccount(eas), store: env.store, scratch: await Scratch.open(`${env.scratchRoot}-b`), config: DEFAULT_CONFIG, zipSegmentBytes: SEGMENT });
  const res = await run(other.downloadEinvoiceResult, taskId, loc);
  const last = (await downloads()).at(-1)!;
  expect(last.status).toBe(206);
  expect(res.files.map(fileIdent).sort(byName)).toEqual(truth.files.map(fileIdent).sort(byName));
  for (const f of res.files) await expectStored(env, f);
  // Bytes sent in all: the whole ZIP once, plus at most what was in flight past the last committed segment.
  const total = await sent(taskId);
  expect(total).toBeGreaterThanOrEqual(zip.bytes);
  expect(total).toBeLessThan(zip.bytes + (afterCancel - offset) + SEGMENT + 1);
  expect(await listFolder(env, loc)).toEqual(['einvoice.zip', 'file-1.json', 'file-2.json', 'result.json']);
});

test('a gateway that ignores Range: the retry starts over cleanly and stores the right ZIP', async () => {
  const { taskId, truth, zip, loc } = await prepared(input('022024'));
  await env.admin.addFaults({ route: 'taskDownload', kind: 'bandwidth', bytesPerSecond: Math.ceil(zip.bytes / 4) });
  const { offset } = await interrupted(taskId, loc, Math.floor(zip.bytes / 3));
  expect(offset).toBeGreaterThan(0);
  await env.admin.clearFaults();
  await env.admin.config({ ranges: false });
  try {
    const res = await run(env.acts.downloadEinvoiceResult, taskId, loc);
    expect((await downloads()).at(-1)!.status).toBe(200);
    expect(res.files.map(fileIdent).sort(byName)).toEqual(truth.files.map(fileIdent).sort(byName));
    for (const f of res.files) await expectStored(env, f);
    expect(await listFolder(env, loc)).toEqual(['einvoice.zip', 'file-1.json', 'file-2.json', 'result.json']);
  } finally {
    await env.admin.config({ ranges: true });
  }
});

test('a link that stops sending fails after the stall timeout, retryably, without a whole-body timeout', async () => {
  const { taskId, zip, loc } = await prepared(input('032024'));
  const eas = new EasClient({ ...easConfigFromEnv(sandboxEasEnv(env.sandbox.url)), timeoutMs: 5000, stallTimeoutMs: 700 });
  const acts = createActivities({ accounts: singleAccount(eas), store: env.store, scratch: await Scratch.open(`${env.scratchRoot}-c`), config: DEFAULT_CONFIG, zipSegmentBytes: SEGMENT });
  // Slow but steady (a slice every 50 ms): takes longer than the stall timeout in all, and still completes.
  await env.admin.addFaults({ route: 'taskDownload', kind: 'bandwidth', bytesPerSecond: Math.ceil(zip.bytes / 2) });
  const t0 = Date.now();
  await run(acts.downloadEinvoiceResult, taskId, loc);
  expect(Date.now() - t0).toBeGreaterThan(1500);
  // 1000 B/s: a 1 KiB slice a second, so no bytes for longer than 700 ms.
  await env.admin.clearFaults();
  await env.admin.addFaults({ route: 'taskDownload', kind: 'bandwidth', bytesPerSecond: 1000 });
  const f = await failure(run(acts.downloadEinvoiceResult, taskId, { ...loc, section: 'stall' }));
  expect(f.nonRetryable).toBe(false);
  expect(f.message).toMatch(/stalled: no bytes/);
});
