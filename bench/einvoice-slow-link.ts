/**
 * Benchmark: a big e-invoice ZIP over a slow link, on a REAL worker process and a Temporal dev server.
 *
 *   npm run -s bench -- einvoice-slow-link [--size-mb 64] [--bps <bytes/s>] [--heartbeat-ms 10000]
 *                                          [--kill-at 0.4] [--segment-mb 16] [--keep] [--process-env off]
 *
 * The sandbox (child process) builds a ZIP of about --size-mb and serves it through a `bandwidth` fault at --bps
 * (default: slow enough that the transfer takes about four heartbeat timeouts). The worker is `node
 * dist/worker/main.js` (prebuilt workflow bundle, file store in a temp folder, its own scratch folder), with
 * GST_ACTIVITY_HEARTBEAT_MS=--heartbeat-ms. A downloadEinvoices workflow runs to its end. With --kill-at f the
 * worker is SIGKILLed once the sandbox has sent f of the ZIP, and a new worker process (same host: same scratch
 * root) takes over: the transfer resumes from the committed segments with a Range request.
 * The worker process gets the environment the Dockerfile and `npm run worker` give it (worker/process-env.ts:
 * MALLOC_ARENA_MAX=2); `--process-env off` starts it without, to measure the difference.
 * Figures: transfer time in heartbeat timeouts, peak RSS of each worker process (VmHWM from /proc), the sandbox's
 * byte counter for the task, attempts, and whether every stored file equals the sandbox's truth. One JSON object.
 */
import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SandboxAdmin } from '../sandbox/admin';
import { provisionTemporal } from '../scripts/temporal-server';
import { sandboxEasEnv } from '../sandbox/user';
import { FileStore } from '../store/file-store';
import { isTempName } from '../store/store';
import { WORKER_PROCESS_ENV } from '../worker/process-env';
import { TOKENS_FILE } from '../activities/scratch';
import type { DownloadSummary } from '../workflows/types';
import { checkKnown, einvoiceFileProblems, filesUnder, intArg, MB, mb, note, parseArgs, report, round, runMain, seconds, startSandboxChild } from './lib';

const GSTIN = '27AAPFU0939F1ZV';
const CALIBRATION_GSTIN = '29AAGCB7383J1Z4';
const RET_PERIOD = '012024';

/** A worker child process, with its peak RSS read from /proc while it lives. */
class WorkerChild {
  out = '';
  peakRssBytes = 0;
  /** VmRSS every 5 s (MB), to see which phase holds memory. */
  readonly rssEvery5s: number[] = [];
  private samples = 0;
  readonly exited: Promise<NodeJS.Signals | number | null>;
  private readonly timer: NodeJS.Timeout;
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (c: Buffer) => (this.out = (this.out + c.toString()).slice(-20_000)));
    proc.stderr!.on('data', (c: Buffer) => (this.out = (this.out + c.toString()).slice(-20_000)));
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve(signal ?? code)));
    this.timer = setInterval(() => this.sample(), 200);
    void this.exited.then(() => clearInterval(this.timer));
    process.once('exit', () => proc.exitCode === null && proc.kill('SIGKILL'));
  }

  static start(env: NodeJS.ProcessEnv): WorkerChild {
    const main = path.join(__dirname, '..', 'worker', 'main.js');
    return new WorkerChild(spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  sample(): void {
    try {
      const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      if (hwm) this.peakRssBytes = Math.max(this.peakRssBytes, Number(hwm[1]) * 1024);
      const rss = /VmRSS:\s+(\d+) kB/.exec(status);
      if (rss && this.samples++ % 25 === 0) this.rssEvery5s.push(mb(Number(rss[1]) * 1024));
    } catch {
      /* gone */
    }
  }

  async serving(): Promise<void> {
    const until = Date.now() + 120_000;
    while (!this.out.includes('gst-download-worker: serving')) {
      if (this.proc.exitCode !== null) throw new Error(`worker exited: ${this.out}`);
      if (Date.now() > until) throw new Error(`worker did not start: ${this.out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.sample();
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    await this.exited;
  }
}

async function main(): Promise<void> {
  const args = parseArgs();
  checkKnown(args, ['size-mb', 'bps', 'heartbeat-ms', 'kill-at', 'segment-mb', 'keep', 'process-env']);
  const sizeMb = intArg(args, 'size-mb', 64);
  const heartbeatMs = intArg(args, 'heartbeat-ms', 10_000);
  const segmentMb = intArg(args, 'segment-mb', 16);
  const killAt = args.has('kill-at') ? Number(args.get('kill-at')) : undefined;
  const processEnv = args.get('process-env') === 'off' ? {} : WORKER_PROCESS_ENV;
  if (killAt !== undefined && !(killAt > 0 && killAt < 1)) throw new Error('--kill-at must be a fraction between 0 and 1');

  const tmp = await mkdtemp(path.join(tmpdir(), 'gst-bench-slowlink-'));
  const temporal = await provisionTemporal({ headless: true, dynamicConfig: {}, log: note });
  const sandbox = await startSandboxChild();
  const admin = new SandboxAdmin(sandbox.url);
  const workers: WorkerChild[] = [];
  try {
    // Calibrate: ZIP bytes per e-invoice record, then size the download to about --size-mb.
    await admin.config({ gstins: { [CALIBRATION_GSTIN]: { einvoiceFiles: 1, einvoiceRecordsPerFile: 20_000 } } });
    const cal = await admin.truth('einvoice', { gstin: CALIBRATION_GSTIN, retPeriod: RET_PERIOD, supplyType: 'B2B', supplierGstin: CALIBRATION_GSTIN });
    const bytesPerRecord = cal.files.find((f) => f.name === 'einvoice.zip')!.bytes / 20_000;
    const records = Math.ceil((sizeMb * MB) / bytesPerRecord);
    const files = Math.max(2, Math.ceil(records / 1_000_000));
    const recordsPerFile = Math.ceil(records / files);
    await admin.config({ gstins: { [GSTIN]: { einvoiceFiles: files, einvoiceRecordsPerFile: recordsPerFile } } });
    const input = { gstin: GSTIN, retPeriod: RET_PERIOD, supplyType: 'B2B', supplierGstin: GSTIN };
    let t = performance.now();
    note(`building a ZIP of ${files} × ${recordsPerFile} records (~${sizeMb} MB) in the sandbox…`);
    // A big ZIP takes the sandbox minutes to build, longer than fetch waits for headers (300 s): ask again; the
    // sandbox keeps building the one ZIP and answers once it is there.
    let truth: Awaited<ReturnType<SandboxAdmin['truth']>> | undefined;
    while (!truth) {
      truth = await admin.truth('einvoice', input).catch((e: Error) => {
        if (!/fetch failed/.test(e.message)) throw e;
        note(`still building (${seconds(t)} s)…`);
        return undefined;
      });
    }
    const buildSeconds = seconds(t);
    const zip = truth.files.find((f) => f.name === 'einvoice.zip')!;
    const bps = args.has('bps') ? intArg(args, 'bps', 0) : Math.floor(zip.bytes / ((4 * heartbeatMs) / 1000));
    note(`ZIP ${mb(zip.bytes)} MB built in ${buildSeconds} s; link ${mb(bps)} MB/s, so ~${round(zip.bytes / bps, 1)} s = ${round(zip.bytes / bps / (heartbeatMs / 1000), 1)} heartbeat timeouts`);
    await admin.addFaults({ route: 'taskDownload', kind: 'bandwidth', bytesPerSecond: bps });

    const dataDir = path.join(tmp, 'data');
    const scratchRoot = path.join(tmp, 'scratch');
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|EAS_|GST_|WORKER_|STORE_URL|DATA_DIR|SCRATCH_DIR|S3_|AWS_|MALLOC_)/.test(k)));
    const taskQueue = `bench-slowlink-${process.pid}`;
    const env: NodeJS.ProcessEnv = {
      ...base,
      ...processEnv,
      NODE_ENV: 'production',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATA_DIR: dataDir,
      SCRATCH_DIR: scratchRoot,
      ZIP_SEGMENT_MB: String(segmentMb),
      ...sandboxEasEnv(sandbox.url),
      GSTIN_CHECKSUM: 'off',
      GST_POLL_INITIAL_MS: '200',
      GST_POLL_MAX_MS: '1000',
      GST_ACTIVITY_HEARTBEAT_MS: String(heartbeatMs),
      GST_ACTIVITY_ZIP_TIMEOUT_MS: String(4 * 3600_000),
      GST_RETRY_INITIAL_MS: '500',
      GST_RETRY_MAX_MS: '2000',
    };
    const first = WorkerChild.start(env);
    workers.push(first);
    await first.serving();

    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: temporal.namespace });
    t = performance.now();
    const handle = await client.workflow.start('downloadEinvoices', { taskQueue, workflowId: `${taskQueue}-${Date.now()}`, args: [input] });
    let killedAtBytes: number | undefined;
    let killedWorkerScratchFiles: number | undefined;
    if (killAt !== undefined) {
      const sentSoFar = async () => Object.values((await admin.requests()).bytesByTask).reduce((a, b) => a + b, 0);
      while ((await sentSoFar()) < killAt * zip.bytes) await new Promise((r) => setTimeout(r, 200));
      await first.stop('SIGKILL');
      killedAtBytes = await sentSoFar();
      killedWorkerScratchFiles = (await filesUnder(scratchRoot)).length;
      note(`SIGKILLed the worker after ${mb(killedAtBytes)} MB sent; starting another on the same host`);
      const second = WorkerChild.start(env);
      workers.push(second);
      await second.serving();
    }
    const summary = (await handle.result()) as DownloadSummary;
    const totalSeconds = seconds(t);
    for (const w of workers) w.sample();

    // The transfer's duration as the sandbox saw it: the ZIP route's requests, from the history's attempts.
    const history = (await handle.fetchHistory()).events ?? [];
    let attempts = 0;
    for (const e of history) {
      if (e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt) attempts = Math.max(attempts, e.activityTaskStartedEventAttributes.attempt);
    }
    const requests = await admin.requests();
    const sentBytes = requests.bytesByTask[summary.taskId!] ?? 0;
    const zipRequests = requests.last.filter((r) => r.route === 'taskDownload').map((r) => r.status);

    // Verify: every stored file equals the truth (sha256 recomputed from disk); nothing else left in the folder.
    const store = new FileStore(dataDir);
    const problems = await einvoiceFileProblems(summary.files, truth, (ref) => store.localPath(ref));
    const left = (await filesUnder(path.join(dataDir, summary.location))).map((f) => path.basename(f));
    const stray = left.filter(isTempName);
    if (stray.length) problems.push(`temp objects left: ${stray.join(', ')}`);
    // the running worker's scratch holds its EAS token file, and nothing else
    const scratchLeft = (await filesUnder(scratchRoot)).filter((f) => path.basename(f) !== TOKENS_FILE).length;
    if (scratchLeft) problems.push(`${scratchLeft} files left in the scratch folder`);
    const peakRssMB = mb(Math.max(...workers.map((w) => w.peakRssBytes)));
    if (peakRssMB > 256) problems.push(`worker peak RSS ${peakRssMB} MB > 256 MB`);
    const transferSeconds = round(zip.bytes / bps, 1);
    if (transferSeconds < (3 * heartbeatMs) / 1000) problems.push(`the link is too fast: ${transferSeconds} s < 3 heartbeat timeouts`);
    if (killAt !== undefined && sentBytes >= 2 * zip.bytes) problems.push(`sent ${mb(sentBytes)} MB: the transfer did not resume`);

    await connection.close();
    report({
      benchmark: 'einvoice-slow-link',
      params: { sizeMb, bytesPerSecond: bps, heartbeatMs, segmentMb, killAt: killAt ?? null, processEnv },
      zipBytes: zip.bytes,
      zipMB: mb(zip.bytes),
      uncompressedMB: mb(truth.files.filter((f) => f.name !== 'einvoice.zip').reduce((n, f) => n + f.bytes, 0)),
      entries: files,
      records: summary.records,
      sandboxBuildSeconds: buildSeconds,
      linkMBps: mb(bps),
      transferSecondsAtLinkRate: transferSeconds,
      transferInHeartbeatTimeouts: round(zip.bytes / bps / (heartbeatMs / 1000), 1),
      workflowSeconds: totalSeconds,
      downloadEinvoiceResultAttempts: attempts,
      sandboxBytesSentForTask: sentBytes,
      sandboxBytesSentOverZip: round(sentBytes / zip.bytes, 3),
      zipDownloadStatuses: zipRequests,
      killedAfterBytes: killedAtBytes ?? null,
      killedWorkerLeftScratchFiles: killedWorkerScratchFiles ?? null,
      workers: workers.map((w) => ({ peakRssMB: mb(w.peakRssBytes), rssEvery5sMB: w.rssEvery5s })),
      peakWorkerRssMB: peakRssMB,
      verified: problems.length === 0,
      problems,
      ...(args.has('keep') ? { dataDir: tmp } : {}),
    });
    if (problems.length) process.exitCode = 1;
  } finally {
    for (const w of workers) await w.stop().catch(() => undefined);
    await sandbox.stop();
    await temporal.stop();
    if (!args.has('keep')) await rm(tmp, { recursive: true, force: true });
  }
}

if (!existsSync(path.join(__dirname, '..', 'worker', 'main.js'))) throw new Error('dist/worker/main.js is missing: npm run build');
runMain(main);
