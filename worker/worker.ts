import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { EasClient } from '../eas/client';
import { FileStore } from '../store/file-store';
import type { WorkerConfig } from './config';

export interface DownloadWorkerOptions {
  connection: NativeConnection;
  config: WorkerConfig;
  /** A prebuilt bundle (tests, production); otherwise the workflows are bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Share one client between workers in a process (tests); otherwise one is made from config. */
  eas?: EasClient;
}

/** A worker for the gst-downloads task queue: the four download workflows and their activities. */
export async function createDownloadWorker(opts: DownloadWorkerOptions): Promise<Worker> {
  const { config } = opts;
  const eas = opts.eas ?? new EasClient(config.eas);
  const activities = createActivities({ eas, store: new FileStore(config.dataDir), config: config.download });
  return Worker.create({
    connection: opts.connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    activities,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
    maxCachedWorkflows: config.maxCachedWorkflows,
    shutdownGraceTime: config.shutdownGraceMs,
  });
}
