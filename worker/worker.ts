import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { errorMapFor } from '../activities/error-map';
import { EasClient } from '../eas/client';
import { Scratch } from '../activities/scratch';
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
  /** Share one client between workers in a process (tests); otherwise one is made from config (with EAS call metrics). */
  eas?: EasClient;
  /** Tracing started by the caller (worker/main.ts); default: off (spans from the workflow interceptors are dropped). */
  tracing?: Tracing;
  /** The store (tests); otherwise from config: STORE_URL, else the file store under DATA_DIR. */
  store?: Store;
}

/** A worker for the gst-downloads task queue: the download workflows, their activities, metrics and tracing. */
export async function createDownloadWorker(opts: DownloadWorkerOptions): Promise<Worker> {
  const { config } = opts;
  const eas = opts.eas ?? new EasClient(config.eas, { onCall: easCallMetrics });
  const store = opts.store ?? storeFromEnv({ DATA_DIR: config.dataDir, ...config.storeEnv });
  // This worker's scratch folder; those of workers that died on this host are removed now.
  const scratch = await Scratch.open(config.scratchDir ?? Scratch.rootFromEnv());
  const activities = createActivities({
    eas,
    store,
    scratch,
    config: config.download,
    ...(config.gstinIndex && { gstinIndex: config.gstinIndex }),
    ...(config.zipSegmentBytes && { zipSegmentBytes: config.zipSegmentBytes }),
  });
  const tracing = opts.tracing ?? startTracing({ exporter: 'none' });
  return Worker.create({
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
}
