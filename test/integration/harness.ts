/**
 * Integration harness: the real Temporal server from the jest global setup (TEMPORAL_ADDRESS), a real
 * sandbox over HTTP, and real workers on a unique task queue with fast poll and retry timings.
 */
import { fastDownloadConfig as benchDownloadConfig } from '../../bench/harness';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EasAccounts } from '../../eas/accounts';
import { easConfigFromEnv } from '../../eas/config';
import type { CredentialsProvider } from '../../eas/credentials';
import { sandboxEasEnv } from '../../sandbox/user';
import { SandboxAdmin } from '../../sandbox/admin';
import { startSandbox, type SandboxOptions } from '../../sandbox/server';
import type { TruthKind } from '../../sandbox/truth';
import type { Truth } from '../../sandbox/types';
import { FileStore } from '../../store/file-store';
import type { Store } from '../../store/store';
import type { DownloadConfig } from '../../domain/config';
import type { WorkerConfig } from '../../worker/config';
import { createDownloadWorker, workerAccounts } from '../../worker/worker';
import type { DownloadSummary } from '../../workflows/types';

/** The built `gst-download` CLI (npm test builds first). */
export const CLI_ENTRY = path.resolve(__dirname, '../../dist/client/cli/main.js');

/** Worker logs at ERROR (activity retries are expected here) so test output stays readable (the runtime is per process: install once). */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* already installed by an earlier test file in this process */
  }
}

let bundlePromise: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundlePromise ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger });
  return bundlePromise;
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };

/** Fast timings so a download takes seconds, not minutes: the benchmarks' (bench/harness.ts), and a not-generated GSTR-2B asked again within seconds. */
export function fastDownloadConfig(over: Partial<DownloadConfig> = {}): DownloadConfig {
  return benchDownloadConfig({ notGenerated: { retryMs: 1000, maxAsks: 3, maxQueuedWaits: 3 }, ...over });
}

export interface RunningWorker {
  worker: Worker;
  /** Its EAS accounts (one token per EAS user), logged out when it stops. */
  accounts: EasAccounts;
  done: Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerOverrides {
  /** Who serves each GSTIN (default: the sandbox user for every GSTIN). */
  credentials?: CredentialsProvider;
  maxCachedWorkflows?: number;
  maxConcurrentActivities?: number;
  /** GST_NOTIFY_URL. */
  notifyUrl?: string;
}

export class Harness {
  readonly admin: SandboxAdmin;
  readonly store: FileStore;
  private workers: RunningWorker[] = [];
  private static counter = 0;

  private constructor(
    readonly sandbox: { url: string; close(): Promise<void> },
    readonly connection: Connection,
    readonly client: Client,
    readonly native: NativeConnection,
    readonly taskQueue: string,
    readonly dataDir: string,
    readonly download: DownloadConfig,
    readonly address: string,
  ) {
    this.admin = new SandboxAdmin(sandbox.url);
    this.store = new FileStore(dataDir);
  }

  /** `address`: another Temporal server than the run's (e.g. a dev server with the Web UI); default TEMPORAL_ADDRESS. */
  static async create(
    opts: { sandbox?: Partial<SandboxOptions>; download?: Partial<DownloadConfig>; address?: string } = {},
  ): Promise<Harness> {
    quietRuntime();
    const address = opts.address ?? process.env.TEMPORAL_ADDRESS;
    if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run through jest (global setup starts the server)');
    const sandbox = await startSandbox({ port: 0, sessions: 'all', taskSeconds: 0.5, ...opts.sandbox });
    const connection = await Connection.connect({ address });
    const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
    const client = new Client({ connection, namespace });
    const native = await NativeConnection.connect({ address });
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gst-data-'));
    const taskQueue = `it-${process.pid}-${Date.now()}-${Harness.counter++}`;
    return new Harness(sandbox, connection, client, native, taskQueue, dataDir, fastDownloadConfig(opts.download), address);
  }

  workerConfig(download: Partial<DownloadConfig> = {}): WorkerConfig {
    return {
      address: this.address,
      namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: this.taskQueue,
      dataDir: this.dataDir,
      // this harness's own scratch root: its workers adopt EAS tokens only from workers of this sandbox
      scratchDir: `${this.dataDir}-scratch`,
      eas: { ...easConfigFromEnv(sandboxEasEnv(this.sandbox.url)), timeoutMs: 5000 },
      download: { ...this.download, ...download },
      maxConcurrentActivities: 16,
      maxCachedWorkflows: 50,
      shutdownGraceMs: 5000,
    };
  }

  /** The EAS accounts of the worker started last (its tokens, for tests that look for them). */
  lastAccounts: EasAccounts | undefined;

  /**
   * A new worker process-equivalent: its own EAS accounts (own tokens, logged out when it stops), same task queue
   * and store.
   */
  async startWorker(
    download: Partial<DownloadConfig> = {}, opts: { store?: Store; worker?: Partial<WorkerConfig>; workflowBundle?: { code: string } } & WorkerOverrides = {},
  ): Promise<RunningWorker> {
    const config = {
      ...this.workerConfig(download),
      ...opts.worker,
      ...(opts.credentials && { credentials: opts.credentials }),
      ...(opts.maxCachedWorkflows && { maxCachedWorkflows: opts.maxCachedWorkflows }),
      ...(opts.maxConcurrentActivities && { maxConcurrentActivities: opts.maxConcurrentActivities }),
      ...(opts.notifyUrl && { notifyUrl: opts.notifyUrl }),
    };
    const accounts = workerAccounts(config);
    this.lastAccounts = accounts;
    const worker = await createDownloadWorker({ connection: this.native, config, workflowBundle: opts.workflowBundle ?? (await workflowBundle()), accounts, store: opts.store });
    const done = worker.run();
    const running: RunningWorker = {
      worker,
      accounts,
      done,
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done;
        await accounts.logoutAll();
      },
    };
    this.workers.push(running);
    return running;
  }

  /** Stops every worker this harness started (one task queue takes one worker per process). */
  async stopWorkers(): Promise<void> {
    for (const w of this.workers.splice(0)) await w.stop().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.stopWorkers();
    await this.endSessionWorkflows();
    await this.native.close();
    await this.connection.close();
    await this.sandbox.close();
    await rm(this.dataDir, { recursive: true, force: true });
    await rm(`${this.dataDir}-scratch`, { recursive: true, force: true });
  }

  /**
   * Session workflows are one per GSTIN in the namespace (id gstn-session-<GSTIN>), and this harness's task queue
   * dies with it: end the ones it started, so another test file's downloads of the same GSTIN start their own.
   */
  async endSessionWorkflows(): Promise<void> {
    const query = `WorkflowType = "gstnSession" AND TaskQueue = "${this.taskQueue}" AND ExecutionStatus = "Running"`;
    try {
      for await (const wf of this.client.workflow.list({ query })) {
        await this.client.workflow.getHandle(wf.workflowId).terminate('test harness closed').catch(() => undefined);
      }
    } catch {
      /* visibility unavailable: nothing to end */
    }
  }

  /** The environment a `gst-download` child process needs to reach this harness's server, queue, store and sandbox. */
  cliEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      TEMPORAL_ADDRESS: this.address,
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      GSTIN_CHECKSUM: 'off',
      DATA_DIR: this.dataDir,
      ...sandboxEasEnv(this.sandbox.url),
    };
  }

  /** Every file of the sandbox's truth is in the summary with the same sha256, and the record total agrees. */
  async expectTruth(summary: DownloadSummary, kind: TruthKind, params: Record<string, string>): Promise<void> {
    const truth = await this.admin.truth(kind, params);
    for (const t of truth.files) {
      const f = summary.files.find((x) => x.name === t.name);
      expect(f && { name: f.name, sha256: f.sha256 }).toEqual({ name: t.name, sha256: t.sha256 });
    }
    expect(summary.records).toBe(truth.records);
  }

  /** Starts a workflow directly (no client-side validation) on this harness's queue. */
  start(type: string, input: unknown, workflowId = `${type}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`) {
    return this.client.workflow.start(type, { taskQueue: this.taskQueue, workflowId, args: [input] });
  }

  /** Events in a workflow's history (all runs of a continued-as-new chain when `allRuns`). */
  async historyLength(workflowId: string, runId?: string): Promise<number> {
    const history = await this.client.workflow.getHandle(workflowId, runId).fetchHistory();
    return history.events?.length ?? 0;
  }
}

/** Each file of the truth is in `folder` on disk with the same name, size and sha256. */
export async function expectFolderMatchesTruth(folder: string, truth: Truth): Promise<void> {
  for (const t of truth.files) {
    const bytes = await readFile(path.join(folder, t.name));
    expect({ name: t.name, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({
      name: t.name,
      bytes: t.bytes,
      sha256: t.sha256,
    });
  }
}

/** Polls until `fn` returns a truthy value or the time runs out. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
