/**
 * The CLI's done line counts every file a download stored, not the 200 its summary lists: from the manifest
 * (written by the real FileStore) when DATA_DIR is visible, else from the IMS page count / the IRN list.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileCount, summaryLines } from '../../client/cli/format';
import { FileStore } from '../../store/file-store';
import type { DownloadLocation, StoredFile } from '../../store/store';
import type { DownloadSummary } from '../../workflows/types';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'cli-format-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const file = (i: number): StoredFile => ({ name: `page-${i}.json`, ref: `x/page-${i}.json`, bytes: 10, sha256: '0'.repeat(64), records: 2 });

/** A 500-page IMS download as the workflow returns it: 200 files listed, the manifest on disk lists 500. */
async function bigIms(): Promise<DownloadSummary> {
  const store = new FileStore(dataDir);
  const loc: DownloadLocation = { gstin: '29HJKPS9689A8Z4', period: '2026-11-23', kind: 'ims', section: 'B2B' };
  const all = Array.from({ length: 500 }, (_, i) => file(i + 1));
  const manifest = await store.writeManifest(loc, {
    kind: 'ims', location: store.locationRef(loc), inputs: {}, route: 'ims', fetchedAt: new Date().toISOString(), files: all, records: 1000, pages: 500,
  });
  return {
    kind: 'ims', inputs: { gstin: loc.gstin, section: 'B2B' }, location: store.locationRef(loc), manifest: manifest.ref,
    files: all.slice(0, 200), filesTruncated: true, records: 1000, bytes: 5000, pages: 500,
    startedAt: '2026-11-23T10:00:00.000Z', finishedAt: '2026-11-23T10:01:00.000Z', polls: 3, submissions: 1,
  };
}

test('a 500-page download ends with "500 files", counted from its manifest', async () => {
  const s = await bigIms();
  s.pages = undefined; // the manifest alone says it
  expect(fileCount(s, { DATA_DIR: dataDir })).toBe(500);
  expect(summaryLines('gst-ims-x', s, { DATA_DIR: dataDir })[0]).toBe('done gst-ims-x: 500 files, 1000 records, 4.9 KB, 3 checks, 60.0s');
});

test('without the store on this machine: the page count (IMS), the IRN list (IRN details), else "more than 200"', async () => {
  const s = await bigIms();
  expect(summaryLines('gst-ims-x', s, {})[0]).toBe('done gst-ims-x: 500 files, 1000 records, 4.9 KB, 500 pages, 3 checks, 60.0s');
  const irns = Array.from({ length: 300 }, (_, i) => i.toString(16).padStart(64, '0'));
  expect(fileCount({ ...s, kind: 'irn', pages: undefined, inputs: { irns } }, {})).toBe(300);
  const gstr2b: DownloadSummary = { ...s, kind: 'gstr2b', pages: undefined };
  expect(fileCount(gstr2b, {})).toBeUndefined();
  expect(summaryLines('gst-gstr2b-x', gstr2b, {})[0]).toMatch(/^done gst-gstr2b-x: more than 200 files, 1000 records/);
});

test('a summary that lists all its files is counted as listed', async () => {
  const s = { ...(await bigIms()), files: [file(1)], filesTruncated: undefined, pages: 1 };
  expect(summaryLines('id', s, {})[0]).toMatch(/^done id: 1 file, 1000 records/);
});
