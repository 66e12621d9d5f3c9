/** The worker's settings from its environment: defaults, tuning values, and one clear error per bad value. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { workflowSourceFromEnv } from '../../worker/bundle';
import { ConfigError, describeConfig, describeTelemetry, OTLP_DEFAULT_TRACES_URL, telemetryConfigFromEnv, workerConfigFromEnv } from '../../worker/config';

describe('workerConfigFromEnv: worker tuning', () => {
  test('defaults: 32 activity slots, 200 cached workflows, the SDK defaults for the rest, no rate limits', () => {
    const c = workerConfigFromEnv({});
    expect(c.maxConcurrentActivities).toBe(32);
    expect(c.maxCachedWorkflows).toBe(200);
    expect(c.maxConcurrentWorkflowTasks).toBeUndefined();
    expect(c.maxActivitiesPerSecond).toBeUndefined();
    expect(c.maxTaskQueueActivitiesPerSecond).toBeUndefined();
    expect(c.shutdownGraceMs).toBe(30_000);
  });

  test('every tuning variable reaches the config', () => {
    const c = workerConfigFromEnv({
      WORKER_MAX_ACTIVITIES: '8',
      WORKER_MAX_CACHED_WORKFLOWS: '0',
      WORKER_MAX_WORKFLOW_TASKS: '12',
      WORKER_MAX_ACTIVITIES_PER_SECOND: '2.5',
      EAS_TASK_QUEUE_RATE_LIMIT: '0.5',
      WORKER_SHUTDOWN_GRACE_MS: '5000',
    });
    expect(c).toMatchObject({
      maxConcurrentActivities: 8,
      maxCachedWorkflows: 0,
      maxConcurrentWorkflowTasks: 12,
      maxActivitiesPerSecond: 2.5,
      maxTaskQueueActivitiesPerSecond: 0.5,
      shutdownGraceMs: 5000,
    });
  });

  test('the AWAITING_OTP wait and its session checks: 72 h, 1 min doubling to 1 h by default; env overrides', () => {
    expect(workerConfigFromEnv({}).download.otp).toEqual({ waitMs: 72 * 3_600_000, checkInitialMs: 60_000, checkMaxMs: 3_600_000 });
    const c = workerConfigFromEnv({ GST_OTP_WAIT_MS: '7200000', GST_OTP_CHECK_INITIAL_MS: '5000', GST_OTP_CHECK_MAX_MS: '600000' });
    expect(c.download.otp).toEqual({ waitMs: 7_200_000, checkInitialMs: 5000, checkMaxMs: 600_000 });
    expect(() => workerConfigFromEnv({ GST_OTP_WAIT_MS: 'forever' })).toThrow(/GST_OTP_WAIT_MS/);
    expect(() => workerConfigFromEnv({ GST_OTP_CHECK_INITIAL_MS: '0' })).toThrow(/GST_OTP_CHECK_INITIAL_MS must be at least 1000/);
    expect(() => workerConfigFromEnv({ GST_OTP_CHECK_INITIAL_MS: '60000', GST_OTP_CHECK_MAX_MS: '5000' })).toThrow(/must not be below/);
  });

  test('credentials, the OTP notification and the session workflow from the environment; nothing secret described', () => {
    const c = workerConfigFromEnv({ EAS_EMAIL: 'ops@acme.in', EAS_PASSWORD: 'pw-secret', GSTN_USERNAME: 'acme.user', GST_NOTIFY_URL: 'https://hooks.example/otp', GST_SESSION_REFRESH_MS: '3600000' });
    expect(c.credentials?.source).toEqual({ kind: 'env', detail: 'EAS_EMAIL ops@acme.in, 0 GSTIN(s) in GSTN_USERNAMES' });
    expect(c.notifyUrl).toBe('https://hooks.example/otp');
    expect(c.download.session).toEqual({ refreshEveryMs: 3_600_000, keepAliveMs: 12 * 3_600_000 });
    expect(JSON.stringify(describeConfig(c))).not.toMatch(/pw-secret|acme\.user/);
    expect(describeConfig(c)).toMatchObject({ credentials: 'env: EAS_EMAIL ops@acme.in, 0 GSTIN(s) in GSTN_USERNAMES', notify: 'https://hooks.example/otp' });
    expect(workerConfigFromEnv({}).credentials?.source.kind).toBe('none');
    expect(() => workerConfigFromEnv({ GST_CREDENTIALS_FILE: '/nonexistent/creds.json' })).toThrow(new ConfigError('GST_CREDENTIALS_FILE /nonexistent/creds.json cannot be read: ENOENT'));
    expect(() => workerConfigFromEnv({ GST_NOTIFY_URL: 'ftp://x' })).toThrow(/GST_NOTIFY_URL must be an http\(s\) URL/);
    expect(() => workerConfigFromEnv({ GST_SESSION_REFRESH_MS: '0' })).toThrow(/GST_SESSION_REFRESH_MS must be at least 60000/);
  });

  test.each([
    ['WORKER_MAX_ACTIVITIES', '0', /WORKER_MAX_ACTIVITIES must be a whole number of at least 1, got "0"/],
    ['WORKER_MAX_ACTIVITIES', '2.5', /WORKER_MAX_ACTIVITIES must be a whole number/],
    ['WORKER_MAX_WORKFLOW_TASKS', 'many', /WORKER_MAX_WORKFLOW_TASKS must be a whole number of at least 1, got "many"/],
    ['WORKER_MAX_CACHED_WORKFLOWS', '-1', /WORKER_MAX_CACHED_WORKFLOWS must be a non-negative number/],
    ['WORKER_MAX_CACHED_WORKFLOWS', '1.5', /WORKER_MAX_CACHED_WORKFLOWS must be a whole number/],
    ['EAS_TASK_QUEUE_RATE_LIMIT', '0', /EAS_TASK_QUEUE_RATE_LIMIT must be a number of calls per second above 0, got "0"/],
    ['EAS_TASK_QUEUE_RATE_LIMIT', '5/s', /EAS_TASK_QUEUE_RATE_LIMIT must be a number of calls per second/],
    ['WORKER_MAX_ACTIVITIES_PER_SECOND', '-3', /WORKER_MAX_ACTIVITIES_PER_SECOND must be a number of calls per second above 0/],
    ['GST_PAGE_CONCURRENCY', 'x', /GST_PAGE_CONCURRENCY must be a non-negative number/],
  ])('%s=%s is refused with a ConfigError naming it', (name, value, message) => {
    const attempt = () => workerConfigFromEnv({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  test('the telemetry settings are part of the worker config, checked with it', () => {
    expect(workerConfigFromEnv({ METRICS_BIND: '0.0.0.0:9464' }).telemetry).toEqual({ metricsBind: '0.0.0.0:9464', tracing: { exporter: 'none' } });
    expect(() => workerConfigFromEnv({ METRICS_BIND: '9464' })).toThrow(ConfigError);
  });

  test('an empty variable means its default', () => {
    expect(workerConfigFromEnv({ WORKER_MAX_ACTIVITIES: '', EAS_TASK_QUEUE_RATE_LIMIT: '' })).toMatchObject({
      maxConcurrentActivities: 32,
      maxTaskQueueActivitiesPerSecond: undefined,
    });
  });
});

describe('workerConfigFromEnv: the store and the scratch folder', () => {
  test('no STORE_URL: the file store under DATA_DIR, scratch under the OS temp folder, 16 MiB segments', () => {
    const c = workerConfigFromEnv({ DATA_DIR: '/srv/data' });
    expect(c.storeUrl).toBeUndefined();
    expect(c.storeEnv).toBeUndefined();
    expect(c.dataDir).toBe('/srv/data');
    expect(c.scratchDir).toBe(path.join(tmpdir(), 'gst-download-scratch'));
    expect(c.zipSegmentBytes).toBeUndefined();
  });

  test('s3://bucket/prefix with its settings; credentials travel in storeEnv but never into the startup line', () => {
    const c = workerConfigFromEnv({
      STORE_URL: 's3://gst-data/prod',
      S3_ENDPOINT: 'http://minio:9000',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'very-secret',
      SCRATCH_DIR: '/scratch',
      ZIP_SEGMENT_MB: '8',
      UNRELATED: 'x',
    });
    expect(c.storeUrl).toBe('s3://gst-data/prod');
    expect(c.storeEnv).toEqual({
      STORE_URL: 's3://gst-data/prod',
      S3_ENDPOINT: 'http://minio:9000',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'very-secret',
    });
    expect(c.scratchDir).toBe('/scratch');
    expect(c.zipSegmentBytes).toBe(8 * 1024 * 1024);
    const line = JSON.stringify(describeConfig(c));
    expect(line).toContain('s3://gst-data/prod');
    expect(line).not.toContain('very-secret');
    expect(line).not.toContain('AKIAEXAMPLE');
  });

  test.each([
    [{ STORE_URL: 'gs://bucket/x' }, /STORE_URL must be/],
    [{ STORE_URL: 's3://Bad_Bucket' }, /valid bucket name/],
    [{ STORE_URL: 's3://bucket', S3_FORCE_PATH_STYLE: 'yes' }, /S3_FORCE_PATH_STYLE/],
    [{ ZIP_SEGMENT_MB: '0' }, /ZIP_SEGMENT_MB/],
  ])('%j is refused at start, naming the problem', (env, message) => {
    expect(() => workerConfigFromEnv(env)).toThrow(ConfigError);
    expect(() => workerConfigFromEnv(env)).toThrow(message);
  });
});

describe('telemetryConfigFromEnv: metrics and tracing', () => {
  test('nothing set: no metrics endpoint, no tracing', () => {
    expect(telemetryConfigFromEnv({})).toEqual({ tracing: { exporter: 'none' } });
    expect(describeTelemetry(telemetryConfigFromEnv({}))).toEqual({ metrics: 'off', tracing: 'none' });
  });

  test('METRICS_BIND takes host:port, IPv6 in brackets too', () => {
    expect(telemetryConfigFromEnv({ METRICS_BIND: '0.0.0.0:9464' }).metricsBind).toBe('0.0.0.0:9464');
    expect(telemetryConfigFromEnv({ METRICS_BIND: '[::]:9464' }).metricsBind).toBe('[::]:9464');
    for (const bad of ['9464', 'localhost', 'host:0', 'host:70000', 'http://0.0.0.0:9464']) {
      expect(() => telemetryConfigFromEnv({ METRICS_BIND: bad })).toThrow(/METRICS_BIND must be host:port/);
    }
  });

  test('an OTLP endpoint turns on OTLP/HTTP export; the traces endpoint is used as is, the base one gets /v1/traces', () => {
    expect(telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      exporter: 'otlp',
      serviceName: 'gst-download-worker',
      url: 'http://collector:4318/v1/traces',
    });
    expect(
      telemetryConfigFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
        OTEL_SERVICE_NAME: 'gst-worker-blue',
      }).tracing,
    ).toEqual({ exporter: 'otlp', serviceName: 'gst-worker-blue', url: 'https://traces.example/otlp' });
  });

  test('OTEL_TRACES_EXPORTER chooses console, none (even with an endpoint), or otlp at the spec default', () => {
    expect(telemetryConfigFromEnv({ OTEL_TRACES_EXPORTER: 'console' }).tracing).toEqual({ exporter: 'console', serviceName: 'gst-download-worker' });
    expect(telemetryConfigFromEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).tracing).toEqual({ exporter: 'none' });
    expect(telemetryConfigFromEnv({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing).toMatchObject({ url: OTLP_DEFAULT_TRACES_URL });
    expect(() => telemetryConfigFromEnv({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(/OTEL_TRACES_EXPORTER must be "otlp", "console" or "none", got "jaeger"/);
    expect(() => telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(ConfigError);
    expect(() => telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' })).toThrow(/OTLP\/HTTP/);
  });

  test('the startup description never shows credentials in the collector URL', () => {
    const t = telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:s3cret@traces.example/v1/traces' });
    expect(JSON.stringify(describeTelemetry(t))).not.toContain('s3cret');
    expect(describeTelemetry(t).tracing).toBe('otlp https://traces.example/v1/traces');
  });
});

describe('workflowSourceFromEnv: prebuilt bundle or source', () => {
  let dir: string;
  let bundle: string;
  let missing: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gst-bundle-'));
    bundle = path.join(dir, 'workflow-bundle.js');
    writeFileSync(bundle, '// bundle');
    missing = path.join(dir, 'none.js');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the built bundle when it exists, in production or not', () => {
    expect(workflowSourceFromEnv({}, bundle)).toEqual({ kind: 'bundle', codePath: bundle });
    expect(workflowSourceFromEnv({ NODE_ENV: 'production' }, bundle)).toEqual({ kind: 'bundle', codePath: bundle });
  });

  test('no bundle: source in development, a clear error in production', () => {
    expect(workflowSourceFromEnv({}, missing)).toEqual({ kind: 'source' });
    expect(() => workflowSourceFromEnv({ NODE_ENV: 'production' }, missing)).toThrow(/NODE_ENV=production needs the prebuilt workflow bundle.*npm run build/);
  });

  test('WORKER_WORKFLOW_BUNDLE: a path that must exist, or source outside production', () => {
    expect(workflowSourceFromEnv({ WORKER_WORKFLOW_BUNDLE: bundle }, missing)).toEqual({ kind: 'bundle', codePath: bundle });
    expect(() => workflowSourceFromEnv({ WORKER_WORKFLOW_BUNDLE: missing }, bundle)).toThrow(`no workflow bundle at ${missing}`);
    expect(workflowSourceFromEnv({ WORKER_WORKFLOW_BUNDLE: 'source' }, bundle)).toEqual({ kind: 'source' });
    expect(() => workflowSourceFromEnv({ WORKER_WORKFLOW_BUNDLE: 'source', NODE_ENV: 'production' }, bundle)).toThrow(ConfigError);
  });
});
