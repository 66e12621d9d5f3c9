import { Scratch } from '../activities/scratch';
import type { TLSConfig } from '@temporalio/worker';
import { easConfigFromEnv, type EasConfig } from '../eas/config';
import { credentialsFromEnv, CredentialsConfigError, type CredentialsProvider } from '../eas/credentials';
import { DEFAULT_SESSION_CONFIG, type SessionConfig } from '../domain/session';
import { DEFAULT_CONFIG, TASK_QUEUE_DEFAULT, type DownloadConfig } from '../domain/config';
import { payloadCodecFromEnv, type AesGcmCodec } from '../temporal/codec';
import { describeConnection, temporalConnectionFromEnv } from '../temporal/connection';
import { gstinIndexFromEnv, plainGstinIndex, type GstinIndex } from '../temporal/search-index';
import { isProduction, productionProblems, productionRefusal } from './production';
import { storeFromEnv } from '../store/from-env';

export interface WorkerConfig {
  address: string;
  namespace: string;
  /** TLS / mTLS towards Temporal (TEMPORAL_TLS_*; temporal/connection.ts); undefined = plain TCP. */
  tls?: TLSConfig;
  /** Temporal Cloud API key (TEMPORAL_API_KEY). */
  apiKey?: string;
  /** Payload encryption (GST_PAYLOAD_KEYS; temporal/codec.ts); undefined = payloads are plain JSON. */
  payloadCodec?: AesGcmCodec;
  /** What GstGstin indexes: a keyed hash with GST_GSTIN_INDEX_KEY (temporal/search-index.ts); undefined = the GSTIN. */
  gstinIndex?: GstinIndex;
  taskQueue: string;
  dataDir: string;
  /** STORE_URL: `s3://bucket/prefix`, `file:///path` or a path; unset = the file store under dataDir. */
  storeUrl?: string;
  /** STORE_URL and the S3 settings and credentials as given (secrets: never logged; describeConfig omits them). */
  storeEnv?: Record<string, string>;
  /** SCRATCH_DIR: this host's scratch space for reading ZIPs (default <os tmp>/gst-download-scratch). */
  scratchDir?: string;
  /** ZIP_SEGMENT_MB: a ZIP transfer commits a segment to the store every this many MiB (default 16). */
  zipSegmentBytes?: number;
  eas: EasConfig;
  /** Who serves each GSTIN (GST_CREDENTIALS_FILE or EAS_*); absent: the `eas` settings serve every GSTIN. */
  credentials?: CredentialsProvider;
  /** GST_NOTIFY_URL: where a JSON event is POSTed when a GSTIN's session waits for an OTP. */
  notifyUrl?: string;
  download: DownloadConfig;
  maxConcurrentActivities: number;
  maxCachedWorkflows: number;
  /** Workflow tasks run at once in this process (WORKER_MAX_WORKFLOW_TASKS; the SDK's default 40 when unset). */
  maxConcurrentWorkflowTasks?: number;
  /** Activities this worker starts per second (WORKER_MAX_ACTIVITIES_PER_SECOND; unlimited when unset). */
  maxActivitiesPerSecond?: number;
  /**
   * Activities the server hands out per second on this task queue, to all its workers together
   * (EAS_TASK_QUEUE_RATE_LIMIT). Each activity makes one EAS call or a few, so this caps the deployment's EAS rate.
   * The last worker to poll sets it for the whole queue: give every worker the same value.
   */
  maxTaskQueueActivitiesPerSecond?: number;
  /** The least wait before an activity that met a full disk (StoreFull) tries again (GST_STORE_FULL_RETRY_MS; default 5 min). */
  storeFullRetryMs?: number;
  /** Time in-flight activities get to finish on SIGINT/SIGTERM before they are cancelled. */
  shutdownGraceMs: number;
  /** Metrics endpoint and tracing (worker/main.ts sets them up; absent = neither). */
  telemetry?: TelemetryConfig;
}

/** A worker setting in the environment that cannot be used; the message names the variable and the value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a non-negative number, got "${v}"`);
  return n;
}

/** A whole number ≥ 1 (slots, cache sizes). */
/** The AWAITING_OTP timings, checked so a wait can neither spin (checks at 0 ms) nor end before it starts. */
function otpConfig(env: NodeJS.ProcessEnv, d: DownloadConfig['otp']): DownloadConfig['otp'] {
  const waitMs = num(env, 'GST_OTP_WAIT_MS', d.waitMs);
  const checkInitialMs = num(env, 'GST_OTP_CHECK_INITIAL_MS', d.checkInitialMs);
  const checkMaxMs = num(env, 'GST_OTP_CHECK_MAX_MS', d.checkMaxMs);
  if (waitMs < 1000) throw new ConfigError(`GST_OTP_WAIT_MS must be at least 1000 (1 s), got "${env.GST_OTP_WAIT_MS}"`);
  if (checkInitialMs < 1000) throw new ConfigError(`GST_OTP_CHECK_INITIAL_MS must be at least 1000 (1 s), got "${env.GST_OTP_CHECK_INITIAL_MS}"`);
  if (checkMaxMs < checkInitialMs) {
    throw new ConfigError(`GST_OTP_CHECK_MAX_MS (${checkMaxMs}) must not be below GST_OTP_CHECK_INITIAL_MS (${checkInitialMs})`);
  }
  return { waitMs, checkInitialMs, checkMaxMs };
}

/** The session workflow's timings, checked so its refresh-ahead cannot spin. */
function sessionConfig(env: NodeJS.ProcessEnv, d: SessionConfig): SessionConfig {
  const refreshEveryMs = num(env, 'GST_SESSION_REFRESH_MS', d.refreshEveryMs);
  const keepAliveMs = num(env, 'GST_SESSION_KEEP_ALIVE_MS', d.keepAliveMs);
  if (refreshEveryMs < 60_000) throw new ConfigError(`GST_SESSION_REFRESH_MS must be at least 60000 (1 min), got "${env.GST_SESSION_REFRESH_MS}"`);
  return { refreshEveryMs, keepAliveMs };
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number): number;
function count(env: NodeJS.ProcessEnv, name: string): number | undefined;
function count(env: NodeJS.ProcessEnv, name: string, fallback?: number): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} must be a whole number of at least 1, got "${v}"`);
  return n;
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = num(env, name, fallback);
  if (!Number.isInteger(n)) throw new ConfigError(`${name} must be a whole number, got "${env[name]}"`);
  return n;
}

/** A rate per second > 0 (fractions allowed: 0.5 = one every two seconds); unset = no limit. */
function rate(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a number of calls per second above 0, got "${v}"`);
  return n;
}

function credentials(env: NodeJS.ProcessEnv): CredentialsProvider {
  try {
    return credentialsFromEnv(env);
  } catch (e) {
    if (e instanceof CredentialsConfigError) throw new ConfigError(e.message);
    throw e;
  }
}

export function gstinChecksumFromEnv(env: NodeJS.ProcessEnv = process.env): 'strict' | 'off' {
  const v = (env.GSTIN_CHECKSUM ?? 'strict').toLowerCase();
  if (v !== 'strict' && v !== 'off') throw new ConfigError(`GSTIN_CHECKSUM must be "strict" or "off", got "${env.GSTIN_CHECKSUM}"`);
  return v;
}

/** Everything the worker reads from its environment (secrets stay inside `eas`, never logged). */
export function workerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const d = DEFAULT_CONFIG;
  // Checked first and always computed (so every name it reads is known); a refusal only with NODE_ENV=production.
  const problems = productionProblems(env);
  if (isProduction(env) && problems.length) throw new ConfigError(productionRefusal(problems));
  const payloadCodec = payloadCodecFromEnv(env);
  const gstinIndex = gstinIndexFromEnv(env);
  return {
    ...temporalConnectionFromEnv(env),
    ...(payloadCodec && { payloadCodec }),
    ...(gstinIndex !== plainGstinIndex && { gstinIndex }),
    taskQueue: env.TEMPORAL_TASK_QUEUE ?? TASK_QUEUE_DEFAULT,
    dataDir: env.DATA_DIR ?? './data',
    ...storeSettings(env),
    eas: easConfigFromEnv(env),
    credentials: credentials(env),
    notifyUrl: httpUrl(env, 'GST_NOTIFY_URL'),
    download: {
      ...d,
      poll: {
        ...d.poll,
        initialMs: num(env, 'GST_POLL_INITIAL_MS', d.poll.initialMs),
        maxMs: num(env, 'GST_POLL_MAX_MS', d.poll.maxMs),
        deadlineMs: num(env, 'GST_POLL_DEADLINE_MS', d.poll.deadlineMs),
        windowMs: count(env, 'GST_POLL_WINDOW_MS', d.poll.windowMs ?? 3_600_000),
      },
      concurrency: Math.max(1, num(env, 'GST_PAGE_CONCURRENCY', d.concurrency)),
      pagesPerActivity: count(env, 'GST_PAGES_PER_ACTIVITY', d.pagesPerActivity ?? 500),
      pageRequestsPerWorker: count(env, 'GST_WORKER_PAGE_REQUESTS', d.pageRequestsPerWorker ?? 64),
      // AWAITING_OTP: how long a download waits for a new OTP, and its cheap session checks meanwhile.
      otp: otpConfig(env, d.otp),
      // the GSTN session workflow: refresh ahead of expiry while needed, end when idle this long
      session: sessionConfig(env, d.session ?? DEFAULT_SESSION_CONFIG),
      // GSTN's "not generated yet": ask again every GST_NOT_GENERATED_RETRY_MS, at most GST_NOT_GENERATED_MAX_ASKS times.
      notGenerated: {
        retryMs: Math.max(1000, num(env, 'GST_NOT_GENERATED_RETRY_MS', d.notGenerated!.retryMs)),
        maxAsks: Math.max(1, num(env, 'GST_NOT_GENERATED_MAX_ASKS', d.notGenerated!.maxAsks)),
        maxQueuedWaits: Math.max(1, num(env, 'GST_QUEUED_MAX_WAITS', d.notGenerated!.maxQueuedWaits)),
      },
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
    maxConcurrentActivities: count(env, 'WORKER_MAX_ACTIVITIES', 32),
    // 0 is allowed: no sticky cache (every workflow task replays the history; for debugging)
    maxCachedWorkflows: wholeNumber(env, 'WORKER_MAX_CACHED_WORKFLOWS', 200),
    maxConcurrentWorkflowTasks: count(env, 'WORKER_MAX_WORKFLOW_TASKS'),
    maxActivitiesPerSecond: rate(env, 'WORKER_MAX_ACTIVITIES_PER_SECOND'),
    maxTaskQueueActivitiesPerSecond: rate(env, 'EAS_TASK_QUEUE_RATE_LIMIT'),
    shutdownGraceMs: num(env, 'WORKER_SHUTDOWN_GRACE_MS', 30_000),
    ...(env.GST_STORE_FULL_RETRY_MS ? { storeFullRetryMs: count(env, 'GST_STORE_FULL_RETRY_MS') } : {}),
    telemetry: telemetryConfigFromEnv(env),
  };
}

/** What the store reads (store/from-env.ts); other AWS settings (profiles, roles) reach the SDK from the process. */
const STORE_ENV = ['STORE_URL', 'S3_ENDPOINT', 'S3_REGION', 'S3_FORCE_PATH_STYLE', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/** Where downloads land and where ZIPs are read; STORE_URL is checked here so a bad one stops the start. */
function storeSettings(env: NodeJS.ProcessEnv): Pick<WorkerConfig, 'storeUrl' | 'storeEnv' | 'scratchDir' | 'zipSegmentBytes'> {
  const out: Pick<WorkerConfig, 'storeUrl' | 'storeEnv' | 'scratchDir' | 'zipSegmentBytes'> = { scratchDir: Scratch.rootFromEnv(env) };
  const storeEnv: Record<string, string> = {};
  for (const name of STORE_ENV) {
    const v = env[name];
    if (v) storeEnv[name] = v;
  }
  if (storeEnv.STORE_URL) {
    try {
      storeFromEnv(storeEnv);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
    out.storeUrl = storeEnv.STORE_URL;
    out.storeEnv = storeEnv;
  }
  const mb = count(env, 'ZIP_SEGMENT_MB');
  if (mb !== undefined) out.zipSegmentBytes = mb * 1024 * 1024;
  return out;
}

/** The config without secrets, for a startup log line. */
export function describeConfig(c: WorkerConfig): Record<string, unknown> {
  return {
    ...describeConnection(c),
    gstinIndex: c.gstinIndex ? 'hmac' : 'gstin',
    payloadEncryption: c.payloadCodec ? `AES-256-GCM, key ${c.payloadCodec.encryptKeyId} (${c.payloadCodec.keyIds.length} held)` : 'off',
    taskQueue: c.taskQueue,
    dataDir: c.dataDir,
    ...(c.storeUrl && { store: c.storeUrl }),
    easBaseUrl: c.eas.baseUrl,
    easAuthUrl: c.eas.authUrl,
    credentials: c.credentials ? `${c.credentials.source.kind}: ${c.credentials.source.detail}` : 'EAS_*',
    ...(c.notifyUrl && { notify: withoutCredentials(c.notifyUrl) }),
    gstinChecksum: c.download.gstinChecksum,
    concurrency: c.download.concurrency,
    pagesPerActivity: c.download.pagesPerActivity,
    pageRequestsPerWorker: c.download.pageRequestsPerWorker,
    maxActivities: c.maxConcurrentActivities,
    maxCachedWorkflows: c.maxCachedWorkflows,
    ...(c.maxConcurrentWorkflowTasks !== undefined && { maxWorkflowTasks: c.maxConcurrentWorkflowTasks }),
    ...(c.maxActivitiesPerSecond !== undefined && { maxActivitiesPerSecond: c.maxActivitiesPerSecond }),
    ...(c.maxTaskQueueActivitiesPerSecond !== undefined && { taskQueueRateLimit: c.maxTaskQueueActivitiesPerSecond }),
  };
}

/** Where traces go: an OTLP/HTTP collector, the console (a local look), or nowhere. */
export type TracingConfig =
  | { exporter: 'none' }
  | { exporter: 'console'; serviceName: string }
  | { exporter: 'otlp'; serviceName: string; url: string };

export interface TelemetryConfig {
  /** host:port of the Prometheus endpoint (GET /metrics); undefined = no metrics endpoint. */
  metricsBind?: string;
  tracing: TracingConfig;
}

/** The OTLP/HTTP default when OTEL_TRACES_EXPORTER=otlp names no endpoint (the OpenTelemetry spec's). */
export const OTLP_DEFAULT_TRACES_URL = 'http://localhost:4318/v1/traces';

function hostPort(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) throw new ConfigError(`${name} must be host:port (e.g. 0.0.0.0:9464), got "${v}"`);
  return v;
}

function httpUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${v}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL (OTLP/HTTP), got "${v}"`);
  return v;
}

/**
 * Metrics and tracing from the standard OpenTelemetry variables plus METRICS_BIND:
 * - METRICS_BIND=0.0.0.0:9464 serves the SDK's and the product's metrics at http://…:9464/metrics;
 * - OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces) sends spans
 *   over OTLP/HTTP; OTEL_TRACES_EXPORTER=console prints them, =none turns tracing off; OTEL_SERVICE_NAME names
 *   the service (default gst-download-worker).
 */
export function telemetryConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  const metricsBind = hostPort(env, 'METRICS_BIND');
  const tracesUrl = httpUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = httpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const url = tracesUrl ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  const serviceName = env.OTEL_SERVICE_NAME || 'gst-download-worker';
  const exporter = (env.OTEL_TRACES_EXPORTER || (url ? 'otlp' : 'none')).trim().toLowerCase();
  let tracing: TracingConfig;
  if (exporter === 'none') tracing = { exporter: 'none' };
  else if (exporter === 'console') tracing = { exporter: 'console', serviceName };
  else if (exporter === 'otlp') tracing = { exporter: 'otlp', serviceName, url: url ?? OTLP_DEFAULT_TRACES_URL };
  else throw new ConfigError(`OTEL_TRACES_EXPORTER must be "otlp", "console" or "none", got "${env.OTEL_TRACES_EXPORTER}"`);
  return { ...(metricsBind && { metricsBind }), tracing };
}

/** Telemetry for the startup line. */
export function describeTelemetry(t: TelemetryConfig): Record<string, unknown> {
  return {
    metrics: t.metricsBind ? `http://${t.metricsBind}/metrics` : 'off',
    tracing: t.tracing.exporter === 'otlp' ? `otlp ${withoutCredentials(t.tracing.url)}` : t.tracing.exporter,
  };
}

function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}
