import { easConfigFromEnv, type EasConfig } from '../eas/config';
import { DEFAULT_CONFIG, TASK_QUEUE_DEFAULT, type DownloadConfig } from '../workflows/config';

export interface WorkerConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  dataDir: string;
  eas: EasConfig;
  download: DownloadConfig;
  maxConcurrentActivities: number;
  maxCachedWorkflows: number;
  /** Time in-flight activities get to finish on SIGINT/SIGTERM before they are cancelled. */
  shutdownGraceMs: number;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${v}"`);
  return n;
}

export function gstinChecksumFromEnv(env: NodeJS.ProcessEnv = process.env): 'strict' | 'off' {
  const v = (env.GSTIN_CHECKSUM ?? 'strict').toLowerCase();
  if (v !== 'strict' && v !== 'off') throw new Error(`GSTIN_CHECKSUM must be "strict" or "off", got "${env.GSTIN_CHECKSUM}"`);
  return v;
}

/** Everything the worker reads from its environment (secrets stay inside `eas`, never logged). */
export function workerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const d = DEFAULT_CONFIG;
  return {
    address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE ?? TASK_QUEUE_DEFAULT,
    dataDir: env.DATA_DIR ?? './data',
    eas: easConfigFromEnv(env),
    download: {
      ...d,
      poll: {
        ...d.poll,
        initialMs: num(env, 'GST_POLL_INITIAL_MS', d.poll.initialMs),
        maxMs: num(env, 'GST_POLL_MAX_MS', d.poll.maxMs),
        deadlineMs: num(env, 'GST_POLL_DEADLINE_MS', d.poll.deadlineMs),
      },
      concurrency: Math.max(1, num(env, 'GST_PAGE_CONCURRENCY', d.concurrency)),
      gstinChecksum: gstinChecksumFromEnv(env),
      // How soon an activity on a dead worker is retried elsewhere (its start-to-close or heartbeat timeout).
      activity: {
        ...d.activity,
        shortTimeoutMs: num(env, 'GST_ACTIVITY_SHORT_TIMEOUT_MS', d.activity.shortTimeoutMs),
        pageTimeoutMs: num(env, 'GST_ACTIVITY_PAGE_TIMEOUT_MS', d.activity.pageTimeoutMs),
        zipTimeoutMs: num(env, 'GST_ACTIVITY_ZIP_TIMEOUT_MS', d.activity.zipTimeoutMs),
        heartbeatMs: num(env, 'GST_ACTIVITY_HEARTBEAT_MS', d.activity.heartbeatMs),
        retryInitialMs: num(env, 'GST_RETRY_INITIAL_MS', d.activity.retryInitialMs),
        retryMaxMs: num(env, 'GST_RETRY_MAX_MS', d.activity.retryMaxMs),
      },
    },
    maxConcurrentActivities: num(env, 'WORKER_MAX_ACTIVITIES', 32),
    maxCachedWorkflows: num(env, 'WORKER_MAX_CACHED_WORKFLOWS', 200),
    shutdownGraceMs: num(env, 'WORKER_SHUTDOWN_GRACE_MS', 30_000),
  };
}

/** The config without secrets, for a startup log line. */
export function describeConfig(c: WorkerConfig): Record<string, unknown> {
  return {
    address: c.address,
    namespace: c.namespace,
    taskQueue: c.taskQueue,
    dataDir: c.dataDir,
    easBaseUrl: c.eas.baseUrl,
    easAuthUrl: c.eas.authUrl,
    gstinChecksum: c.download.gstinChecksum,
    concurrency: c.download.concurrency,
  };
}
