import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileStore } from '../../store/file-store';
import type { DownloadLocation } from '../../store/store';

const loc: DownloadLocation = { gstin: '29HJKPS9689A8Z4', period: '082023', kind: 'ims', section: 'B2B' };
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('FileStore', () => {
  let root: string;
  let store: FileStore;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'store-'));
    store = new FileStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  test('writes into <gstin>/<period>/<kind>/<section> with the checksum, and reads back the same bytes', async () => {
    const f = await store.writeFile(loc, 'page-1.json', '{"a":1}', 1);
    expect(f).toEqual({ name: 'page-1.json', ref: '29HJKPS9689A8Z4/082023/ims/B2B/page-1.json', bytes: 7, sha256: sha('{"a":1}'), records: 1 });
    expect((await readFile(path.join(root, '29HJKPS9689A8Z4/082023/ims/B2B/page-1.json'))).toString()).toBe('{"a":1}');
    expect((await store.read(f.ref)).toString()).toBe('{"a":1}');
  });

  test('writing twice is idempotent and leaves no temp files; new bytes replace old ones', async () => {
    const a = await store.writeFile(loc, 'page-1.json', 'same', 3);
    const b = await store.writeFile(loc, 'page-1.json', 'same', 3);
    expect(b).toEqual(a);
    await store.writeFile(loc, 'page-1.json', 'changed', 3);
    expect((await store.read(a.ref)).toString()).toBe('changed');
    expect(await readdir(path.join(root, store.locationRef(loc)))).toEqual(['page-1.json']);
  });

  test('adoptFile moves a streamed temp file in and hashes it', async () => {
    const tmp = await store.tempPath(loc, 'einvoice.zip');
    await writeFile(tmp, Buffer.alloc(100_000, 7));
    const f = await store.adoptFile(loc, 'einvoice.zip', tmp, 0);
    expect(f.bytes).toBe(100_000);
    expect(f.sha256).toBe(sha(Buffer.alloc(100_000, 7)));
    expect(await store.stat(loc, 'einvoice.zip')).toEqual({ bytes: 100_000, sha256: f.sha256 });
    expect(await readdir(path.join(root, store.locationRef(loc)))).toEqual(['einvoice.zip']);
  });

  test('manifest round-trips; unsafe names are refused', async () => {
    const m = { kind: 'ims' as const, location: store.locationRef(loc), inputs: { section: 'B2B' }, route: 'imsInvoices', fetchedAt: '2026-11-22T00:00:00.000Z', files: [], records: 0 };
    await store.writeManifest(loc, m);
    expect(await store.readManifest(loc)).toEqual(m);
    await expect(store.writeFile(loc, '../escape.json', 'x', 0)).rejects.toThrow(/unsafe/);
    expect(() => store.localPath('../../etc/passwd')).toThrow(/unsafe/);
  });
});
