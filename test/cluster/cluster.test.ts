/**
 * The production topology under failure: `npm run cluster` (PostgreSQL + the real temporal-server, see
 * scripts/cluster/lib.ts), the EAS sandbox over HTTP, and TWO worker PROCESSES (`node dist/worker/main.js`) sharing
 * one store. A batch of downloads of every kind runs; mid-way one worker is SIGKILLed and the Temporal server
 * process is restarted (PostgreSQL stays up). Every download must complete, and the store must equal the sandbox's
 * ground truth, byte for byte.
 *
 * Needs Go (or the prebuilt .temporal/bin/temporal-server-v*) and Debian's PostgreSQL; scripts/ci/install-cluster.sh
 * installs both. Without them the tests are skipped locally, and FAIL in CI (CI=true).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { clusterUp, startTemporalServer, stopPostgres, stopTemporalServer, type ClusterUp } from '../../scripts/cluster/lib';
import { loadClusterSettings } from '../../scripts/cluster/settings';
import { waitFor } from '../../scripts/supervise';
import { SandboxAdmin } from '../../sandbox/admin';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import type { TruthKind } from '../../sandbox/truth';
import { sandboxEasEnv } from '../../sandbox/user';
import { FileStore } from '../../store/file-store';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import type { DownloadSummary } from '../../workflows/types';
import { clusterPrerequisiteProblem, lockCluster, spawnWorker, stopWorker, type WorkerProcess } from './helpers';

const MINUTE = 60_000;
const s = loadClusterSettings();
const inCi = /^(1|true)$/i.test(process.env.CI ?? '');
const problem = clusterPrerequisiteProblem(s);
if (problem && !inCi) console.warn(`cluster tests skipped (set CI=true to make this a failure): ${problem}`);
const clusterTest = problem && !inCi ? test.skip : test;

const log = (m: string) => console.log(`[cluster] ${m}`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

let release: (() => void) | undefined;
let first: ClusterUp | undefined;
let second: ClusterUp | undefined;
let connection: Connection | undefined;
let client: Client;

beforeAll(async () => {
  if (problem) {
    if (inCi) throw new Error(`the PostgreSQL-backed cluster cannot be built on this machine: ${problem}`);
    return;
  }
  release = await lockCluster(s, 15 * MINUTE);
  first = await clusterUp(s, log);
  second = await clusterUp(s, log);
  connection = await Connection.connect({ address: s.address });
  client = new Client({ connection, namespace: s.namespace });
}, 30 * MINUTE);

afterAll(async () => {
  await connection?.close();
  // Leave the cluster as we found it: stop what this run started (the data stays, so the next run is warm).
  try {
    if (first && first.steps.find((st) => st.step === 'temporal-server')?.result === 'done') await stopTemporalServer(s, log);
    if (first && first.steps.find((st) => st.step === 'postgres')?.result === 'done') stopPostgres(s, log);
  } finally {
    release?.();
  }
}, 2 * MINUTE);

const describeUp = (u: ClusterUp) => `${secs(u.totalMs)} (${u.steps.map((st) => `${st.step} ${st.result} ${secs(st.ms)}`).join(', ')})`;

clusterTest('npm run cluster is idempotent: a second up finds every step done; the namespace has our search attributes', async () => {
  expect(second!.address).toBe(s.address);
  expect(second!.steps.map((st) => [st.step, st.result])).toEqual(
    ['binaries', 'postgres', 'schema', 'temporal-server', 'namespace'].map((step) => [step, 'already']),
  );
  expect(second!.serverPid).toBe(first!.serverPid);
  const { customAttributes } = await connection!.operatorService.listSearchAttributes({ namespace: s.namespace });
  const wanted = { [SearchAttributeType.KEYWORD]: 2, [SearchAttributeType.INT]: 3 } as Record<string, number>;
  for (const key of SEARCH_ATTRIBUTES) expect([key.name, Number(customAttributes?.[key.name])]).toEqual([key.name, wanted[key.type]]);
  log(`up (as found): ${describeUp(first!)}`);
  log(`up (warm, everything running): ${describeUp(second!)}`);
});

interface Download {
  type: string;
  kind: TruthKind;
  input: Record<string, unknown>;
  /** The truth for each expected file set (IRN: one truth per IRN). */
  truthParams: Array<Record<string, string>>;
}

function irns(n: number): string[] {
  return Array.from({ length: n }, (_, i) => createHash('sha256').update(`cluster-irn-${i}`).digest('hex'));
}

/** Every kind; IMS large (4 × 100 pages) so work is in flight when the worker dies and the server restarts. */
function downloads(): Download[] {
  const ims = (gstin: string, section: string): Download => ({ type: 'downloadImsInvoices', kind: 'ims', input: { gstin, section }, truthParams: [{ gstin, section }] });
  const einv = { gstin: '27AAPFU0939F1ZV', retPeriod: '092024', supplyType: 'B2B', recipientGstin: '27AAPFU0939F1ZV' };
  const einv2 = { gstin: '24AAACC1206D1ZM', retPeriod: '012025', supplyType: 'SEZWP', supplierGstin: '24AAACC1206D1ZM' };
  const irnGstin = '29HJKPS9689A8Z4';
  const irnList = irns(6);
  return [
    ims('29AAGCB7383J1Z4', 'B2B'),
    ims('29AAGCB7383J1Z4', 'B2BCN'),
    ims('29AAGCB7383J1Z4', 'B2BA'),
    ims('27AAACR5055K1Z7', 'B2B'),
    { type: 'downloadEinvoices', kind: 'einvoice', input: einv, truthParams: [einv] },
    { type: 'downloadEinvoices', kind: 'einvoice', input: einv2, truthParams: [einv2] },
    { type: 'downloadGstr2b', kind: 'gstr2b', input: { gstin: '27AAACR5055K1Z7', retPeriod: '102025' }, truthParams: [{ gstin: '27AAACR5055K1Z7', rtnprd: '102025' }] },
    { type: 'downloadGstr2b', kind: 'gstr2b', input: { gstin: '29AAGCB7383J1Z4', retPeriod: '092025' }, truthParams: [{ gstin: '29AAGCB7383J1Z4', rtnprd: '092025' }] },
    { type: 'getIrnDetails', kind: 'irn', input: { gstin: irnGstin, irns: irnList }, truthParams: irnList.map((irn) => ({ gstin: irnGstin, irn })) },
  ];
}

/** The worker's environment: the cluster, the sandbox, one shared store, and short timeouts so a dead worker's work moves on fast. */
function workerEnv(sandboxUrl: string, taskQueue: string, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TEMPORAL_') && !k.startsWith('EAS_')) env[k] = v;
  return {
    ...env,
    TEMPORAL_ADDRESS: s.address,
    TEMPORAL_NAMESPACE: s.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATA_DIR: dataDir,
    ...sandboxEasEnv(sandboxUrl),
    EAS_TIMEOUT_MS: '5000',
    GSTIN_CHECKSUM: 'off',
    GST_POLL_INITIAL_MS: '300',
    GST_POLL_MAX_MS: '1000',
    GST_ACTIVITY_SHORT_TIMEOUT_MS: '10000',
    GST_ACTIVITY_PAGE_TIMEOUT_MS: '10000',
    GST_ACTIVITY_ZIP_TIMEOUT_MS: '60000',
    GST_ACTIVITY_HEARTBEAT_MS: '5000',
    GST_RETRY_INITIAL_MS: '200',
    GST_RETRY_MAX_MS: '2000',
    WORKER_SHUTDOWN_GRACE_MS: '5000',
  };
}

/** Polls until `fn` is truthy. */
async function until(fn: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  await waitFor(fn, { timeoutMs, intervalMs: 200, timeoutError: () => new Error(`timed out after ${secs(timeoutMs)} waiting for ${what}`) });
}

clusterTest(
  'two worker processes, one SIGKILLed and the Temporal server restarted mid-run: every download completes and equals the truth',
  async () => {
    const started = Date.now();
    const tag = `${process.pid}-${Date.now().toString(36)}`;
    const taskQueue = `cluster-kill-${tag}`;
    const dataDir = await mkdtemp(join(tmpdir(), 'gst-cluster-'));
    const logDir = join(s.root, 'test-artifacts', 'cluster');
    const sandbox: RunningSandbox = await startSandbox({ port: 0, sessions: 'all', taskSeconds: 1, seed: 7 });
    const admin = new SandboxAdmin(sandbox.url);
    const workers: WorkerProcess[] = [];
    try {
      await admin.config({
        gstins: {
          '29AAGCB7383J1Z4': { imsRecords: 1500, imsPageSize: 15, gstr2bRecords: 300, gstr2bDocsPerFile: 50 },
          '27AAACR5055K1Z7': { imsRecords: 1500, imsPageSize: 15, gstr2bRecords: 400, gstr2bDocsPerFile: 50 },
          '27AAPFU0939F1ZV': { einvoiceFiles: 4, einvoiceRecordsPerFile: 150 },
          '24AAACC1206D1ZM': { einvoiceFiles: 3, einvoiceRecordsPerFile: 100 },
        },
      });
      // a little latency on every page and 2B file, so pages are in flight on both workers when one dies
      await admin.addFaults({ route: 'taskPage', kind: 'latency', rate: 1, latencyMs: 120 }, { route: 'gstr2b', kind: 'latency', rate: 1, latencyMs: 120 });

      const env = workerEnv(sandbox.url, taskQueue, dataDir);
      workers.push(spawnWorker(s.root, 'worker-a', env, logDir), spawnWorker(s.root, 'worker-b', env, logDir));
      const [a, b] = workers as [WorkerProcess, WorkerProcess];
      await Promise.all(workers.map((w) => w.serving));

      const batch = downloads();
      const imsPages = batch.filter((d) => d.kind === 'ims').length * 100;
      const handles: WorkflowHandle[] = [];
      for (const [i, d] of batch.entries()) {
        handles.push(await client.workflow.start(d.type, { taskQueue, workflowId: `cluster-${tag}-${i}-${d.kind}`, args: [d.input] }));
      }
      const pagesServed = async () => (await admin.requests()).byRoute.taskPage?.total ?? 0;

      // 1. SIGKILL worker A once about a quarter of the IMS pages are down.
      await until(async () => (await pagesServed()) >= imsPages / 4, `${imsPages / 4} IMS pages`, 5 * MINUTE);
      const pagesAtKill = await pagesServed();
      a.child.kill('SIGKILL');
      const aEnd = await a.exited;
      const killedAt = Date.now();
      log(`SIGKILLed worker A (pid ${a.pid}) after ${pagesAtKill}/${imsPages} IMS pages, ${secs(killedAt - started)} into the run`);

      // 2. Once worker B has moved on a little, restart the Temporal server process (PostgreSQL keeps running).
      await until(async () => (await pagesServed()) >= pagesAtKill + 20, 'worker B to fetch 20 more pages', 5 * MINUTE);
      const running = (await Promise.all(handles.map((h) => h.describe()))).filter((d) => d.status.name === 'RUNNING').length;
      const pagesAtRestart = await pagesServed();
      const restartStarted = Date.now();
      await stopTemporalServer(s, log);
      const stoppedMs = Date.now() - restartStarted;
      const restarted = await startTemporalServer(s, log);
      const restartMs = Date.now() - restartStarted;
      log(`restarted temporal-server with ${running}/${handles.length} downloads running and ${pagesAtRestart}/${imsPages} IMS pages down (stop ${secs(stoppedMs)}, start ${secs(restarted.readyMs)})`);
      expect(running).toBeGreaterThan(0);

      // 3. Everything completes, on worker B alone.
      const summaries = (await Promise.all(handles.map((h) => h.result()))) as DownloadSummary[];
      const doneMs = Date.now() - started;

      // 4. The store holds exactly the truth: names, bytes, sha256 (of the bytes on disk) and records.
      const store = new FileStore(dataDir);
      let files = 0;
      let bytes = 0;
      for (const [i, d] of batch.entries()) {
        const summary = summaries[i]!;
        const truths = await Promise.all(d.truthParams.map((p) => admin.truth(d.kind, p)));
        const truthFiles = truths.flatMap((t) => t.files);
        const got = summary.files.map((f) => f.name).sort();
        expect([d.type, got]).toEqual([d.type, truthFiles.map((f) => f.name).sort()]);
        for (const t of truthFiles) {
          const f = summary.files.find((x) => x.name === t.name)!;
          const onDisk = await store.read(f.ref);
          const sha256 = createHash('sha256').update(onDisk).digest('hex');
          expect({ download: d.type, name: t.name, bytes: onDisk.length, sha256, summarySha: f.sha256 }).toEqual({
            download: d.type,
            name: t.name,
            bytes: t.bytes,
            sha256: t.sha256,
            summarySha: t.sha256,
          });
          files++;
          bytes += onDisk.length;
        }
        expect([d.type, summary.records]).toEqual([d.type, truths.reduce((n, t) => n + t.records, 0)]);
      }

      // 5. Both workers did work, A's unfinished activities were retried, and B lived through the server restart.
      const byIdentity = new Map<string, number>();
      let retried = 0;
      for (const h of handles) {
        for (const e of (await h.fetchHistory()).events ?? []) {
          const started = e.activityTaskStartedEventAttributes;
          const wft = e.workflowTaskCompletedEventAttributes;
          const id = started?.identity ?? wft?.identity;
          if (id) byIdentity.set(id, (byIdentity.get(id) ?? 0) + 1);
          if (started && (started.attempt ?? 1) > 1) retried++;
        }
      }
      expect(aEnd.signal).toBe('SIGKILL');
      expect(b.child.exitCode).toBeNull();
      expect(byIdentity.get(a.identity) ?? 0).toBeGreaterThan(0);
      expect(byIdentity.get(b.identity) ?? 0).toBeGreaterThan(0);
      expect(retried).toBeGreaterThan(0);

      console.log(
        [
          '[cluster] kill test figures',
          `  cluster up (as found):       ${describeUp(first!)}`,
          `  cluster up (warm):           ${describeUp(second!)}`,
          `  downloads:                   ${batch.length} (${batch.map((d) => d.kind).join(', ')}), ${files} files, ${(bytes / 1e6).toFixed(1)} MB, ${imsPages} IMS pages`,
          `  worker A SIGKILLed at:       ${pagesAtKill}/${imsPages} IMS pages; ${byIdentity.get(a.identity)} tasks done by A, ${byIdentity.get(b.identity)} by B`,
          `  activities retried:          ${retried} (attempt > 1)`,
          `  temporal-server restart:     ${secs(restartMs)} (stop ${secs(stoppedMs)}, start to answering ${secs(restarted.readyMs)}) with ${running} downloads running`,
          `  all done after kill:         ${secs(Date.now() - killedAt)}`,
          `  total (sandbox → verified):  ${secs(doneMs)} to complete, ${secs(Date.now() - started)} with checks`,
        ].join('\n'),
      );
    } catch (e) {
      for (const w of workers) console.error(`--- ${w.name} (pid ${w.pid}) last output:\n${w.tail()}`);
      throw e;
    } finally {
      await Promise.all(workers.map((w) => stopWorker(w)));
      await sandbox.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
  20 * MINUTE,
);
