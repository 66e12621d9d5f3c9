/**
 * downloadEinvoiceResult's archive checks with hand-made ZIPs (the sandbox only serves good ones, or ones without
 * a readable directory): an entry failing its CRC-32, a data file that is not JSON, a result.json reporting failure.
 * The EAS client is replaced by a stand-in whose downloadTaskZip writes the crafted archive.
 */
import { singleAccount } from '../../eas/accounts';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ZipFile } from 'yazl';
import { Readable } from 'node:stream';
import { createActivities } from '../../activities';
import { Scratch } from '../../activities/scratch';
import type { EasClient } from '../../eas/client';
import { FileStore } from '../../store/file-store';
import { isTempName, type DownloadLocation } from '../../store/store';
import { DEFAULT_CONFIG } from '../../domain/config';
import { runIn, mockEnv } from './helpers';

let dataDir: string;
let store: FileStore;
let scratch: Scratch;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'gst-zipchecks-'));
  store = new FileStore(path.join(dataDir, 'store'));
  scratch = await Scratch.open(path.join(dataDir, 'scratch'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const RESULT_OK = JSON.stringify({
  status: '1',
  data: [
    { status: '1', data: 'file-1.json', error: null },
    { status: '1', data: 'file-2.json', error: null },
  ],
  error: null,
});
const FILE_1 = JSON.stringify([{ Irn: 'a' }, { Irn: 'b' }]);
const FILE_2 = JSON.stringify([{ Irn: 'c' }, { Irn: 'd' }, { Irn: 'e' }]);

/** A ZIP of stored (uncompressed) entries, so their bytes can be found and altered in the archive. */
function zipOf(entries: Array<[string, string]>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [name, body] of entries) z.addBuffer(Buffer.from(body), name, { compress: false, mtime: new Date(2024, 0, 1) });
  z.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    z.outputStream.on('error', reject);
  });
}

function activitiesServing(zip: Buffer) {
  const eas = {
    async openTaskZip() {
      return { body: Readable.from([zip]), start: 0, total: zip.length };
    },
  } as unknown as EasClient;
  return createActivities({ accounts: singleAccount(eas), store, scratch, config: DEFAULT_CONFIG });
}

async function attempt(zip: Buffer, loc: DownloadLocation): Promise<ApplicationFailure> {
  const acts = activitiesServing(zip);
  const e = await mockEnv().run(acts.downloadEinvoiceResult, 'task-x', loc).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApplicationFailure);
  return e as ApplicationFailure;
}

const folder = (loc: DownloadLocation) => readdir(path.join(store.root, ...store.locationRef(loc).split('/'))).then((l) => l.sort());

test('the crafted archive is good as made: both files are stored with their records', async () => {
  const loc: DownloadLocation = { gstin: '27AAPFU0939F1ZV', period: '012024', kind: 'einvoice', section: 'good' };
  const res = await runIn(
    mockEnv(),
    activitiesServing(await zipOf([['result.json', RESULT_OK], ['file-1.json', FILE_1], ['file-2.json', FILE_2]])).downloadEinvoiceResult,
    'task-x',
    loc,
  );
  expect(res.records).toBe(5);
  expect(await folder(loc)).toEqual(['einvoice.zip', 'file-1.json', 'file-2.json', 'result.json']);
});

test('an entry failing its CRC-32 → CorruptDownload, and no temp file or partial entry is left behind', async () => {
  const zip = await zipOf([['result.json', RESULT_OK], ['file-1.json', FILE_1], ['file-2.json', FILE_2]]);
  const at = zip.indexOf(Buffer.from(FILE_2));
  expect(at).toBeGreaterThan(0);
  zip[at + 5] = 'X'.charCodeAt(0); // same size, different bytes: only the CRC check can tell
  const loc: DownloadLocation = { gstin: '27AAPFU0939F1ZV', period: '012024', kind: 'einvoice', section: 'crc' };
  const f = await attempt(zip, loc);
  expect(f.type).toBe('CorruptDownload');
  expect(f.nonRetryable).toBe(false);
  expect(f.message).toContain('file-2.json');
  const left = await folder(loc);
  expect(left.filter(isTempName)).toEqual([]);
  expect(left).not.toContain('file-2.json');
  expect(left).not.toContain('einvoice.zip');
});

test('a data file that is not JSON → CorruptDownload, no temp file left', async () => {
  const loc: DownloadLocation = { gstin: '27AAPFU0939F1ZV', period: '012024', kind: 'einvoice', section: 'notjson' };
  const f = await attempt(await zipOf([['result.json', RESULT_OK], ['file-1.json', FILE_1], ['file-2.json', '[{"Irn": ']]), loc);
  expect(f.type).toBe('CorruptDownload');
  expect((await folder(loc)).filter(isTempName)).toEqual([]);
});

test('result.json listing a file the archive lacks → CorruptDownload', async () => {
  const loc: DownloadLocation = { gstin: '27AAPFU0939F1ZV', period: '012024', kind: 'einvoice', section: 'missing' };
  const f = await attempt(await zipOf([['result.json', RESULT_OK], ['file-1.json', FILE_1]]), loc);
  expect(f.type).toBe('CorruptDownload');
  expect(f.message).toContain('file-2.json');
  expect((await folder(loc)).filter(isTempName)).toEqual([]);
});

test('result.json reporting failure → TaskFailed, non-retryable', async () => {
  const failed = JSON.stringify({ status: '0', data: null, error: { message: 'err-gstn-returned-error', type: 'Gstn', args: {} } });
  const loc: DownloadLocation = { gstin: '27AAPFU0939F1ZV', period: '012024', kind: 'einvoice', section: 'failed' };
  const f = await attempt(await zipOf([['result.json', failed]]), loc);
  expect(f.type).toBe('TaskFailed');
  expect(f.nonRetryable).toBe(true);
  expect(f.message).toContain('err-gstn-returned-error');
  expect(await folder(loc)).toEqual([]);
});

test('failed result.json entries are reported, the good ones stored', async () => {
  const mixed = JSON.stringify({
    status: '1',
    data: [
      { status: '1', data: 'file-1.json', error: null },
      { status: '0', data: null, error: { message: 'err-gstn-returned-error', type: 'Gstn', args: {} } },
    ],
    error: null,
  });
  const loc: DownloadLocation = { gstin: '27AAPFU0939F1ZV', period: '012024', kind: 'einvoice', section: 'mixed' };
  const res = await runIn(
    mockEnv(),
    activitiesServing(await zipOf([['result.json', mixed], ['file-1.json', FILE_1]])).downloadEinvoiceResult,
    'task-x',
    loc,
  );
  expect(res.failedEntries).toEqual([{ message: 'err-gstn-returned-error', type: 'Gstn' }]);
  expect(res.records).toBe(2);
  expect(await folder(loc)).toEqual(['einvoice.zip', 'file-1.json', 'result.json']);
});
