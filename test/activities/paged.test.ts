/** IMS pages, GSTR-2B files and finishDownload in a mock activity context, against the sandbox over HTTP. */
import { rm } from 'node:fs/promises';
import type { Gstr2bInput } from '../../domain/inputs';
import type { DownloadLocation, Manifest } from '../../store/store';
import { byName, expectStored, failure, ident, listFolder, run, setup, waitTask, type Env } from './helpers';

const GSTIN = '29AAGCB7383J1Z4';
const GSTIN_2B = '01AABCE2207R1Z5';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(() => env.close());
afterEach(() => env.admin.reset());

describe('IMS pages', () => {
  const section = 'B2BCN';
  const loc: DownloadLocation = { gstin: GSTIN, period: '2025-01-15', kind: 'ims', section };
  let taskId: string;

  beforeAll(async () => {
    taskId = await run(env.acts.submitIms, GSTIN, section, undefined);
    expect(await waitTask(env, taskId)).toBe('completed');
  });

  test('countPages matches the truth; each page is stored once, as served; a second fetch changes nothing', async () => {
    const truth = await env.admin.truth('ims', { gstin: GSTIN, section });
    const pages = await run(env.acts.countPages, taskId);
    expect(pages).toBe(truth.pages);
    expect(pages).toBe(3); // 120 records / 50 per page (default sizes)

    const first = await run(env.acts.downloadImsPage, taskId, 1, loc);
    const again = await run(env.acts.downloadImsPage, taskId, 1, loc);
    expect(again).toEqual(first);
    expect(ident(first)).toEqual(ident(truth.files.find((f) => f.name === 'page-1.json')!));
    await expectStored(env, first);
    expect(await listFolder(env, loc)).toEqual(['page-1.json']);
  });

  test('finishDownload with pages reads them back and writes a manifest whose files are the truth', async () => {
    const truth = await env.admin.truth('ims', { gstin: GSTIN, section });
    for (let p = 1; p <= truth.pages!; p++) await run(env.acts.downloadImsPage, taskId, p, loc);
    const res = await run(env.acts.finishDownload, {
      loc,
      manifest: { kind: 'ims', inputs: { gstin: GSTIN, section }, taskId, route: 'imsInvoices', fetchedAt: '2025-01-15T10:00:00.000Z', pages: truth.pages! },
      files: [],
      pages: truth.pages!,
    });
    expect(res.files.map(ident)).toEqual(truth.files.map(ident));
    expect(res.records).toBe(truth.records);
    expect(res.filesTruncated).toBe(false);
    expect(res.location).toBe(env.store.locationRef(loc));

    const manifest = JSON.parse((await env.store.read(res.manifest.ref)).toString('utf8')) as Manifest;
    expect(manifest.files.map(ident)).toEqual(truth.files.map(ident));
    expect(manifest).toMatchObject({ kind: 'ims', taskId, records: truth.records, location: env.store.locationRef(loc), pages: truth.pages });
    await expectStored(env, res.manifest);
    expect(await listFolder(env, loc)).toEqual(['manifest.json', ...truth.files.map((f) => f.name)].sort());
  });

  test('finishDownload with a page missing from the store → CorruptDownload', async () => {
    const truth = await env.admin.truth('ims', { gstin: GSTIN, section });
    const other: DownloadLocation = { ...loc, section: `${section}-missing` };
    for (let p = 1; p <= truth.pages!; p++) await run(env.acts.downloadImsPage, taskId, p, other);
    await rm(env.store.localPath(`${env.store.locationRef(other)}/page-2.json`));
    const f = await failure(
      run(env.acts.finishDownload, {
        loc: other,
        manifest: { kind: 'ims', inputs: {}, taskId, route: 'imsInvoices', fetchedAt: '2025-01-15T10:00:00.000Z' },
        files: [],
        pages: truth.pages!,
      }),
    );
    expect(f.type).toBe('CorruptDownload');
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('page-2.json');
    expect(await listFolder(env, other)).not.toContain('manifest.json');
  });

  test('a page past the last → EasNotFound, non-retryable, nothing stored', async () => {
    const other: DownloadLocation = { ...loc, section: `${section}-past` };
    const f = await failure(run(env.acts.downloadImsPage, taskId, 99, other));
    expect(f.type).toBe('EasNotFound');
    expect(f.nonRetryable).toBe(true);
    expect(await listFolder(env, other)).toEqual([]);
  });
});

describe('GSTR-2B', () => {
  const input: Gstr2bInput = { gstin: GSTIN_2B, retPeriod: '012024' };
  const loc: DownloadLocation = { gstin: input.gstin, period: input.retPeriod, kind: 'gstr2b' };

  test('a chunked return: summary.json with fileCount = fc, then each file-K.json as served', async () => {
    await env.admin.config({ gstins: { [GSTIN_2B]: { gstr2bRecords: 70, gstr2bDocsPerFile: 25 } } });
    const truth = await env.admin.truth('gstr2b', { gstin: input.gstin, rtnprd: input.retPeriod });
    expect(truth.fc).toBe(3);

    const first = await run(env.acts.fetchGstr2b, input, loc);
    expect(first.fileCount).toBe(truth.fc);
    expect(first.file.name).toBe('summary.json');
    expect(ident(first.file)).toEqual(ident(truth.files.find((f) => f.name === 'summary.json')!));
    expect(typeof first.gendt).toBe('string');

    const files = [first.file];
    for (let k = 1; k <= first.fileCount; k++) files.push(await run(env.acts.fetchGstr2bFile, input, k, loc));
    expect(files.map(ident).sort(byName)).toEqual(truth.files.map(ident).sort(byName));
    expect(files.reduce((n, f) => n + f.records, 0)).toBe(truth.records);
    for (const f of files) await expectStored(env, f);
    expect(await listFolder(env, loc)).toEqual(truth.files.map((f) => f.name).sort());
  });

  test('a small return answers whole as gstr2b.json with fileCount 0', async () => {
    const small: Gstr2bInput = { gstin: '24AAACC1206D1ZM', retPeriod: '022024' };
    const sloc: DownloadLocation = { gstin: small.gstin, period: small.retPeriod, kind: 'gstr2b' };
    const truth = await env.admin.truth('gstr2b', { gstin: small.gstin, rtnprd: small.retPeriod });
    expect(truth.fc).toBeUndefined();
    const first = await run(env.acts.fetchGstr2b, small, sloc);
    expect(first.fileCount).toBe(0);
    expect([ident(first.file)]).toEqual(truth.files.map(ident));
  });

  test('a period not generated yet (this month) → GstnAnswer not-generated (an answer, not retried), RET2B1023', async () => {
    const { now } = await env.admin.clock();
    const d = new Date(now);
    const period = `${String(d.getUTCMonth() + 1).padStart(2, '0')}${d.getUTCFullYear()}`;
    const f = await failure(run(env.acts.fetchGstr2b, { gstin: input.gstin, retPeriod: period }, { ...loc, period }));
    expect(f.type).toBe('GstnAnswer');
    expect(f.nonRetryable).toBe(true);
    expect(f.details?.[0]).toMatchObject({ kind: 'not-generated', gstnCode: 'RET2B1023', httpStatus: 502 });
    expect(await listFolder(env, { ...loc, period })).toEqual([]);
  });
});
