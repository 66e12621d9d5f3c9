/**
 * GSTN's answers as outcomes, through real workflows on the dev server against the sandbox: each outcome in the
 * result, the manifest and the GstOutcome search attribute; AUTH4037 fails once, saying what to do; the real
 * GSTR-2B v4 payload counted per section and stored byte for byte; 2B generations; IRN batches apart.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { irnBatchKey } from '../../domain/ids';
import { GstOutcome } from '../../workflows/search-attributes';
import type { DownloadSummary } from '../../workflows/types';
import { fixtureBytes, v4ExpectedSections } from '../fixtures/gstn';
import { Harness } from './harness';

jest.setTimeout(240_000);

let h: Harness;
beforeAll(async () => {
  h = await Harness.create();
  await h.startWorker();
});
afterAll(() => h?.close());
afterEach(() => h.admin.clearAnswers());

let n = 0;
/** A fresh GSTIN per test (answers and generations are per GSTIN). */
const gstin = () => `27AAPFU${String(1000 + n++).padStart(4, '0')}F1Z${n % 10}`;

async function run(type: string, input: unknown) {
  const handle = await h.start(type, input);
  const summary = (await handle.result()) as DownloadSummary;
  const manifest = JSON.parse((await h.store.read(summary.manifest)).toString('utf8'));
  const desc = await handle.describe();
  return { handle, summary, manifest, attribute: desc.typedSearchAttributes.get(GstOutcome) };
}

test('no-data: a completed download with zero records and the GSTN code kept', async () => {
  const g = gstin();
  await h.admin.answer({ gstin: g, kind: 'gstr2b', period: '052024', answer: 'no-data' });
  const { summary, manifest, attribute } = await run('downloadGstr2b', { gstin: g, retPeriod: '052024' });
  expect(summary).toMatchObject({ outcome: 'no-data', gstnCode: 'RET2B1016', records: 0, files: [] });
  expect(manifest).toMatchObject({ outcome: 'no-data', gstnCode: 'RET2B1016', records: 0, files: [] });
  expect(attribute).toBe('no-data');
});

test('no-data on an async kind (IMS): the task failed with RET13509, the download completes with no-data', async () => {
  const g = gstin();
  await h.admin.answer({ gstin: g, kind: 'ims', section: 'B2B', answer: 'no-data', times: 1 });
  const { summary, manifest, attribute } = await run('downloadImsInvoices', { gstin: g, section: 'B2B' });
  expect(summary).toMatchObject({ outcome: 'no-data', gstnCode: 'RET13509', records: 0, submissions: 1 });
  expect(manifest).toMatchObject({ outcome: 'no-data', gstnCode: 'RET13509' });
  expect(attribute).toBe('no-data');
});

test('not-generated, then generated: GSTN asked again on a durable timer, the second answer is the return', async () => {
  const g = gstin();
  await h.admin.answer({ gstin: g, kind: 'gstr2b', period: '052024', answer: 'not-generated', times: 1 });
  const { summary, manifest, attribute, handle } = await run('downloadGstr2b', { gstin: g, retPeriod: '052024' });
  expect(summary).toMatchObject({ outcome: 'data', asks: 1 });
  expect(summary.records).toBeGreaterThan(0);
  expect(manifest.outcome).toBe('data');
  expect(attribute).toBe('data');
  const truth = await h.admin.truth('gstr2b', { gstin: g, rtnprd: '052024' });
  expect(summary.records).toBe(truth.records);
  // the wait was a timer in the history, between the two asks
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.filter((e) => e.timerStartedEventAttributes).length).toBeGreaterThanOrEqual(1);
  expect((await h.admin.requests()).last.filter((e) => e.gstin === g && e.route === 'gstr2b').length).toBe(2);
});

test('not-generated for good: after the bounded asks the download ends as not-generated', async () => {
  const g = gstin();
  await h.admin.answer({ gstin: g, kind: 'gstr2b', period: '052024', answer: 'not-generated' });
  const { summary, manifest, attribute } = await run('downloadGstr2b', { gstin: g, retPeriod: '052024' });
  expect(summary).toMatchObject({ outcome: 'not-generated', gstnCode: 'GTR2B-002', records: 0, asks: h.download.notGenerated!.maxAsks });
  expect(manifest.outcome).toBe('not-generated');
  expect(attribute).toBe('not-generated');
});

test('not-applicable (GTR2B-001): done at once, not asked again', async () => {
  const g = gstin();
  await h.admin.answer({ gstin: g, kind: 'gstr2b', period: '052024', answer: 'not-applicable' });
  const { summary, manifest, attribute } = await run('downloadGstr2b', { gstin: g, retPeriod: '052024' });
  expect(summary).toMatchObject({ outcome: 'not-applicable', gstnCode: 'GTR2B-001', records: 0, asks: 0 });
  expect(manifest.outcome).toBe('not-applicable');
  expect(attribute).toBe('not-applicable');
});

test('queued with est: waits est minutes on a durable timer, then fetches', async () => {
  const g = gstin();
  await h.admin.answer({ gstin: g, kind: 'gstr2b', period: '052024', answer: 'queued', est: 1, times: 1 });
  const started = Date.now();
  const { summary, manifest, attribute, handle } = await run('downloadGstr2b', { gstin: g, retPeriod: '052024' });
  expect(Date.now() - started).toBeGreaterThanOrEqual(60_000);
  expect(summary.outcome).toBe('data');
  expect(summary.records).toBe((await h.admin.truth('gstr2b', { gstin: g, rtnprd: '052024' })).records);
  expect(manifest.outcome).toBe('data');
  expect(attribute).toBe('data');
  const timers = ((await handle.fetchHistory()).events ?? []).filter((e) => e.timerStartedEventAttributes);
  expect(timers.map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds))).toContain(60);
});

test('AUTH4037: fails once, non-retryable, saying to enable API access on the GST portal', async () => {
  const g = gstin();
  await h.admin.answer({ gstin: g, kind: 'gstr2b', period: '052024', answer: 'api-access-disabled' });
  const handle = await h.start('downloadGstr2b', { gstin: g, retPeriod: '052024' });
  const err = await handle.result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  let cause = err.cause;
  while (cause?.cause) cause = cause.cause;
  expect(cause).toMatchObject({ type: 'GstnApiAccessDisabled', nonRetryable: true });
  expect(cause.message).toMatch(/enable API access on the GST portal/);
  expect(cause.message).toContain('AUTH4037');
  // asked once: not retried as a transient
  const calls = (await h.admin.requests()).last.filter((e) => e.gstin === g && e.route === 'gstr2b');
  expect(calls).toHaveLength(1);
});

test('the real GSTR-2B v4 payload: per-section counts equal the fixtures README, stored bytes equal served bytes', async () => {
  const g = gstin();
  await h.admin.answer({ gstin: g, kind: 'gstr2b', period: '032020', answer: 'fixture:gstr2b-v4-all-sections' });
  const { summary, manifest } = await run('downloadGstr2b', { gstin: g, retPeriod: '032020' });
  expect(manifest.sections).toEqual(v4ExpectedSections());
  expect(summary.sections).toEqual(v4ExpectedSections());
  expect(summary.records).toBe(32);
  expect(summary.generation).toMatchObject({ gendt: '14-04-2020', id: expect.stringMatching(/^g20200414-[0-9a-z]{12}$/) });
  const stored = await h.store.read(summary.files[0]!.ref);
  const served = Buffer.concat([Buffer.from('{"status":"1","data":'), fixtureBytes('gstr2b-v4-all-sections'), Buffer.from(',"error":null,"info":null,"additionalInfo":null,"alert":null}')]);
  expect(stored.equals(served)).toBe(true);
});

test('a regenerated 2B downloaded again: two generations kept, the manifest points at the new; no change writes nothing', async () => {
  const g = gstin();
  const input = { gstin: g, retPeriod: '042024' };
  const a = (await run('downloadGstr2b', input)).summary;
  await h.admin.regenerate(g, '042024');
  const b = await run('downloadGstr2b', input);
  expect(b.summary.generation!.gendt).toBe('15-05-2024');
  expect(b.summary.generation!.id).not.toBe(a.generation!.id);
  expect(b.summary.generations).toBe(2);
  expect(b.manifest.generation.id).toBe(b.summary.generation!.id);
  expect(b.manifest.generations.map((x: { id: string }) => x.id)).toEqual([a.generation!.id, b.summary.generation!.id]);
  // both generations' files are still there
  expect((await h.store.read(a.files[0]!.ref)).length).toBe(a.files[0]!.bytes);
  expect((await h.store.read(b.summary.files[0]!.ref)).length).toBe(b.summary.files[0]!.bytes);
  expect(b.summary.records).toBe((await h.admin.truth('gstr2b', { gstin: g, rtnprd: '042024' })).records);

  // asked again without a change: the same generation, nothing written
  const before = await listWithTimes(g);
  const c = await run('downloadGstr2b', input);
  expect(c.summary).toMatchObject({ outcome: 'data', unchanged: true, generations: 2 });
  expect(c.summary.generation!.id).toBe(b.summary.generation!.id);
  expect(await listWithTimes(g)).toEqual(before);
});

async function listWithTimes(g: string): Promise<Array<[string, number]>> {
  const { stat } = await import('node:fs/promises');
  const out: Array<[string, number]> = [];
  for (const ref of await h.store.list(`${g}/`)) out.push([ref, (await stat(h.store.localPath(ref))).mtimeMs]);
  for (const ref of await h.store.list(`_catalogue/${g}/`)) out.push([ref, (await stat(h.store.localPath(ref))).mtimeMs]);
  return out;
}

test('two IRN batches of one GSTIN on one day keep their own manifests and files', async () => {
  const g = gstin();
  const batchA = { gstin: g, irns: ['a1'.repeat(32), 'a2'.repeat(32)] };
  const batchB = { gstin: g, irns: ['b1'.repeat(32)] };
  const [a, b] = await Promise.all([run('getIrnDetails', batchA), run('getIrnDetails', batchB)]);
  expect(a.summary.location).toMatch(new RegExp(`^${g}/\\d{4}-\\d{2}-\\d{2}/irn/${irnBatchKey(batchA)}$`));
  expect(b.summary.location).toMatch(new RegExp(`/irn/${irnBatchKey(batchB)}$`));
  expect(a.summary.manifest).not.toBe(b.summary.manifest);
  expect(a.manifest.files.map((f: { name: string }) => f.name)).toEqual(batchA.irns.map((i) => `irn-${i}.json`));
  expect(b.manifest.files.map((f: { name: string }) => f.name)).toEqual(batchB.irns.map((i) => `irn-${i}.json`));
  for (const f of [...a.manifest.files, ...b.manifest.files]) expect((await h.store.read(f.ref)).length).toBe(f.bytes);
  expect([a.summary.outcome, b.summary.outcome]).toEqual(['data', 'data']);
});

test('a monthly sync asked to re-check 2B (refreshGstr2b) keeps the regenerated 2B as a new generation', async () => {
  const g = gstin();
  const sync = async (refreshGstr2b?: boolean) =>
    (await (await h.start('syncReturnPeriod', { gstins: [g], kinds: ['gstr2b'], retPeriod: '012024', ...(refreshGstr2b ? { refreshGstr2b } : {}) }, `gst-sync-${g}-${n++}`)).result()) as {
      items: Array<{ status: string; outcome?: string; workflowId: string }>;
    };
  const first = await sync();
  expect(first.items).toEqual([expect.objectContaining({ status: 'done', outcome: 'data', workflowId: `gst-gstr2b-${g}-012024` })]);
  await h.admin.regenerate(g, '012024');
  // without refresh the completed download is reported, not run again
  expect((await sync()).items[0]!.status).toBe('already-done');
  const again = await sync(true);
  expect(again.items[0]).toMatchObject({ status: 'done', outcome: 'data' });
  const manifest = JSON.parse((await h.store.read(`${g}/012024/gstr2b/manifest.json`)).toString('utf8'));
  expect(manifest.generations.map((x: { gendt: string }) => x.gendt)).toEqual(['14-02-2024', '15-02-2024']);
  expect(manifest.generation.gendt).toBe('15-02-2024');
});

test('the real IMS GETINV payload (ispendactblocked): one page, six sections counted, stored bytes equal served bytes', async () => {
  const g = gstin();
  await h.admin.answer({ gstin: g, kind: 'ims', section: 'B2B', answer: 'fixture:ims-getinv-all-sections', times: 1 });
  const { summary, manifest } = await run('downloadImsInvoices', { gstin: g, section: 'B2B' });
  expect(summary).toMatchObject({ outcome: 'data', pages: 1, records: 6 });
  expect(manifest.sections).toEqual({ b2b: 1, b2ba: 1, b2bdn: 1, b2bdna: 1, b2bcn: 1, b2bcna: 1 });
  const stored = await h.store.read(manifest.files[0].ref);
  const served = Buffer.concat([Buffer.from('{"status":"1","data":'), fixtureBytes('ims-getinv-all-sections'), Buffer.from(',"error":null,"info":null,"additionalInfo":null,"alert":null}')]);
  expect(stored.equals(served)).toBe(true);
});
