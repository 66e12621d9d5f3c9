/**
 * The production entry as operations run it: `NODE_ENV=production node dist/worker/main.js` as a child process,
 * against the test run's Temporal server and an in-process sandbox, with a Prometheus endpoint (METRICS_BIND) and
 * OTLP/HTTP tracing to a collector played by a small HTTP server here. It loads the prebuilt workflow bundle,
 * downloads IMS pages (one page fails once and is retried), an e-invoice ZIP and a GSTR-2B that waits for an
 * OTP; its /metrics then carries the SDK's temporal_… metrics and the product's gst_… metrics with values that
 * match the downloads, and the collector holds one trace per download. SIGTERM stops it with exit code 0.
 * (`npm test` builds dist/ — tsc and the bundle — before jest runs.)
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SANDBOX_USER, sandboxEasEnv } from '../../sandbox/user';
import { SandboxAdmin } from '../../sandbox/admin';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { freePort } from '../../scripts/temporal-server';
import { startTracing } from '../../worker/tracing';
import { verifyOtpAndResume } from '../../client/session';
import { sessionWorkflowId } from '../../domain/session';
import { EasClient } from '../../eas/client';
import { easConfigFromEnv } from '../../eas/config';
import { progressQuery } from '../../workflows/messages';
import type { DownloadSummary } from '../../workflows/types';
import { testTemporal, uniqueTaskQueue } from '../fixtures/temporal-env';
import { waitFor } from './harness';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/worker/main.js');
const BUNDLE = path.join(ROOT, 'dist/workflow-bundle.js');

// ---------------------------------------------------------------------------------------------------------------
// A child worker process, a Prometheus scrape, an OTLP/HTTP collector
// ---------------------------------------------------------------------------------------------------------------

class ChildWorker {
  out = '';
  readonly exited: Promise<number | null>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  static start(env: Record<string, string>): ChildWorker {
    // Only what a deployment would set: no TEMPORAL_*/OTEL_*/WORKER_* leaking in from the test's environment.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|OTEL_|WORKER_|METRICS_|EAS_|GST_|NODE_ENV)/.test(k)));
    return new ChildWorker(spawn(process.execPath, [MAIN], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** The JSON of the `serving {...}` startup line. */
  async serving(timeoutMs = 90_000): Promise<Record<string, unknown>> {
    const line = await waitFor(async () => this.out.match(/gst-download-worker: serving (\{.*\})/)?.[1] ?? (this.proc.exitCode !== null ? 'EXITED' : undefined), 'the worker startup line', timeoutMs);
    if (line === 'EXITED') throw new Error(`the worker exited (${this.proc.exitCode}):\n${this.out}`);
    return JSON.parse(line) as Record<string, unknown>;
  }

  async stop(): Promise<number | null> {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
    return this.exited;
  }
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of a metric's samples whose labels include `labels`; undefined when there is none. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hits.length ? hits.reduce((n, s) => n + s.value, 0) : undefined;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Array<{ key: string; value: { stringValue?: string } }>;
  serviceName?: string;
}

/** An OTLP/HTTP trace receiver (the JSON encoding @opentelemetry/exporter-trace-otlp-http sends). */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; posts: string[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const posts: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: Array<{ resource?: { attributes?: OtlpSpan['attributes'] }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
        };
        for (const rs of body.resourceSpans ?? []) {
          const serviceName = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, serviceName });
        }
      } catch {
        /* counted in posts; the assertions say what is missing */
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, spans, posts, close: () => new Promise((r) => server.close(() => r())) };
}

// ---------------------------------------------------------------------------------------------------------------

let sandbox: RunningSandbox;
let admin: SandboxAdmin;
let collector: Awaited<ReturnType<typeof startCollector>>;
let connection: Connection;
let client: Client;
let worker: ChildWorker;
let dataDir: string;
let metricsUrl: string;
let startup: Record<string, unknown>;
const taskQueue = uniqueTaskQueue('prod-worker');
const children: ChildWorker[] = [];

function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const { address, namespace } = testTemporal();
  return {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATA_DIR: dataDir,
    ...sandboxEasEnv(sandbox.url),
    GSTIN_CHECKSUM: 'off',
    GST_POLL_INITIAL_MS: '200',
    GST_POLL_MAX_MS: '1000',
    GST_RETRY_INITIAL_MS: '100',
    GST_RETRY_MAX_MS: '1000',
    WORKER_SHUTDOWN_GRACE_MS: '5000',
    ...extra,
  };
}

beforeAll(async () => {
  for (const f of [MAIN, BUNDLE]) if (!existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: run \`npm run build\` first`);
  if (statSync(BUNDLE).mtimeMs < statSync(MAIN).mtimeMs) throw new Error('dist/workflow-bundle.js is older than dist/worker/main.js: run `npm run build`');
  sandbox = await startSandbox({ port: 0, sessions: 'all', taskSeconds: 0.5 });
  admin = new SandboxAdmin(sandbox.url);
  collector = await startCollector();
  dataDir = await mkdtemp(path.join(tmpdir(), 'gst-prod-worker-'));
  connection = await Connection.connect({ address: testTemporal().address });
  client = new Client({ connection, namespace: testTemporal().namespace });
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  worker = ChildWorker.start(
    childEnv({
      NODE_ENV: 'production',
      METRICS_BIND: `127.0.0.1:${metricsPort}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'gst-worker-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      // tuning the SDK and server must accept (the rate limit is high enough not to slow the test)
      WORKER_MAX_WORKFLOW_TASKS: '10',
      EAS_TASK_QUEUE_RATE_LIMIT: '200',
    }),
  );
  children.push(worker);
  startup = await worker.serving();
});

afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  // its GSTIN's session workflow lived on this file's task queue: end it for the test files after this one
  await client?.workflow.getHandle(sessionWorkflowId(otpGstin)).terminate('test done').catch(() => undefined);
  await connection?.close();
  await collector?.close();
  await sandbox?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('NODE_ENV=production runs the prebuilt bundle and says so, with the metrics endpoint and OTLP tracing on', () => {
  expect(startup).toMatchObject({
    taskQueue,
    workflows: 'prebuilt bundle dist/workflow-bundle.js',
    metrics: metricsUrl,
    tracing: `otlp ${collector.url}/v1/traces`,
    maxWorkflowTasks: 10,
    taskQueueRateLimit: 200,
  });
  console.log(`production worker: started in ${startup.startMs} ms from the prebuilt bundle (${(statSync(BUNDLE).size / 1024).toFixed(0)} KiB)`);
});

const ims = { gstin: '29HJKPS9689A8Z4', section: 'B2BA' }; // 3 pages in the sandbox
const einvoice = { gstin: '29HJKPS9689A8Z4', retPeriod: '082023', supplyType: 'B2B', supplierGstin: '29HJKPS9689A8Z4' };
const otpGstin = '27AAACR5055K1Z7';
const gstr2b = { gstin: otpGstin, retPeriod: '102025' };
let imsId: string;
let results: { ims: DownloadSummary; einvoice: DownloadSummary; gstr2b: DownloadSummary };

test('downloads run to completion: IMS pages (one retried), an e-invoice ZIP, a GSTR-2B that waited for an OTP', async () => {
  const run = `${Date.now().toString(36)}`;
  imsId = `prod-ims-${run}`;
  await admin.addFaults({ route: 'taskPage', kind: 'http500', next: 1 });
  await admin.endSessions([otpGstin]);
  const start = (type: string, input: unknown, workflowId: string) => client.workflow.start(type, { taskQueue, workflowId, args: [input] });
  const a = await start('downloadImsInvoices', ims, imsId);
  const b = await start('downloadEinvoices', einvoice, `prod-einvoice-${run}`);
  const c = await start('downloadGstr2b', gstr2b, `prod-gstr2b-${run}`);
  await waitFor(async () => (await c.query(progressQuery)).stage === 'AWAITING_OTP', 'the GSTR-2B download waiting for an OTP', 60_000);
  // the taxpayer's OTP, verified outside Temporal against the session workflow's request
  const eas = new EasClient(easConfigFromEnv(sandboxEasEnv(sandbox.url)));
  const verified = await waitFor(
    async () => verifyOtpAndResume(client, eas, otpGstin, (await admin.phone(otpGstin)).otp).catch(() => undefined),
    'the OTP verified against the session workflow',
  );
  expect(verified.waiting).toContain(c.workflowId);
  await eas.logout();
  results = {
    ims: (await a.result()) as DownloadSummary,
    einvoice: (await b.result()) as DownloadSummary,
    gstr2b: (await c.result()) as DownloadSummary,
  };
  const truth = await admin.truth('ims', ims);
  expect(results.ims.files.map((f) => f.sha256).sort()).toEqual(truth.files.map((f) => f.sha256).sort());
  expect(results.ims.pages).toBeGreaterThan(1);
  expect(results.einvoice.files.some((f) => f.name === 'einvoice.zip')).toBe(true);
  expect(results.gstr2b.files.length).toBeGreaterThan(0);
  expect(readdirSync(dataDir)).toEqual(expect.arrayContaining([ims.gstin, otpGstin]));
});

test('/metrics serves the SDK metrics and the product metrics with values that match the downloads', async () => {
  expect(results).toBeDefined();
  const tq = { taskQueue };
  // Workflow-side metrics travel through a sink at the end of the workflow task: wait until the last one is in.
  const samples = await waitFor(async () => {
    const s = parsePrometheus(await (await fetch(metricsUrl)).text());
    return (total(s, 'gst_downloads', tq) ?? 0) >= 3 && (total(s, 'gst_otp_wait_seconds_count', tq) ?? 0) >= 1 ? s : undefined;
  }, 'the three downloads in gst_downloads');

  // the SDK's own (core) metrics, labelled task_queue
  expect(total(samples, 'temporal_workflow_completed', { task_queue: taskQueue })).toBe(3);
  expect(total(samples, 'temporal_activity_execution_latency_count', { task_queue: taskQueue, activity_type: 'downloadImsPages' })).toBeGreaterThanOrEqual(2); // the range that met the 500, and its retry
  expect(total(samples, 'temporal_worker_task_slots_available', { task_queue: taskQueue })).toBeDefined();

  // downloads by kind and outcome; pages and bytes equal to what the downloads report
  for (const kind of ['ims', 'einvoice', 'gstr2b']) expect(total(samples, 'gst_downloads', { ...tq, kind, outcome: 'completed' })).toBe(1);
  expect(total(samples, 'gst_downloads', { ...tq, outcome: 'failed' })).toBeUndefined();
  expect(total(samples, 'gst_download_seconds_count', { ...tq, kind: 'ims' })).toBe(1);
  expect(total(samples, 'gst_pages_downloaded', { ...tq, kind: 'ims' })).toBe(results.ims.pages);
  expect(total(samples, 'gst_bytes_downloaded', { ...tq, kind: 'ims' })).toBe(results.ims.bytes);
  const zip = results.einvoice.files.find((f) => f.name === 'einvoice.zip');
  expect(total(samples, 'gst_bytes_downloaded', { ...tq, kind: 'einvoice' })).toBe(zip?.bytes);
  expect(total(samples, 'gst_pages_downloaded', { ...tq, kind: 'einvoice' })).toBe(results.einvoice.files.filter((f) => /^file-\d+\.json$/.test(f.name)).length);

  // EAS calls by route and status: every page once with 200, the injected 500 once, then its retry
  expect(total(samples, 'gst_eas_calls', { ...tq, route: 'taskPage', status: '200' })).toBe(results.ims.pages);
  expect(total(samples, 'gst_eas_calls', { ...tq, route: 'taskPage', status: '500' })).toBe(1);
  expect(total(samples, 'gst_eas_call_ms_count', { ...tq, route: 'taskPage' })).toBe((results.ims.pages ?? 0) + 1);
  expect(total(samples, 'gst_activity_retries', { ...tq, kind: 'ims', activityType: 'downloadImsPages' })).toBe(1);
  expect(total(samples, 'gst_activity_errors', { ...tq, kind: 'ims', type: 'EasTransient' })).toBe(1);

  // status checks of the IMS task, as many as the download counted
  expect(total(samples, 'gst_task_polls', { ...tq, kind: 'ims' })).toBe(results.ims.polls);
  expect(total(samples, 'gst_task_polls', { ...tq, kind: 'ims', status: 'completed' })).toBe(1);

  // the GSTR-2B download's wait for its OTP
  expect(total(samples, 'gst_otp_wait_seconds_count', { ...tq, kind: 'gstr2b' })).toBe(1);
  expect(total(samples, 'gst_otp_wait_seconds_sum', { ...tq, kind: 'gstr2b' })).toBeGreaterThan(0);

  const text = await (await fetch(metricsUrl)).text();
  console.log(
    `metrics scrape sample:\n${text
      .split('\n')
      .filter((l) => /^(gst_downloads|gst_pages_downloaded|gst_eas_calls|gst_activity_retries|gst_otp_wait_seconds_count|temporal_workflow_completed)[{ ]/.test(l))
      .join('\n')}`,
  );
});

test('traces reach the OTLP collector: one trace per download, activity spans under the workflow span', async () => {
  expect(results).toBeDefined();
  // a workflow's span ends after its last activity's, so it may reach the collector in a later batch: wait for both
  const workflowSpans = ['RunWorkflow:downloadImsInvoices', 'RunWorkflow:downloadEinvoices', 'RunWorkflow:downloadGstr2b'];
  const spans = await waitFor(
    async () =>
      collector.spans.filter((s) => s.name === 'RunActivity:finishDownload').length >= 3 && workflowSpans.every((n) => collector.spans.some((s) => s.name === n))
        ? collector.spans
        : undefined,
    'the spans of three downloads at the collector',
    60_000,
  );
  expect(collector.posts.every((p) => p.startsWith('POST /v1/traces application/json'))).toBe(true);
  expect(new Set(spans.map((s) => s.serviceName))).toEqual(new Set(['gst-worker-under-test']));
  const workflowSpan = spans.find((s) => s.name === 'RunWorkflow:downloadImsInvoices');
  expect(workflowSpan).toBeDefined();
  const attr = (s: OtlpSpan, key: string) => s.attributes?.find((a) => a.key === key)?.value.stringValue;
  // the pages are one range activity: its attempt that got the 500, and the retry that resumed from its heartbeat
  const pageSpans = spans.filter((s) => s.name === 'RunActivity:downloadImsPages' && attr(s, 'temporalWorkflowId') === imsId);
  expect(pageSpans.length).toBe(2);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (const s of pageSpans) {
    expect(s.traceId).toBe(workflowSpan?.traceId);
    expect(byId.get(s.parentSpanId ?? '')?.name).toBe('StartActivity:downloadImsPages');
  }
  for (const name of ['RunWorkflow:downloadEinvoices', 'RunWorkflow:downloadGstr2b', 'RunActivity:downloadEinvoiceResult', 'RunActivity:askGstnSession', 'RunActivity:requestGstnOtp']) {
    expect(spans.map((s) => s.name)).toContain(name);
  }
});

test('the recorded histories replay against the prebuilt bundle (its interceptors change no workflow command)', async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') }); // the replay workers' state changes are not news here
  } catch {
    /* installed already in this jest process */
  }
  const dir = path.join(ROOT, 'test/histories');
  const sinks = startTracing({ exporter: 'none' }).sinks;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const history = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown;
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: BUNDLE }, sinks }, history)).resolves.toBeUndefined();
  }
});

test('SIGTERM stops the worker gracefully: exit code 0, its EAS token logged out (the active-token count drops)', async () => {
  const before = await admin.tokens();
  expect(before.byUser[SANDBOX_USER.email]!.active).toBeGreaterThanOrEqual(1);
  const code = await worker.stop();
  expect(worker.out).toContain('gst-download-worker: stopped');
  expect(worker.out).toContain('gst-download-worker: logged out 1 EAS token(s)');
  expect(code).toBe(0);
  const after = await admin.tokens();
  expect(after.byUser[SANDBOX_USER.email]!.active).toBe(before.byUser[SANDBOX_USER.email]!.active - 1);
  expect(after.logouts).toBe(before.logouts + 1);
  console.log(`SIGTERM: active EAS tokens ${before.active} → ${after.active}, logouts ${before.logouts} → ${after.logouts}`);
});

test('production refuses to bundle from source; outside production WORKER_WORKFLOW_BUNDLE=source does, more slowly', async () => {
  const refused = ChildWorker.start(childEnv({ NODE_ENV: 'production', WORKER_WORKFLOW_BUNDLE: 'source' }));
  children.push(refused);
  expect(await refused.exited).toBe(1);
  expect(refused.out).toMatch(/WORKER_WORKFLOW_BUNDLE=source is not allowed with NODE_ENV=production/);

  const fromSource = ChildWorker.start(childEnv({ WORKER_WORKFLOW_BUNDLE: 'source', TEMPORAL_TASK_QUEUE: `${taskQueue}-src` }));
  children.push(fromSource);
  const line = await fromSource.serving();
  expect(line.workflows).toBe('bundled from source');
  expect(await fromSource.stop()).toBe(0);
  console.log(`worker start: ${startup.startMs} ms with the prebuilt bundle, ${line.startMs} ms bundling from source`);
});
