/**
 * Workers on many hosts: two worker PROCESSES (`node dist/worker/main.js`) with separate scratch folders and
 * separate DATA_DIRs that stay empty (no shared disk), one S3-compatible store (moto on 127.0.0.1, STORE_URL
 * s3://…). A batch of every kind runs over a slowed ZIP link; worker A is SIGKILLed while it moves an e-invoice
 * ZIP. Every download completes, every object equals the sandbox's truth, the bucket holds nothing a manifest
 * does not list (no temp object, no ZIP segment), and a worker started on A's scratch folder removes A's leftovers.
 * (`npm test` builds dist/ first; moto comes from scripts/ci/install-s3.sh.)
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { TOKENS_FILE } from '../../activities/scratch';
import { SandboxAdmin } from '../../sandbox/admin';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { sandboxEasEnv } from '../../sandbox/user';
import type { TruthKind } from '../../sandbox/truth';
import { Catalogue } from '../../store/catalogue';
import { MANIFEST_NAME, isTempName } from '../../store/store';
import type { DownloadSummary } from '../../workflows/types';
import { spawnWorker, stopWorker, type WorkerProcess } from '../cluster/helpers';
import { s3Suite, startS3Server, type S3Server } from '../fixtures/s3-server';
import { testTemporal, uniqueTaskQueue } from '../fixtures/temporal-env';
import { waitFor } from './harness';

jest.setTimeout(600_000);

const ROOT = resolve(__dirname, '../..');

interface Download {
  type: string;
  kind: TruthKind;
  input: Record<string, unknown>;
  truthParams: Array<Record<string, string>>;
}

function irns(n: number): string[] {
  return Array.from({ length: n }, (_, i) => createHash('sha256').update(`s3-irn-${i}`).digest('hex'));
}

/** Every kind: two e-invoice ZIPs big enough to be in flight when the worker dies, IMS with many pages. */
function downloads(): Download[] {
  const ims = (gstin: string, section: string): Download => ({ type: 'downloadImsInvoices', kind: 'ims', input: { gstin, section }, truthParams: [{ gstin, section }] });
  const einv = { gstin: '27AAPFU0939F1ZV', retPeriod: '092024', supplyType: 'B2B', recipientGstin: '27AAPFU0939F1ZV' };
  const einv2 = { gstin: '24AAACC1206D1ZM', retPeriod: '012025', supplyType: 'SEZWP', supplierGstin: '24AAACC1206D1ZM' };
  const irnGstin = '29HJKPS9689A8Z4';
  const irnList = irns(5);
  return [
    ims('29AAGCB7383J1Z4', 'B2B'),
    ims('27AAACR5055K1Z7', 'B2BCN'),
    { type: 'downloadEinvoices', kind: 'einvoice', input: einv, truthParams: [einv] },
    { type: 'downloadEinvoices', kind: 'einvoice', input: einv2, truthParams: [einv2] },
    { type: 'downloadGstr2b', kind: 'gstr2b', input: { gstin: '27AAACR5055K1Z7', retPeriod: '102025' }, truthParams: [{ gstin: '27AAACR5055K1Z7', rtnprd: '102025' }] },
    { type: 'getIrnDetails', kind: 'irn', input: { gstin: irnGstin, irns: irnList }, truthParams: irnList.map((irn) => ({ gstin: irnGstin, irn })) },
  ];
}

const built = existsSync(join(ROOT, 'dist', 'worker', 'main.js'));
const suite = built ? s3Suite('test/integration/multi-host-s3.test.ts') : describe.skip;

suite('workers on many hosts', () => {
  let s3: S3Server;
  let sandbox: RunningSandbox;
  let connection: Connection;
  let client: Client;
  let tmp: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    s3 = await startS3Server('gst-multihost');
    sandbox = await startSandbox({ port: 0, sessions: 'all', taskSeconds: 1, seed: 11 });
    const t = testTemporal();
    connection = await Connection.connect({ address: t.address });
    client = new Client({ connection, namespace: t.namespace });
    tmp = await mkdtemp(join(tmpdir(), 'gst-multihost-'));
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) await stopWorker(w, 3000).catch(() => undefined);
    await connection?.close();
    await sandbox?.close();
    await s3?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  function workerEnv(taskQueue: string, host: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(TEMPORAL_|EAS_|GST_|WORKER_|AWS_|S3_|STORE_URL|DATA_DIR|SCRATCH_DIR)/.test(k)) env[k] = v;
    const t = testTemporal();
    return {
      ...env,
      ...s3.env('downloads'),
      TEMPORAL_ADDRESS: t.address,
      TEMPORAL_NAMESPACE: t.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      // Each "host" has its own disk: a scratch folder and a DATA_DIR that must stay empty.
      SCRATCH_DIR: join(tmp, host, 'scratch'),
      DATA_DIR: join(tmp, host, 'data'),
      ZIP_SEGMENT_MB: '1',
      ...sandboxEasEnv(sandbox.url),
      EAS_TIMEOUT_MS: '5000',
      EAS_STALL_TIMEOUT_MS: '10000',
      GSTIN_CHECKSUM: 'off',
      GST_POLL_INITIAL_MS: '300',
      GST_POLL_MAX_MS: '1000',
      GST_ACTIVITY_SHORT_TIMEOUT_MS: '15000',
      GST_ACTIVITY_PAGE_TIMEOUT_MS: '15000',
      GST_ACTIVITY_ZIP_TIMEOUT_MS: '120000',
      GST_ACTIVITY_HEARTBEAT_MS: '4000',
      GST_RETRY_INITIAL_MS: '200',
      GST_RETRY_MAX_MS: '2000',
      WORKER_SHUTDOWN_GRACE_MS: '3000',
    };
  }

  async function filesUnder(dir: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
        if (e.isDirectory()) await walk(join(d, e.name));
        else out.push(join(d, e.name));
      }
    };
    await walk(dir);
    return out;
  }

  test('two workers without shared disk, one S3 store, one worker SIGKILLed mid-ZIP: every download equals the truth, no temp object left', async () => {
    const admin = new SandboxAdmin(sandbox.url);
    const logDir = join(ROOT, 'test-artifacts', 'multi-host-s3');
    const taskQueue = uniqueTaskQueue('s3-multihost');
    await admin.config({
      gstins: {
        '29AAGCB7383J1Z4': { imsRecords: 900, imsPageSize: 15 },
        '27AAACR5055K1Z7': { imsRecords: 900, imsPageSize: 15, gstr2bRecords: 300, gstr2bDocsPerFile: 50 },
        '27AAPFU0939F1ZV': { einvoiceFiles: 3, einvoiceRecordsPerFile: 10_000 },
        '24AAACC1206D1ZM': { einvoiceFiles: 2, einvoiceRecordsPerFile: 15_000 },
      },
    });
    // A slow ZIP link (each ZIP takes several seconds, so one is mid-transfer when A dies) and slowish pages.
    await admin.addFaults(
      { route: 'taskDownload', kind: 'bandwidth', bytesPerSecond: 400 * 1024 },
      { route: 'taskPage', kind: 'latency', rate: 1, latencyMs: 100 },
    );

    workers.push(spawnWorker(ROOT, 'worker-a', workerEnv(taskQueue, 'host-a'), logDir), spawnWorker(ROOT, 'worker-b', workerEnv(taskQueue, 'host-b'), logDir));
    const [a, b] = workers as [WorkerProcess, WorkerProcess];
    await Promise.all(workers.map((w) => w.serving));

    const batch = downloads();
    // The sandbox builds a ZIP on first use; build them now, so the link — not the build — is what is slow.
    for (const d of batch) if (d.kind === 'einvoice') await admin.truth('einvoice', d.truthParams[0]!);
    const handles: WorkflowHandle[] = [];
    for (const [i, d] of batch.entries()) handles.push(await client.workflow.start(d.type, { taskQueue, workflowId: `${taskQueue}-${i}-${d.kind}`, args: [d.input] }));

    // SIGKILL the first worker that is 1.3 MiB into an e-invoice ZIP (it committed at least one 1 MiB segment).
    const hosts = [
      { w: a, host: 'host-a' },
      { w: b, host: 'host-b' },
    ];
    const zipBytes = async (host: string) => {
      const zips = (await filesUnder(join(tmp, host, 'scratch'))).filter((f) => f.endsWith('einvoice.zip'));
      return Math.max(0, ...(await Promise.all(zips.map((f) => stat(f).then((st) => st.size, () => 0)))));
    };
    const victim = await waitFor(
      async () => {
        for (const h of hosts) if ((await zipBytes(h.host)) > 1.3 * 1024 * 1024) return h;
        return undefined;
      },
      'a worker to be 1.3 MiB into a ZIP',
      240_000,
    );
    const survivor = hosts.find((h) => h !== victim)!;
    victim.w.child.kill('SIGKILL');
    expect((await victim.w.exited).signal).toBe('SIGKILL');
    const victimScratch = join(tmp, victim.host, 'scratch');
    expect((await filesUnder(victimScratch)).some((f) => f.endsWith('einvoice.zip'))).toBe(true); // its leftovers, for now

    const summaries = (await Promise.all(handles.map((h) => h.result()))) as DownloadSummary[];

    // Objects equal the truth (read back from S3: bytes and sha256 of the stored object).
    const store = s3.store('downloads');
    const catalogue = new Catalogue(store);
    const listed = new Set<string>();
    for (const [i, d] of batch.entries()) {
      const summary = summaries[i]!;
      const truths = await Promise.all(d.truthParams.map((p) => admin.truth(d.kind, p)));
      const truthFiles = truths.flatMap((t) => t.files);
      expect([d.type, summary.files.map((f) => f.name).sort()]).toEqual([d.type, truthFiles.map((f) => f.name).sort()]);
      for (const t of truthFiles) {
        const f = summary.files.find((x) => x.name === t.name)!;
        const body = await store.read(f.ref);
        expect({ download: d.type, name: t.name, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') }).toEqual({
          download: d.type,
          name: t.name,
          bytes: t.bytes,
          sha256: t.sha256,
        });
        listed.add(f.ref);
      }
      listed.add(summary.manifest);
      expect([d.type, summary.records]).toEqual([d.type, truths.reduce((n, t) => n + t.records, 0)]);
      const manifest = await store.readManifestRef(summary.manifest);
      expect(manifest?.files.map((f) => f.name).sort()).toEqual(truthFiles.map((f) => f.name).sort());
      // a GSTR-2B generation's own manifest, and the catalogue entry (kept in the same bucket, readable from there)
      if (manifest?.generation) listed.add(manifest.generation.manifest);
      const gstin = (d.input as { gstin: string }).gstin;
      const entry = await catalogue.get(gstin, `${taskQueue}-${i}-${d.kind}`);
      expect([d.type, entry?.manifest, entry?.records]).toEqual([d.type, summary.manifest, summary.records]);
      listed.add(`_catalogue/${gstin}/${taskQueue}-${i}-${d.kind}.json`);
    }

    // The bucket holds exactly the listed files, the manifests and the catalogue: no temp object, no ZIP segment, nothing stale.
    const objects = await store.list('');
    expect(objects.filter((o) => isTempName(o.ref.split('/').at(-1)!))).toEqual([]);
    expect(objects.map((o) => o.ref).sort()).toEqual([...listed].sort());
    expect(objects.filter((o) => o.ref.endsWith(`/${MANIFEST_NAME}`))).toHaveLength(batch.length + batch.filter((d) => d.kind === 'gstr2b').length);

    // The dead worker's ZIP was resumed on the other with a Range request (206), so no e-invoice task cost the sandbox two whole ZIPs.
    const requests = await admin.requests();
    expect(requests.byRoute.taskDownload?.byStatus['206'] ?? 0).toBeGreaterThan(0);
    for (const [i, d] of batch.entries()) {
      if (d.kind !== 'einvoice') continue;
      const zip = summaries[i]!.files.find((f) => f.name === 'einvoice.zip')!;
      expect(requests.bytesByTask[summaries[i]!.taskId!]).toBeLessThan(2 * zip.bytes);
    }

    // The dead worker's unfinished ZIP went on elsewhere: some download ran an activity more than once. The paged kinds
    // fetched their pages in ranges (issue 14: one activity per range, which returns totals), so finishDownload got no
    // per-page digest from the workflow (an empty slot at most): it took them from what each range stored beside
    // its pages (read back only the pages of an attempt that died before writing them).
    let retried = 0;
    let ranges = 0;
    for (const [i, h] of handles.entries()) {
      for (const e of (await h.fetchHistory()).events ?? []) {
        if ((e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) retried++;
        const scheduled = e.activityTaskScheduledEventAttributes;
        if (!['ims', 'irn'].includes(batch[i]!.kind)) continue;
        if (['downloadImsPages', 'fetchIrnBatch'].includes(scheduled?.activityType?.name ?? '')) ranges++;
        if (scheduled?.activityType?.name !== 'finishDownload') continue;
        const arg = JSON.parse(Buffer.from(scheduled.input!.payloads![0]!.data!).toString('utf8')) as { digests?: unknown[] };
        expect((arg.digests ?? []).every((d) => d === null || d === undefined)).toBe(true);
      }
    }
    expect(ranges).toBeGreaterThan(0);
    expect(retried).toBeGreaterThan(0);

    // No shared disk: neither DATA_DIR was written; the survivor's scratch holds no attempt folder now, only the
    // EAS token it holds (for a worker that replaces it after a crash)
    expect(await filesUnder(join(tmp, 'host-a', 'data'))).toEqual([]);
    expect(await filesUnder(join(tmp, 'host-b', 'data'))).toEqual([]);
    const survivorScratch = join(tmp, survivor.host, 'scratch');
    expect((await filesUnder(survivorScratch)).map((f) => basename(f))).toEqual([TOKENS_FILE]);

    // A worker that starts on the dead one's host cleans its scratch leftovers before serving.
    const c = spawnWorker(ROOT, 'worker-c', workerEnv(taskQueue, victim.host), logDir);
    workers.push(c);
    await c.serving;
    expect(await filesUnder(victimScratch)).toEqual([]);
    await stopWorker(c);
    await stopWorker(survivor.w);
    // stopped gracefully: token logged out, scratch folder gone
    expect(await filesUnder(survivorScratch)).toEqual([]);
  });
});
