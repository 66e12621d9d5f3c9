/** A slow link and resumable downloads: the `bandwidth` fault, `Range` on the ZIP download, bytes sent per task. */
import { request } from 'node:http';
import { HEADERS, ROUTES } from '../../eas/contract';
import { SANDBOX_USER } from '../../sandbox/user';
import { eas, GSTIN_A, login, sha256, start, waitTask, type Harness } from './helpers';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await start({ sessions: 'all', taskSeconds: 0 });
  token = await login(h.url, { tokenDurationInMins: 360 });
});
afterAll(() => h.sandbox.close());
afterEach(() => h.admin.reset());

const body = { retPeriod: '042024', supplyType: 'B2B', gstin: GSTIN_A, supplierGstin: GSTIN_A };

async function zipTask(retPeriod = '042024'): Promise<{ id: string; bytes: number; sha: string }> {
  const r = await eas(h.url, token, ROUTES.einvoiceDownload, { gstin: GSTIN_A, body: { ...body, retPeriod } });
  const id = r.json.data['task-id'] as string;
  await waitTask(h.url, token, id);
  const zip = (await h.admin.truth('einvoice', { ...body, retPeriod })).files.find((f) => f.name === 'einvoice.zip')!;
  return { id, bytes: zip.bytes, sha: zip.sha256 };
}

const download = (id: string, headers: Record<string, string> = {}) =>
  eas(h.url, token, ROUTES.taskDownload(id), { headers: { accept: 'application/zip', ...headers } });

describe('Range on the ZIP download', () => {
  it('bytes=N- answers 206 with the rest; the two parts make the whole ZIP', async () => {
    const { id, bytes, sha } = await zipTask();
    const whole = await download(id);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const cut = 1000;
    const rest = await download(id, { range: `bytes=${cut}-` });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(`bytes ${cut}-${bytes - 1}/${bytes}`);
    expect(Number(rest.headers.get('content-length'))).toBe(bytes - cut);
    expect(sha256(Buffer.concat([whole.bytes.subarray(0, cut), rest.bytes]))).toBe(sha);
    const mid = await download(id, { range: 'bytes=10-19' });
    expect(mid.status).toBe(206);
    expect(mid.bytes.equals(whole.bytes.subarray(10, 20))).toBe(true);
  });

  it('a range past the end is 416 with the size; other forms get the whole file', async () => {
    const { id, bytes } = await zipTask();
    const past = await download(id, { range: `bytes=${bytes}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes}`);
    const suffix = await download(id, { range: 'bytes=-100' });
    expect(suffix.status).toBe(200);
    expect(suffix.bytes.length).toBe(bytes);
  });

  it('config ranges:false plays a gateway that ignores Range: always 200 with the whole file', async () => {
    const { id, bytes, sha } = await zipTask();
    await h.admin.config({ ranges: false });
    const r = await download(id, { range: 'bytes=1000-' });
    expect(r.status).toBe(200);
    expect(r.headers.get('accept-ranges')).toBeNull();
    expect(r.bytes.length).toBe(bytes);
    expect(sha256(r.bytes)).toBe(sha);
  });
});

describe('bandwidth fault', () => {
  it('sends the body at bytesPerSecond, on its route only, and the bytes are unchanged', async () => {
    await h.admin.config({ sizes: { einvoiceFiles: 2, einvoiceRecordsPerFile: 400 } });
    const { id, bytes, sha } = await zipTask('052024');
    const bps = Math.ceil(bytes / 1.5); // ~1.5 s for the whole ZIP
    await h.admin.addFaults({ route: 'taskDownload', kind: 'bandwidth', bytesPerSecond: bps });
    const t0 = Date.now();
    const r = await download(id);
    const took = Date.now() - t0;
    expect(sha256(r.bytes)).toBe(sha);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(15_000);
    const t1 = Date.now();
    expect((await eas(h.url, token, ROUTES.taskStatus(id))).status).toBe(200); // another route: not shaped
    expect(Date.now() - t1).toBeLessThan(1000);
    expect((await h.admin.faults()).faults).toEqual([{ route: 'taskDownload', kind: 'bandwidth', bytesPerSecond: bps }]);
  });

  it('a bandwidth rule needs a positive integer bytesPerSecond', async () => {
    await expect(h.admin.addFaults({ route: 'taskDownload', kind: 'bandwidth' })).rejects.toThrow(/bytesPerSecond/);
    await expect(h.admin.addFaults({ route: 'taskDownload', kind: 'bandwidth', bytesPerSecond: 0 })).rejects.toThrow(/bytesPerSecond/);
  });
});

describe('bytes sent per task', () => {
  it('counts whole downloads, ranges, and what went out before a client hung up', async () => {
    await h.admin.config({ sizes: { einvoiceFiles: 2, einvoiceRecordsPerFile: 400 } });
    const { id, bytes } = await zipTask('062024');
    await download(id);
    await download(id, { range: `bytes=${bytes - 500}-` });
    expect((await h.admin.requests()).bytesByTask[id]).toBe(bytes + 500);

    // A client that reads ~a third of a slowed body, then hangs up: only what was sent is counted, and sending stops.
    await h.admin.addFaults({ route: 'taskDownload', kind: 'bandwidth', bytesPerSecond: Math.ceil(bytes / 3) });
    const before = (await h.admin.requests()).bytesByTask[id]!;
    await new Promise<void>((resolve, reject) => {
      const u = new URL(`${h.url}${ROUTES.taskDownload(id)}`);
      const req = request(
        { host: u.hostname, port: u.port, path: u.pathname, headers: { [HEADERS.orgId]: SANDBOX_USER.orgId, [HEADERS.userToken]: token, accept: 'application/zip' } },
        (res) => {
          expect(res.statusCode).toBe(200);
          res.on('data', () => undefined);
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 1000);
        },
      );
      req.on('error', reject);
      req.end();
    });
    await new Promise((r) => setTimeout(r, 1500));
    const partial = (await h.admin.requests()).bytesByTask[id]! - before;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(bytes * 0.7);
  });
});
