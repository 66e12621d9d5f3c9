/**
 * The store contract, run against the file store and an S3-compatible server (moto on 127.0.0.1, installed by
 * scripts/ci/install-s3.sh): streaming put with sha256, get as a stream, stat, list by prefix, delete, atomic
 * visibility, manifests; plus multipart uploads and STORE_URL selection.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { FileStore } from '../../store/file-store';
import { StoreUrlError, storeFromEnv } from '../../store/from-env';
import { readAll } from '../../store/hashing';
import { S3Store } from '../../store/s3-store';
import { ObjectNotFound, StoreError, isTempName, type DownloadLocation, type Manifest, type Store } from '../../store/store';
import { s3Suite, startS3Server, type S3Server } from '../fixtures/s3-server';

const loc: DownloadLocation = { gstin: '29HJKPS9689A8Z4', period: '082023', kind: 'ims', section: 'B2B' };
const other: DownloadLocation = { gstin: '29HJKPS9689A8Z4', period: '092023', kind: 'gstr2b' };
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

/** A deterministic body of `n` bytes, produced in 64 KiB chunks (never whole in memory). */
function bigBody(n: number, seed = 1): { stream: () => Readable; sha256: string } {
  const chunk = (i: number) => Buffer.alloc(Math.min(64 * 1024, n - i * 64 * 1024), (i * 31 + seed) % 251);
  const count = Math.ceil(n / (64 * 1024));
  const h = createHash('sha256');
  for (let i = 0; i < count; i++) h.update(chunk(i));
  return {
    sha256: h.digest('hex'),
    stream: () => Readable.from((function* () { for (let i = 0; i < count; i++) yield chunk(i); })()),
  };
}

s3Suite('test/store/stores.test.ts')('stores', () => {
  let s3: S3Server;
  let fileRoot: string;
  beforeAll(async () => {
    s3 = await startS3Server();
    fileRoot = await mkdtemp(path.join(tmpdir(), 'store-'));
  }, 90_000);
  afterAll(async () => {
    await s3?.stop();
    await rm(fileRoot, { recursive: true, force: true });
  });

  let n = 0;
  const backends: Array<[string, () => Store]> = [
    ['file', () => new FileStore(path.join(fileRoot, String(++n)))],
    ['s3', () => s3.store(`run-${++n}`, 5 * MiB)],
  ];

  describe.each(backends)('%s store', (_kind, make) => {
    let store: Store;
    beforeEach(() => {
      store = make();
    });

    test('put returns bytes + sha256 under <gstin>/<period>/<kind>/<section>; get and read give the same bytes', async () => {
      const f = await store.put(loc, 'page-1.json', '{"a":1}', 1);
      expect(f).toEqual({ name: 'page-1.json', ref: '29HJKPS9689A8Z4/082023/ims/B2B/page-1.json', bytes: 7, sha256: sha('{"a":1}'), records: 1 });
      expect((await store.read(f.ref)).toString()).toBe('{"a":1}');
      expect((await readAll(await store.get(f.ref))).toString()).toBe('{"a":1}');
      expect(await store.stat(f.ref)).toEqual({ bytes: 7, sha256: sha('{"a":1}') });
    });

    test('a stream is put without knowing its size; a new put replaces the object whole', async () => {
      const body = bigBody(12 * MiB + 123);
      const f = await store.put(loc, 'einvoice.zip', body.stream(), 0);
      expect(f).toMatchObject({ bytes: 12 * MiB + 123, sha256: body.sha256 });
      expect(await store.stat(f.ref)).toEqual({ bytes: 12 * MiB + 123, sha256: body.sha256 });
      expect(sha(await store.read(f.ref))).toBe(body.sha256);
      const again = bigBody(6 * MiB, 7);
      await store.put(loc, 'einvoice.zip', again.stream(), 0, { sha256: again.sha256 });
      expect(await store.stat(f.ref)).toEqual({ bytes: 6 * MiB, sha256: again.sha256 });
      expect((await store.list(`${store.locationRef(loc)}/`)).map((o) => o.ref)).toEqual([f.ref]);
    });

    test('a put whose body dies mid-way leaves the old object and no temp object', async () => {
      const old = await store.put(loc, 'file-1.json', 'old', 1);
      const body = new PassThrough();
      const put = store.put(loc, 'file-1.json', body, 1);
      body.write(Buffer.alloc(6 * MiB, 1));
      await new Promise((r) => setTimeout(r, 300));
      expect((await store.read(old.ref)).toString()).toBe('old'); // never half of the new one
      body.destroy(new Error('link dropped'));
      await expect(put).rejects.toThrow(/link dropped/);
      expect((await store.read(old.ref)).toString()).toBe('old');
      expect((await store.list(`${store.locationRef(loc)}/`)).map((o) => o.ref)).toEqual([old.ref]);
    });

    test('a wrong known sha256 fails the put and leaves nothing under the name', async () => {
      await expect(store.put(loc, 'x.json', Readable.from([Buffer.from('abc')]), 0, { sha256: sha('abd') })).rejects.toThrow(/expected/);
      await expect(store.put(loc, 'y.json', 'abc', 0, { sha256: sha('abd') })).rejects.toThrow(/expected/);
      expect(await store.stat(store.refOf(loc, 'x.json'))).toBeUndefined();
      expect(await store.list(`${store.locationRef(loc)}/`)).toEqual([]);
    });

    test('list by prefix, delete, missing objects', async () => {
      const a = await store.put(loc, 'page-1.json', 'a', 1);
      const b = await store.put(loc, 'page-2.json', 'bb', 1);
      const c = await store.put(other, 'gstr2b.json', 'ccc', 1);
      expect(await store.list(`${store.locationRef(loc)}/`)).toEqual([{ ref: a.ref, bytes: 1 }, { ref: b.ref, bytes: 2 }]);
      expect((await store.list('29HJKPS9689A8Z4/')).map((o) => o.ref)).toEqual([a.ref, b.ref, c.ref]);
      expect((await store.list(`${store.locationRef(loc)}/page-2`)).map((o) => o.ref)).toEqual([b.ref]);
      expect(await store.list('27AAPFU0939F1ZV/')).toEqual([]);
      await store.delete(a.ref);
      await store.delete(a.ref);
      expect(await store.stat(a.ref)).toBeUndefined();
      await expect(store.read(a.ref)).rejects.toBeInstanceOf(ObjectNotFound);
      await expect(store.get(a.ref)).rejects.toBeInstanceOf(ObjectNotFound);
      expect((await store.list(`${store.locationRef(loc)}/`)).map((o) => o.ref)).toEqual([b.ref]);
    });

    test('manifests round-trip by location and by reference; unsafe names are refused', async () => {
      const m: Manifest = { kind: 'ims', location: store.locationRef(loc), inputs: { section: 'B2B' }, route: 'imsInvoices', fetchedAt: '2026-11-22T00:00:00.000Z', files: [], records: 0 };
      expect(await store.readManifest(loc)).toBeUndefined();
      const f = await store.writeManifest(loc, m);
      expect(await store.readManifest(loc)).toEqual(m);
      expect(await store.readManifestRef(f.ref)).toEqual(m);
      await expect(store.put(loc, '../escape.json', 'x', 0)).rejects.toThrow(/unsafe/);
      await expect(store.read('../../etc/passwd')).rejects.toThrow(/unsafe/);
    });
  });

  describe('file store specifics', () => {
    test('a temp file is a dot-file beside the target while the body streams, then renamed', async () => {
      const store = new FileStore(path.join(fileRoot, 'temp'));
      const body = new PassThrough();
      const put = store.put(loc, 'page-1.json', body, 1);
      body.write('{"a":');
      await new Promise((r) => setTimeout(r, 100));
      const during = await store.list('');
      expect(during).toHaveLength(1);
      expect(isTempName(path.basename(during[0]!.ref))).toBe(true);
      body.end('1}');
      const f = await put;
      expect(await readdir(path.join(store.root, store.locationRef(loc)))).toEqual(['page-1.json']);
      expect((await readFile(store.localPath(f.ref))).toString()).toBe('{"a":1}');
    });
  });

  describe('S3 multipart', () => {
    test('a body over the part size goes up in parts (visible only when complete)', async () => {
      const store = s3.store('multipart', 5 * MiB);
      const body = bigBody(11 * MiB);
      const f = await store.put(loc, 'einvoice.zip', body.stream(), 0, { sha256: body.sha256 });
      const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
      const head = await store.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `multipart/${f.ref}` }));
      expect(head.ETag).toMatch(/-3"$/); // a multipart ETag names its part count
      expect(head.ContentLength).toBe(11 * MiB);
      expect(await store.stat(f.ref)).toEqual({ bytes: 11 * MiB, sha256: body.sha256 });
    });
  });

  describe('S3 failures are classified for the activities', () => {
    test('a missing bucket is denied (a person must act); a server that does not answer is unavailable (retry)', async () => {
      const noBucket = new S3Store({ bucket: 'no-such-bucket', prefix: '', client: { endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } } });
      const e1 = await noBucket.put(loc, 'page-1.json', 'x', 1).catch((e: unknown) => e);
      expect(e1).toBeInstanceOf(StoreError);
      expect((e1 as StoreError).kind).toBe('denied');
      expect((e1 as StoreError).message).toMatch(/NoSuchBucket/);
      const down = new S3Store({
        bucket: s3.bucket,
        prefix: '',
        client: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
      });
      for (const op of [() => down.put(loc, 'page-1.json', 'x', 1), () => down.list(''), () => down.read('a/b'), () => down.put(loc, 'z.zip', Readable.from([Buffer.alloc(10)]), 0)]) {
        const e = await op().catch((err: unknown) => err);
        expect(e).toBeInstanceOf(StoreError);
        expect((e as StoreError).kind).toBe('unavailable');
      }
    });
  });

  describe('STORE_URL', () => {
    test('file:///path, a plain path and DATA_DIR give the file store; s3://bucket/prefix the S3 store', async () => {
      const a = storeFromEnv({ STORE_URL: 'file:///srv/gst' });
      expect(a).toBeInstanceOf(FileStore);
      expect((a as FileStore).root).toBe('/srv/gst');
      expect((storeFromEnv({ STORE_URL: '/srv/x' }) as FileStore).root).toBe('/srv/x');
      expect((storeFromEnv({ DATA_DIR: '/srv/d' }) as FileStore).root).toBe('/srv/d');
      expect(() => storeFromEnv({ STORE_URL: 'gs://bucket' })).toThrow(StoreUrlError);
      expect(() => storeFromEnv({ STORE_URL: 's3://B!/x' })).toThrow(StoreUrlError);
      expect(() => storeFromEnv({ STORE_URL: 's3://bucket', S3_FORCE_PATH_STYLE: 'maybe' })).toThrow(/S3_FORCE_PATH_STYLE/);
      const env = { ...s3.env('via-env/'), STORE_URL: `s3://${s3.bucket}/via-env/` };
      const s = storeFromEnv(env);
      expect(s).toBeInstanceOf(S3Store);
      const f = await s.put(loc, 'page-1.json', 'hello', 1);
      // The same object through a store built by hand on the prefix: the prefix was applied once, without slashes doubled.
      expect((await s3.store('via-env').read(f.ref)).toString()).toBe('hello');
    });
  });
});
