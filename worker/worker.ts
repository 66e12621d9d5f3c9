import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { errorMapFor } from '../activities/error-map';
import { Scratch } from '../activities/scratch';
import { EasAccounts, singleAccount, type AccountResolver } from '../eas/accounts';
import type { EasClient } from '../eas/client';
import { EnvCredentials } from '../eas/credentials';
import { storeFromEnv } from '../store/from-env';
import type { Store } from '../store/store';
import { workflowInterceptorModules } from './bundle';
import type { WorkerConfig } from './config';
import { activityMetrics, easCallMetrics } from './metrics';
import { startTracing, type Tracing } from './tracing';

export interface DownloadWorkerOptions {
  connection: NativeConnection;
  config: WorkerConfig;
  /** A prebuilt bundle (tests, production); otherwise the workflows are bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * The EAS accounts (one client and token per tenant) the activities use; the caller logs them out when the worker
   * stops (`workerAccounts` makes them from the config). Absent: made here, and nobody logs them out.
   */
  accounts?: AccountResolver;
  /** One client for every GSTIN (tests); ignored when `accounts` is given. */
  eas?: EasClient;
  /** Tracing started by the caller (worker/main.ts); default: off (spans from the workflow interceptors are dropped). */
  tracing?: Tracing;
  /** The store (tests); otherwise from config: STORE_URL, else the file store under DATA_DIR. */
  store?: Store;
}

/** A worker for the gst-downloads task queue: the download workflows, their activities, metrics and tracing. */
export async function createDownloadWorker(opts: DownloadWorkerOptions): Promise<Worker> {
  const { config } = opts;
  const accounts = opts.accounts ?? (opts.eas ? singleAccount(opts.eas) : workerAccounts(config));
  const store = opts.store ?? storeFromEnv({ DATA_DIR: config.dataDir, ...config.storeEnv });
  // This worker's scratch folder; those of workers that died on this host are removed now.
  const scratch = await Scratch.open(config.scratchDir ?? Scratch.rootFromEnv());
  // a worker that replaces a crashed one on this host goes on with its EAS tokens (EAS allows 10 per user)
  accounts.keepTokensWith?.(scratch.tokenKeeper());
  const activities = createActivities({
    accounts,
    store,
    scratch,
    config: config.download,
    notifyUrl: config.notifyUrl,
    ...(config.gstinIndex && { gstinIndex: config.gstinIndex }),
    ...(config.zipSegmentBytes && { zipSegmentBytes: config.zipSegmentBytes }),
  });
  const tracing = opts.tracing ?? startTracing({ exporter: 'none' });
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    activities,
    // Payload encryption: the codec runs outside the workflow sandbox, so a prebuilt bundle needs nothing extra.
    ...(config.payloadCodec && { dataConverter: { payloadCodecs: [config.payloadCodec] } }),
    // A prebuilt bundle carries its workflow interceptors (worker/bundle.ts); from source they are bundled here.
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    interceptors: {
      // metrics outside the error map, so they count the mapped failure types
      activity: [activityMetrics, errorMapFor({ storeFullRetryMs: config.storeFullRetryMs }), ...tracing.activity],
      ...(!opts.workflowBundle && { workflowModules: workflowInterceptorModules() }),
    },
    sinks: tracing.sinks,
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
    maxCachedWorkflows: config.maxCachedWorkflows,
    ...(config.maxConcurrentWorkflowTasks !== undefined && { maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTasks }),
    ...(config.maxActivitiesPerSecond !== undefined && { maxActivitiesPerSecond: config.maxActivitiesPerSecond }),
    ...(config.maxTaskQueueActivitiesPerSecond !== undefined && { maxTaskQueueActivitiesPerSecond: config.maxTaskQueueActivitiesPerSecond }),
    shutdownGraceTime: config.shutdownGraceMs,
  });
  // a worker that stops (gracefully) removes its scratch folder; a killed one leaves it for the next one on the host
  const run = worker.run.bind(worker);
  worker.run = async () => {
    try {
      await run();
    } finally {
      await scratch.close().catch(() => undefined);
    }
  };
  return worker;
}

/**
 * The worker process's EAS accounts: from the configured credentials source (GST_CREDENTIALS_FILE or EAS_*), one
 * client per EAS user and org, with EAS call metrics. Log them out when the worker stops (`logoutAll`).
 */
export function workerAccounts(config: WorkerConfig): EasAccounts {
  const credentials =
    config.credentials ??
    new EnvCredentials({ EAS_EMAIL: config.eas.email, EAS_PASSWORD: config.eas.password, EAS_ORG_ID: config.eas.orgId, GSTN_USERNAME: config.eas.gstnUsername });
  return new EasAccounts(config.eas, credentials, { onCall: easCallMetrics });
}

/** Logs every EAS token of the process out (after `worker.run()` ends); says how many, never which. */
export async function logoutAccounts(accounts: EasAccounts, log: (line: string) => void = console.log): Promise<void> {
  const n = await accounts.logoutAll().catch(() => 0);
  log(`gst-download-worker: logged out ${n} EAS token(s)`);
}
