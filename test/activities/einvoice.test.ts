/** downloadEinvoiceResult (and submitEinvoice / checkTask) in a mock activity context, against the sandbox over HTTP. */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { EinvoiceInput } from '../../domain/inputs';
import type { DownloadLocation } from '../../store/store';
import { byName, expectStored, failure, ident, listFolder, run, runIn, setup, waitTask, type Env, mockEnv } from './helpers';

const GSTIN = '27AAPFU0939F1ZV';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(() => env.close());
afterEach(() => env.admin.reset());

function input(retPeriod: string): EinvoiceInput {
  return { gstin: GSTIN, retPeriod, supplyType: 'B2B', supplierGstin: GSTIN };
}

function locOf(i: EinvoiceInput): DownloadLocation {
  return { gstin: i.gstin, period: i.retPeriod, kind: 'einvoice', section: `${i.supplyType}-${i.retPeriod}` };
}

async function completedTask(i: EinvoiceInput): Promise<string> {
  const taskId = await run(env.acts.submitEinvoice, i);
  expect(await waitTask(env, taskId)).toBe('completed');
  return taskId;
}

async function truthOf(i: EinvoiceInput) {
  return env.admin.truth('einvoice', { gstin: i.gstin, retPeriod: i.retPeriod, supplyType: i.supplyType, supplierGstin: i.supplierGstin });
}

test('stores einvoice.zip, result.json and every file-N.json exactly as the sandbox served them', async () => {
  const i = input('012024');
  const loc = locOf(i);
  const taskId = await completedTask(i);
  const res = await run(env.acts.downloadEinvoiceResult, taskId, loc);

  const truth = await truthOf(i);
  expect(truth.files.map((f) => f.name).sort()).toEqual(['einvoice.zip', 'file-1.json', 'file-2.json', 'result.json']);
  const byTruth = new Map(truth.files.map((f) => [f.name, f]));
  expect(res.files.map((f) => f.name).sort()).toEqual([...byTruth.keys()].sort());
  for (const f of res.files) {
    const t = byTruth.get(f.name)!;
    expect({ name: f.name, bytes: f.bytes, sha256: f.sha256 }).toEqual({ name: t.name, bytes: t.bytes, sha256: t.sha256 });
    if (f.name.startsWith('file-')) expect(f.records).toBe(t.records);
    await expectStored(env, f);
  }
  expect(res.records).toBe(truth.records);
  expect(res.records).toBe(200); // 2 files × 100 rows (default sizes)
  expect(res.failedEntries).toEqual([]);
  expect(res.bytes).toBe(res.files.reduce((n, f) => n + f.bytes, 0));
  expect(await listFolder(env, loc)).toEqual(['einvoice.zip', 'file-1.json', 'file-2.json', 'result.json']);
});

test('running it twice leaves the same files (idempotent), and no temp files', async () => {
  const i = input('022024');
  const loc = locOf(i);
  const taskId = await completedTask(i);
  const first = await run(env.acts.downloadEinvoiceResult, taskId, loc);
  const listed = await listFolder(env, loc);
  const second = await run(env.acts.downloadEinvoiceResult, taskId, loc);
  expect(second.files.map(ident).sort(byName)).toEqual(first.files.map(ident).sort(byName));
  expect(second.records).toBe(first.records);
  expect(await listFolder(env, loc)).toEqual(listed);
  expect(listed.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  for (const f of second.files) await expectStored(env, f);
});

test('a corrupt ZIP → CorruptDownload (retryable) and nothing is left in the folder; the retry then succeeds', async () => {
  const i = input('032024');
  const loc = locOf(i);
  const taskId = await completedTask(i);
  await env.admin.addFaults({ route: 'taskDownload', kind: 'corruptZip', next: 1 });
  const f = await failure(run(env.acts.downloadEinvoiceResult, taskId, loc));
  expect(f.type).toBe('CorruptDownload');
  expect(f.nonRetryable).toBe(false);
  expect(f.message).toContain(taskId);
  expect(await listFolder(env, loc)).toEqual([]);

  const ok = await run(env.acts.downloadEinvoiceResult, taskId, loc);
  const truth = await truthOf(i);
  const zipOf = (files: Array<{ name: string; bytes: number; sha256: string }>) =>
    files.filter((x) => x.name === 'einvoice.zip').map((x) => ({ bytes: x.bytes, sha256: x.sha256 }));
  expect(zipOf(ok.files)).toEqual(zipOf(truth.files));
  expect(zipOf(ok.files)).toHaveLength(1);
  expect(ok.records).toBe(truth.records);
});

test('a truncated ZIP (sandbox truncate fault) → CorruptDownload or EasTransient, retryable, nothing left behind', async () => {
  const i = input('042024');
  const loc = locOf(i);
  const taskId = await completedTask(i);
  await env.admin.addFaults({ route: 'taskDownload', kind: 'truncate', next: 1 });
  const f = await failure(run(env.acts.downloadEinvoiceResult, taskId, loc));
  expect(['CorruptDownload', 'EasTransient']).toContain(f.type);
  expect(f.nonRetryable).toBe(false);
  expect(await listFolder(env, loc)).toEqual([]);
});

test('a task whose result expired → EasNotFound, non-retryable', async () => {
  const i = input('052024');
  const taskId = await completedTask(i);
  await env.admin.expireTasks([taskId]);
  const f = await failure(run(env.acts.downloadEinvoiceResult, taskId, locOf(i)));
  expect(f.type).toBe('EasNotFound');
  expect(f.nonRetryable).toBe(true);
  expect(await listFolder(env, locOf(i))).toEqual([]);
});

test('a failed task: checkTask reports failed with the GSTN error', async () => {
  await env.admin.failNextTasks(1, 'gstnDown');
  const taskId = await run(env.acts.submitEinvoice, input('062024'));
  const s = await run(env.acts.checkTask, taskId);
  expect(s.status).toBe('failed');
  expect(s.error).toContain('err-gstn-returned-error');
  expect(s.error).toContain('GEN5001');
});

test('heartbeats while it works: the committed byte offset during the transfer, then per entry', async () => {
  const i = input('072024');
  const taskId = await completedTask(i);
  const mock = mockEnv();
  const beats: Array<Record<string, unknown>> = [];
  mock.on('heartbeat', (d: unknown) => beats.push(d as Record<string, unknown>));
  const res = await runIn(mock, env.acts.downloadEinvoiceResult, taskId, locOf(i));
  const zip = res.files.find((f) => f.name === 'einvoice.zip')!;
  const transfer = beats.filter((b) => b.stage === 'transfer');
  expect(transfer.length).toBeGreaterThanOrEqual(1);
  // Offsets only grow, and the last one is the whole ZIP (every byte committed).
  const offsets = transfer.map((b) => b.offset as number);
  expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
  expect(offsets.at(-1)).toBe(zip.bytes);
  expect(transfer.at(-1)).toMatchObject({ received: zip.bytes, total: zip.bytes });
  // One closing beat per extracted data file, with its records.
  const data = res.files.filter((f) => f.name.startsWith('file-'));
  for (const f of data) expect(beats).toContainEqual({ stage: 'extract', entry: f.name, records: f.records });
});
