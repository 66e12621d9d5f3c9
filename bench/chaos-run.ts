/**
 * The chaos run, shared by `npm run -s bench -- chaos` and test/integration/chaos.test.ts. A mix of downloads of
 * every kind (bench/chaos-mix.ts) runs on one task queue served by N worker PROCESSES, one per "host" (a scratch
 * root of its own; the store is shared). While they run, a random worker is SIGKILLed `kills` times, spread over the
 * run (the k-th once 0.8·k/(kills+1) of the downloads have ended), and a replacement starts on the killed one's host:
 * its start-up sweep must remove the dead worker's scratch folder. Then every worker is stopped and the leftovers
 * are counted (bench/chaos-checks.ts). The caller provides Temporal, the sandbox and the store.
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { mkdir, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SandboxAdmin } from '../sandbox/admin';
import { sandboxEasEnv } from '../sandbox/user';
import { sleep } from '../scripts/supervise';
import type { Store } from '../store/store';
import { WORKER_PROCESS_ENV } from '../worker/process-env';
import type { DownloadSummary } from '../workflows/types';
import { checkStore, type StoreFindings } from './chaos-checks';
import { chaosDownloads, prepareSandbox } from './chaos-mix';
import { filesUnder } from './lib';
import { WorkerProcess } from './worker-process';

export interface ChaosOptions {
  downloads: number;
  kills: number;
  workers: number;
  temporal: { address: string; namespace: string };
  sandboxUrl: string;
  /** dist/worker/main.js */
  workerMain: string;
  /** A fresh folder: host-N/scratch, logs/. */
  dir: string;
  /** The shared store, and what a worker's environment needs to use it (DATA_DIR or STORE_URL …). */
  store: { store: Store; env: Record<string, string> };
  taskQueue: string;
  seed?: number;
  /** The ZIP link's speed (default 250 KiB/s: a ~2.1 MiB ZIP takes ~9 s, two 1 MiB segments). */
  zipBytesPerSecond?: number;
  /** A pause between starting one download and the next (default 0: all at once). */
  startEveryMs?: number;
  /**
   * EAS_TOKEN_MINUTES of the workers (default: theirs, 360). A SIGKILLed worker cannot log its token out and EAS
   * allows 10 active tokens per user; a replacement on the same host goes on with the dead one's tokens.
   */
  tokenMinutes?: number;
  /** Give up on downloads not done by then (default 20 min). */
  timeoutMs?: number;
  log?: (message: string) => void;
}

export interface ChaosResult extends StoreFindings {
  downloads: number;
  killsAsked: number;
  kills: number;
  workers: number;
  completed: number;
  /** `<download>: <error>` of each download that failed or did not end in time. */
  failed: string[];
  /** Kills that caught an e-invoice ZIP in the victim's scratch folder. */
  killsMidZip: number;
  /** Dead workers' scratch folders still there once their replacement served (the start-up sweep failed). */
  deadScratchLeft: string[];
  /** Files in any host's scratch root after every worker stopped. */
  leftoverScratch: string[];
  /** Workers that exited without being killed or stopped. */
  crashes: string[];
  seconds: number;
  /** Activity attempts after the first, over every download's history (its last run). */
  activityRetries: number;
  /** Workflow tasks that timed out (on a killed worker's sticky queue) or failed, over the same histories. */
  workflowTaskTimeouts: number;
  workflowTaskFailures: number;
  /** ZIP requests answered 206: transfers resumed from committed segments after a kill. */
  zipResumes: number;
  /** EAS logins made, refused (err-active-tokens-limit-exceeded: dead workers' tokens still count), logouts. */
  easLogins: { made: number; refused: number; logouts: number };
}

/** A small seeded generator (mulberry32), so a run's victims and pauses can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function workerEnv(o: ChaosOptions, scratch: string): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|EAS_|GST_|WORKER_|AWS_|S3_|STORE_URL|DATA_DIR|SCRATCH_DIR)/.test(k)));
  return {
    ...base,
    ...WORKER_PROCESS_ENV,
    ...o.store.env,
    NODE_ENV: 'production',
    TEMPORAL_ADDRESS: o.temporal.address,
    TEMPORAL_NAMESPACE: o.temporal.namespace,
    TEMPORAL_TASK_QUEUE: o.taskQueue,
    SCRATCH_DIR: scratch,
    ZIP_SEGMENT_MB: '1',
    ...sandboxEasEnv(o.sandboxUrl),
    EAS_TIMEOUT_MS: '10000',
    EAS_STALL_TIMEOUT_MS: '10000',
    GSTIN_CHECKSUM: 'off',
    GST_POLL_INITIAL_MS: '300',
    GST_POLL_MAX_MS: '1000',
    GST_ACTIVITY_SHORT_TIMEOUT_MS: '20000',
    GST_ACTIVITY_PAGE_TIMEOUT_MS: '20000',
    GST_ACTIVITY_ZIP_TIMEOUT_MS: '120000',
    GST_ACTIVITY_HEARTBEAT_MS: '4000',
    GST_RETRY_INITIAL_MS: '200',
    GST_RETRY_MAX_MS: '2000',
    WORKER_SHUTDOWN_GRACE_MS: '3000',
    ...(o.tokenMinutes !== undefined && { EAS_TOKEN_MINUTES: String(o.tokenMinutes) }),
  };
}

/** Over every download's history (its last run): activity attempts after the first, workflow tasks timed out or failed. */
async function historyCounts(handles: WorkflowHandle[]): Promise<Pick<ChaosResult, 'activityRetries' | 'workflowTaskTimeouts' | 'workflowTaskFailures'>> {
  const counts = { activityRetries: 0, workflowTaskTimeouts: 0, workflowTaskFailures: 0 };
  for (const h of handles) {
    for (const e of (await h.fetchHistory()).events ?? []) {
      counts.activityRetries += Math.max(0, (e.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
      if (e.workflowTaskTimedOutEventAttributes) counts.workflowTaskTimeouts++;
      if (e.workflowTaskFailedEventAttributes) counts.workflowTaskFailures++;
    }
  }
  return counts;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? (() => undefined);
  const rand = random(o.seed ?? 1);
  const admin = new SandboxAdmin(o.sandboxUrl);
  const list = chaosDownloads(o.downloads);
  log(`sandbox: ${o.downloads} downloads, building the ZIPs…`);
  await prepareSandbox(admin, list, o.zipBytesPerSecond ?? 250 * 1024);

  const logDir = path.join(o.dir, 'logs');
  await mkdir(logDir, { recursive: true });
  const scratchOf = (host: string) => path.join(o.dir, host, 'scratch');
  let started = 0;
  const startWorker = (host: string) =>
    WorkerProcess.start({ main: o.workerMain, name: `${host}-w${++started}`, host, env: workerEnv(o, scratchOf(host)), logDir });
  const workers = Array.from({ length: o.workers }, (_, i) => startWorker(`host-${i + 1}`));
  const connection = await Connection.connect({ address: o.temporal.address });
  const client = new Client({ connection, namespace: o.temporal.namespace });
  try {
    await Promise.all(workers.map((w) => w.untilServing()));
    const t0 = performance.now();
    // The downloads start one every startEveryMs (so the kills find every kind in every phase), all on one queue.
    const handles: WorkflowHandle[] = [];
    const summaries: Array<DownloadSummary | undefined> = [];
    const failed: string[] = [];
    const runs: Array<Promise<void>> = [];
    let ended = 0;
    const deadline = Date.now() + (o.timeoutMs ?? 20 * 60_000);
    const starting = (async () => {
      for (const [i, d] of list.entries()) {
        if (i) await sleep(o.startEveryMs ?? 0);
        const h = await client.workflow.start(d.type, { taskQueue: o.taskQueue, workflowId: `${o.taskQueue}-${i}-${d.kind}`, args: [d.input] });
        handles[i] = h;
        const cause = (e: Error) => (e.cause instanceof Error ? `: ${e.cause.message}` : '');
        runs.push(
          h.result().then(
            (s: DownloadSummary) => void (summaries[i] = s),
            (e: Error) => void failed.push(`#${i} ${d.kind}: ${e.message}${cause(e)}`),
          ).finally(() => ended++),
        );
      }
    })();
    starting.catch(() => undefined); // awaited below

    // The kills, spread over the first 80% of the downloads' ends (so the last finds work in flight even when the
    // machine is slow to start a replacement), each at least 2 s after the last replacement served.
    let kills = 0;
    let killsMidZip = 0;
    const deadScratchLeft: string[] = [];
    for (let k = 1; k <= o.kills; k++) {
      const threshold = Math.floor((0.8 * k * o.downloads) / (o.kills + 1));
      while (ended < threshold && Date.now() < deadline) await sleep(200);
      if (ended >= o.downloads || Date.now() >= deadline) break;
      await sleep(Math.floor(rand() * 1000));
      const live = workers.filter((w) => w.live());
      if (!live.length) break;
      const victim = live[Math.floor(rand() * live.length)]!;
      const dead = (await readdir(scratchOf(victim.host)).catch(() => [])).filter((n) => n.startsWith(`w-${victim.pid}-`));
      await victim.kill();
      kills++;
      const deadFiles = (await Promise.all(dead.map((n) => filesUnder(path.join(scratchOf(victim.host), n))))).flat();
      if (deadFiles.some((f) => f.endsWith('einvoice.zip'))) killsMidZip++;
      const next = startWorker(victim.host);
      workers.push(next);
      await next.untilServing();
      const left: string[] = await readdir(scratchOf(victim.host)).catch(() => []);
      for (const n of dead) if (left.includes(n)) deadScratchLeft.push(path.join(victim.host, 'scratch', n));
      log(`kill ${kills}: ${victim.name} (pid ${victim.pid}) after ${ended}/${o.downloads} downloads; ${next.name} serving`);
      await sleep(2000);
    }

    await starting;
    await Promise.race([Promise.all(runs), sleep(Math.max(0, deadline - Date.now()))]);
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    for (const [i, h] of handles.entries()) {
      if (summaries[i] || failed.some((f) => f.startsWith(`#${i} `))) continue;
      failed.push(`#${i} ${list[i]!.kind}: not done after ${seconds} s`);
      await h.terminate('chaos run: out of time').catch(() => undefined);
    }
    const crashes = workers.filter((w) => w.crashed()).map((w) => `${w.name}: ${JSON.stringify(w.child.exit())}\n${w.child.output()}`);
    for (const w of workers) if (!w.child.exit()) await w.stop();
    crashes.push(...workers.filter((w) => w.stopping && w.child.exit()?.code !== 0).map((w) => `${w.name} stopped with ${JSON.stringify(w.child.exit())}\n${w.child.output()}`));
    const leftoverScratch: string[] = [];
    for (const host of new Set(workers.map((w) => w.host))) {
      // no file, and no worker folder either: a worker that stops gracefully removes its own
      leftoverScratch.push(...(await filesUnder(scratchOf(host))).map((f) => path.relative(o.dir, f)));
      const folders = await readdir(scratchOf(host)).catch(() => [] as string[]);
      leftoverScratch.push(...folders.map((f) => `${path.relative(o.dir, path.join(scratchOf(host), f))}/`));
    }

    const counts = await historyCounts(handles);
    const requests = await admin.requests();
    const zipResumes = requests.byRoute.taskDownload?.byStatus['206'] ?? 0;
    const tokens = await admin.tokens();
    const easLogins = { made: requests.byRoute.login?.byStatus['200'] ?? 0, refused: requests.byRoute.login?.byStatus['401'] ?? 0, logouts: tokens.logouts };
    const findings = await checkStore(o.store.store, admin, list, summaries);
    return {
      downloads: o.downloads,
      killsAsked: o.kills,
      kills,
      workers: o.workers,
      completed: summaries.filter(Boolean).length,
      failed,
      ...findings,
      killsMidZip,
      deadScratchLeft,
      leftoverScratch,
      crashes,
      seconds,
      ...counts,
      zipResumes,
      easLogins,
    };
  } finally {
    for (const w of workers) await w.stop(3000).catch(() => undefined);
    await connection.close();
  }
}
