/**
 * Benchmark: end-to-end throughput of an IMS download of many pages on a real Temporal dev server.
 *
 *   npm run -s bench -- ims-pages [--pages 200] [--page-size 50] [--concurrency 8] [--can-events 4000] [--sample-ms 50]
 *
 * One real worker in this process (createDownloadWorker, fast poll/retry timings as in the integration tests), the
 * sandbox in a child process, the Temporal dev server from provisionTemporal (or TEMPORAL_ADDRESS). Times the
 * workflow from start to result, follows the continue-as-new chain for history events, samples this (worker)
 * process's memory, and checks every stored page against the sandbox's truth. Prints one JSON object.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EasClient } from '../eas/client';
import { easConfigFromEnv } from '../eas/config';
import { sandboxEasEnv } from '../sandbox/user';
import { SandboxAdmin } from '../sandbox/admin';
import { provisionTemporal } from '../scripts/temporal-server';
import { FileStore } from '../store/file-store';
import type { Manifest } from '../store/store';
import { DEFAULT_CONFIG, type DownloadConfig } from '../domain/config';
import type { DownloadSummary } from '../workflows/types';
import type { WorkerConfig } from '../worker/config';
import { createDownloadWorker } from '../worker/worker';
import { checkKnown, intArg, maxRssBytes, mb, MemorySampler, note, parseArgs, report, round, runMain, seconds, sha256File, startSandboxChild } from './lib';

const GSTIN = '27AAPFU0939F1ZV';
const noop = (): undefined => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => note(m) };

/** The integration tests' fast timings: short first poll, quick retries. */
function fastDownloadConfig(over: Partial<DownloadConfig>): DownloadConfig {
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

interface RunEvents {
  runId: string;
  events: number;
}

/** Every run of the workflow, oldest first, following workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId. */
async function runsOf(client: Client, workflowId: string, firstRunId: string): Promise<RunEvents[]> {
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

async function main(): Promise<void> {
  const args = parseArgs();
  checkKnown(args, ['pages', 'page-size', 'concurrency', 'can-events', 'sample-ms']);
  const params = {
    pages: intArg(args, 'pages', 200),
    pageSize: intArg(args, 'page-size', 50),
    concurrency: Math.max(1, intArg(args, 'concurrency', 8)),
    continueAsNewEvents: intArg(args, 'can-events', DEFAULT_CONFIG.continueAsNewEvents),
    sampleMs: intArg(args, 'sample-ms', 50),
    gstin: GSTIN,
    section: 'B2B',
  };
  if (params.pages < 1 || params.pageSize < 1) throw new Error('--pages and --page-size must be at least 1');
  const input = { gstin: GSTIN, section: params.section };

  Runtime.install({ logger: new DefaultLogger('ERROR') });
  let t = performance.now();
  const temporal = await provisionTemporal({ headless: true, dynamicConfig: {}, log: note });
  const temporalSeconds = seconds(t);
  const sandbox = await startSandboxChild();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gst-bench-ims-'));
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const admin = new SandboxAdmin(sandbox.url);
    await admin.config({ gstins: { [GSTIN]: { imsRecords: params.pages * params.pageSize, imsPageSize: params.pageSize } }, taskSeconds: 0 });
    const truth = await admin.truth('ims', input);
    if (truth.pages !== params.pages) throw new Error(`sandbox serves ${truth.pages} pages, expected ${params.pages}`);

    t = performance.now();
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
    const bundleSeconds = seconds(t);

    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: temporal.namespace });
    const native = await NativeConnection.connect({ address: temporal.address });
    cleanups.push(() => native.close());
    const taskQueue = `bench-ims-${process.pid}-${Date.now()}`;
    const config: WorkerConfig = {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      dataDir,
      eas: { ...easConfigFromEnv(sandboxEasEnv(sandbox.url)), timeoutMs: 10_000 },
      download: fastDownloadConfig({ concurrency: params.concurrency, continueAsNewEvents: params.continueAsNewEvents }),
      maxConcurrentActivities: Math.max(16, params.concurrency + 4),
      maxCachedWorkflows: 50,
      shutdownGraceMs: 5000,
    };
    const worker = await createDownloadWorker({ connection: native, config, workflowBundle, eas: new EasClient(config.eas) });
    const running = worker.run();
    cleanups.unshift(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    note(`IMS download of ${params.pages} pages × ${params.pageSize} records, page concurrency ${params.concurrency}…`);
    const before = process.memoryUsage();
    const maxRssBefore = maxRssBytes();
    const sampler = new MemorySampler(params.sampleMs).start();
    t = performance.now();
    const handle = await client.workflow.start('downloadImsInvoices', {
      taskQueue,
      workflowId: `bench-ims-${Date.now()}`,
      args: [input],
    });
    const summary = (await handle.result()) as DownloadSummary;
    const downloadSeconds = seconds(t);
    const peaks = sampler.stop();
    const maxRssAfter = maxRssBytes();

    const runs = await runsOf(client, handle.workflowId, handle.firstExecutionRunId);
    const requests = await admin.requests();

    // Verify: the manifest lists exactly the truth's pages, and each file on disk has the truth's bytes and sha256.
    const store = new FileStore(dataDir);
    const manifest = JSON.parse((await store.read(summary.manifest)).toString('utf8')) as Manifest;
    const problems: string[] = [];
    if (manifest.files.length !== truth.files.length) problems.push(`manifest lists ${manifest.files.length} files, truth ${truth.files.length}`);
    for (const want of truth.files) {
      const got = manifest.files.find((f) => f.name === want.name);
      if (!got) {
        problems.push(`${want.name} missing`);
        continue;
      }
      const onDisk = await sha256File(store.localPath(got.ref));
      if (onDisk.sha256 !== want.sha256 || onDisk.bytes !== want.bytes || got.sha256 !== want.sha256) problems.push(`${want.name}: bytes/sha256 differ`);
      if (got.records !== want.records) problems.push(`${want.name}: ${got.records} records, want ${want.records}`);
    }
    if (summary.records !== truth.records) problems.push(`summary has ${summary.records} records, truth ${truth.records}`);
    const pageFetches = requests.byRoute.taskPage?.total ?? 0;

    const peakRss = maxRssAfter > maxRssBefore ? maxRssAfter : peaks.peakRssBytes;
    report({
      bench: 'ims-pages',
      params: { ...params, temporal: process.env.TEMPORAL_ADDRESS ? 'TEMPORAL_ADDRESS' : 'dev server', sandboxInChildProcess: true, node: process.version },
      pages: summary.pages,
      records: summary.records,
      bytes: summary.bytes,
      seconds: downloadSeconds,
      pagesPerSecond: round(params.pages / downloadSeconds, 1),
      recordsPerSecond: Math.round(summary.records / downloadSeconds),
      runs: runs.length,
      historyEvents: runs.reduce((n, r) => n + r.events, 0),
      historyEventsPerRun: runs.map((r) => r.events),
      pageFetches,
      easRequests: Object.entries(requests.byRoute)
        .filter(([route]) => route !== 'admin' && route !== 'unknown')
        .reduce((n, [, r]) => n + r.total, 0),
      polls: summary.polls ?? null,
      memory: {
        baselineRssMB: mb(before.rss),
        peakRssMB: mb(peakRss),
        peakRssAboveBaselineMB: mb(peakRss - before.rss),
        peakRssFrom: maxRssAfter > maxRssBefore ? 'ru_maxrss' : 'samples',
        peakHeapUsedMB: mb(peaks.peakHeapUsedBytes),
        processMaxRssMB: mb(maxRssAfter),
        samples: peaks.samples,
        sampleMs: params.sampleMs,
      },
      setupSeconds: { temporal: temporalSeconds, bundle: bundleSeconds },
      verified: problems.length === 0,
      ...(problems.length ? { problems: problems.slice(0, 20) } : {}),
    });
    if (problems.length) process.exitCode = 1;
  } finally {
    for (const c of cleanups) await c().catch((e: unknown) => note(`cleanup: ${String(e)}`));
    await sandbox.stop();
    await temporal.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

runMain(main);
