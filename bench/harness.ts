/**
 * The parts the end-to-end benchmarks share: a Temporal dev server, the sandbox child, one real worker in this
 * process with the integration tests' fast timings, the continue-as-new chain of a run, and CPU time of this
 * process and of the server process (from /proc, Linux). Public APIs only.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EasClient } from '../eas/client';
import { easConfigFromEnv } from '../eas/config';
import { SandboxAdmin } from '../sandbox/admin';
import { sandboxEasEnv } from '../sandbox/user';
import { provisionTemporal, type ProvisionOptions } from '../scripts/temporal-server';
import { DEFAULT_CONFIG, type DownloadConfig } from '../domain/config';
import type { WorkerConfig } from '../worker/config';
import { createDownloadWorker } from '../worker/worker';
import { note, round, seconds, startSandboxChild, type SandboxChild } from './lib';

const noop = (): undefined => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => note(m) };

/** The integration tests' fast timings: short first poll, quick retries. */
export function fastDownloadConfig(over: Partial<DownloadConfig> = {}): DownloadConfig {
  return {
    ...DEFAULT_CONFIG,
    poll: { initialMs: 200, factor: 1.5, maxMs: 1000, jitter: 0.2, deadlineMs: 120_000 },
    gstinChecksum: 'off',
    activity: {
      shortTimeoutMs: 10_000,
      pageTimeoutMs: 20_000,
      zipTimeoutMs: 60_000,
      heartbeatMs: 10_000,
      retryInitialMs: 100,
      retryMaxMs: 1000,
      retryWindowMs: 120_000,
    },
    ...over,
  };
}

export interface RunEvents {
  runId: string;
  events: number;
}

/** Every run of the workflow, oldest first, following workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId. */
export async function runsOf(client: Client, workflowId: string, firstRunId: string): Promise<RunEvents[]> {
  const runs: RunEvents[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const id: string = runId;
    const events = (await client.workflow.getHandle(workflowId, id).fetchHistory()).events ?? [];
    runs.push({ runId: id, events: events.length });
    runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/** Seconds spent in each activity type over a workflow's runs (scheduled → completed, summed), from history. */
export async function activitySeconds(client: Client, workflowId: string, runs: RunEvents[]): Promise<Record<string, { count: number; seconds: number }>> {
  const out: Record<string, { count: number; seconds: number }> = {};
  for (const r of runs) {
    const events = (await client.workflow.getHandle(workflowId, r.runId).fetchHistory()).events ?? [];
    const scheduled = new Map<string, { type: string; at: number }>();
    const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
    for (const e of events) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(String(e.eventId), { type: s.activityType?.name ?? '?', at: ms(e.eventTime) });
      const c = e.activityTaskCompletedEventAttributes;
      if (c) {
        const from = scheduled.get(String(c.scheduledEventId));
        if (!from) continue;
        const slot = (out[from.type] ??= { count: 0, seconds: 0 });
        slot.count++;
        slot.seconds = round(slot.seconds + (ms(e.eventTime) - from.at) / 1000, 3);
      }
    }
  }
  return out;
}

/** User + system CPU seconds of a process, from /proc/<pid>/stat (Linux; undefined elsewhere). */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** CPU seconds of this process (the worker and the bench's small client). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export interface Bench {
  client: Client;
  admin: SandboxAdmin;
  sandbox: SandboxChild;
  dataDir: string;
  taskQueue: string;
  /** The dev server's pid (undefined with TEMPORAL_ADDRESS). */
  serverPid?: number;
  setupSeconds: { temporal: number; bundle: number };
  /** The worker (undefined until `startWorker()` when `deferWorker` was set). */
  worker: Worker | undefined;
  workerConfig: WorkerConfig;
  startWorker(): Promise<Worker>;
  close(): Promise<void>;
}

export interface BenchOptions {
  download: DownloadConfig;
  maxConcurrentActivities: number;
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTasks?: number;
  dynamicConfig?: ProvisionOptions['dynamicConfig'];
  sandboxEnv?: Record<string, string>;
  /** Extra worker config (e.g. a per-worker page cap), merged over the defaults. */
  worker?: Partial<WorkerConfig>;
  /** Start no worker yet (work piles up on the task queue until `startWorker()`). */
  deferWorker?: boolean;
}

/** Temporal + sandbox + one running worker on a fresh task queue. `close()` stops everything it started. */
export async function startBench(o: BenchOptions): Promise<Bench> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  let t = performance.now();
  const temporal = await provisionTemporal({ headless: true, dynamicConfig: o.dynamicConfig ?? {}, log: note });
  const temporalSeconds = seconds(t);
  const cleanups: Array<() => Promise<unknown>> = [() => temporal.stop()];
  const sandbox = await startSandboxChild(o.sandboxEnv);
  cleanups.unshift(() => sandbox.stop());
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gst-bench-'));
  cleanups.unshift(() => rm(dataDir, { recursive: true, force: true }));
  const close = async (): Promise<void> => {
    for (const c of cleanups) await c().catch((e: unknown) => note(`cleanup: ${String(e)}`));
  };
  try {
    t = performance.now();
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
    const bundleSeconds = seconds(t);
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.unshift(() => connection.close());
    const client = new Client({ connection, namespace: temporal.namespace });
    const native = await NativeConnection.connect({ address: temporal.address });
    cleanups.unshift(() => native.close());
    const taskQueue = `bench-${process.pid}-${Date.now()}`;
    const workerConfig: WorkerConfig = {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      dataDir,
      eas: { ...easConfigFromEnv(sandboxEasEnv(sandbox.url)), timeoutMs: 10_000 },
      download: o.download,
      maxConcurrentActivities: o.maxConcurrentActivities,
      maxCachedWorkflows: o.maxCachedWorkflows ?? 50,
      ...(o.maxConcurrentWorkflowTasks !== undefined && { maxConcurrentWorkflowTasks: o.maxConcurrentWorkflowTasks }),
      shutdownGraceMs: 5000,
      ...o.worker,
    };
    const bench = {} as Bench;
    const startWorker = async (): Promise<Worker> => {
      const worker = await createDownloadWorker({ connection: native, config: workerConfig, workflowBundle, eas: new EasClient(workerConfig.eas) });
      const running = worker.run();
      cleanups.unshift(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      });
      bench.worker = worker;
      return worker;
    };
    const serverPid = 'pid' in temporal ? (temporal as { pid: number }).pid : undefined;
    return Object.assign(bench, {
      client,
      admin: new SandboxAdmin(sandbox.url),
      sandbox,
      dataDir,
      taskQueue,
      ...(serverPid !== undefined && { serverPid }),
      setupSeconds: { temporal: temporalSeconds, bundle: bundleSeconds },
      worker: o.deferWorker ? undefined : await startWorker(),
      workerConfig,
      startWorker,
      close,
    });
  } catch (e) {
    await close();
    throw e;
  }
}

/** CPU seconds spent by this process and by the server between `start()` and `stop()`. */
export function cpuMeter(serverPid?: number): { stop(): { workerCpuSeconds: number; serverCpuSeconds: number | null } } {
  const self0 = selfCpuSeconds();
  const server0 = serverPid === undefined ? undefined : procCpuSeconds(serverPid);
  return {
    stop() {
      const server1 = serverPid === undefined ? undefined : procCpuSeconds(serverPid);
      return {
        workerCpuSeconds: round(selfCpuSeconds() - self0, 2),
        serverCpuSeconds: server0 === undefined || server1 === undefined ? null : round(server1 - server0, 2),
      };
    },
  };
}

const STATES = ['27', '29', '33', '07', '24', '09', '19', '36', '32', '06'];
const L = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

/** The i-th made-up GSTIN: right format (the check character is not checked: gstinChecksum off). */
export function fleetGstin(i: number): string {
  const pan = `${L[i % 24]}${L[Math.floor(i / 24) % 24]}${L[Math.floor(i / 576) % 24]}PF${String(i % 10000).padStart(4, '0')}F`;
  return `${STATES[i % STATES.length]}${pan}1Z${String(i % 10)}`;
}
