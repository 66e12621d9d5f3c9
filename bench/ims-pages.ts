/**
 * Benchmark: end-to-end throughput of an IMS download of many pages on a real Temporal dev server, side by side
 * with a plain script that does the same download with the project's EasClient (no Temporal).
 *
 *   npm run -s bench -- ims-pages [--pages 200] [--page-size 50] [--concurrency 8] [--can-events 4000]
 *                                 [--latency-ms 0] [--scripts 16,1] [--sample-ms 50]
 *
 * One real worker in this process (createDownloadWorker, fast poll/retry timings as in the integration tests), the
 * sandbox in a child process, the Temporal dev server from provisionTemporal (or TEMPORAL_ADDRESS). Times the
 * workflow from start to result, follows the continue-as-new chain for history events, samples this (worker)
 * process's memory, and checks every stored page against the sandbox's truth. Then, against the same sandbox, the
 * plain script at each `--scripts` concurrency. Prints one JSON object.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileStore } from '../store/file-store';
import type { Manifest } from '../store/store';
import { DEFAULT_CONFIG } from '../domain/config';
import type { DownloadSummary } from '../workflows/types';
import { activitySeconds, cpuMeter, fastDownloadConfig, runsOf, startBench } from './harness';
import { checkKnown, intArg, maxRssBytes, mb, MemorySampler, note, parseArgs, report, round, runMain, seconds, sha256File } from './lib';
import { plainScriptIms, type ScriptRun } from './plain-script';

const GSTIN = '27AAPFU0939F1ZV';

function intList(raw: string | undefined): number[] {
  if (raw === undefined || raw === '' || raw === 'none') return [];
  const out = raw.split(',').map(Number);
  if (out.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--scripts must be a comma-separated list of concurrencies, got "${raw}"`);
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs();
  checkKnown(args, ['pages', 'page-size', 'concurrency', 'can-events', 'sample-ms', 'latency-ms', 'scripts']);
  const params = {
    pages: intArg(args, 'pages', 200),
    pageSize: intArg(args, 'page-size', 50),
    concurrency: Math.max(1, intArg(args, 'concurrency', 8)),
    continueAsNewEvents: intArg(args, 'can-events', DEFAULT_CONFIG.continueAsNewEvents),
    latencyMs: intArg(args, 'latency-ms', 0),
    scripts: intList(args.get('scripts')),
    sampleMs: intArg(args, 'sample-ms', 50),
    gstin: GSTIN,
    section: 'B2B',
  };
  if (params.pages < 1 || params.pageSize < 1) throw new Error('--pages and --page-size must be at least 1');
  const input = { gstin: GSTIN, section: params.section };

  const bench = await startBench({
    // short activities at the production 1 min: finishDownload reads every page back (20,000 at the largest size)
    download: fastDownloadConfig({
      concurrency: params.concurrency,
      continueAsNewEvents: params.continueAsNewEvents,
      activity: { ...fastDownloadConfig().activity, shortTimeoutMs: 60_000, retryWindowMs: 600_000 },
    }),
    maxConcurrentActivities: Math.max(16, params.concurrency + 4),
  });
  const { client, admin } = bench;
  const scriptDir = await mkdtemp(path.join(tmpdir(), 'gst-bench-script-'));
  try {
    await admin.config({ gstins: { [GSTIN]: { imsRecords: params.pages * params.pageSize, imsPageSize: params.pageSize } }, taskSeconds: 0 });
    // every EAS call (not the admin API) answers latencyMs later, as a gateway far away would
    if (params.latencyMs > 0) await admin.addFaults({ route: '*', kind: 'latency', latencyMs: params.latencyMs });
    const truth = await admin.truth('ims', input);
    if (truth.pages !== params.pages) throw new Error(`sandbox serves ${truth.pages} pages, expected ${params.pages}`);

    // The script at the worker's concurrency runs once before the worker and once after (the machine is shared: the
    // ratio uses their mean, so load that comes and goes during the run weighs on both sides alike).
    const scripts: ScriptRun[] = [];
    const script = async (c: number): Promise<ScriptRun> => {
      note(`plain EasClient script, ${c} in flight…`);
      const run = await plainScriptIms({ eas: bench.workerConfig.eas, dataDir: scriptDir, gstin: GSTIN, section: params.section, concurrency: c });
      if (run.records !== truth.records) throw new Error(`script (${c} in flight) stored ${run.records} records, truth ${truth.records}`);
      scripts.push(run);
      return run;
    };
    if (params.scripts.includes(params.concurrency)) await script(params.concurrency);

    note(`IMS download of ${params.pages} pages × ${params.pageSize} records, page concurrency ${params.concurrency}, latency ${params.latencyMs} ms…`);
    const fetchesBefore = (await admin.requests()).byRoute.taskPage?.total ?? 0;
    const before = process.memoryUsage();
    const maxRssBefore = maxRssBytes();
    const sampler = new MemorySampler(params.sampleMs).start();
    const cpu = cpuMeter(bench.serverPid);
    const t = performance.now();
    const handle = await client.workflow.start('downloadImsInvoices', { taskQueue: bench.taskQueue, workflowId: `bench-ims-${Date.now()}`, args: [input] });
    const summary = (await handle.result().catch((e: { cause?: { message?: string; cause?: { message?: string } } }) => {
      throw new Error(`the download failed: ${e.cause?.message ?? ''} ${e.cause?.cause?.message ?? ''}`);
    })) as DownloadSummary;
    const downloadSeconds = seconds(t);
    const cpuUsed = cpu.stop();
    const peaks = sampler.stop();
    const maxRssAfter = maxRssBytes();

    const runs = await runsOf(client, handle.workflowId, handle.firstExecutionRunId);
    const activities = await activitySeconds(client, handle.workflowId, runs);
    const requests = await admin.requests();

    // Verify: the manifest lists exactly the truth's pages, and each file on disk has the truth's bytes and sha256.
    const store = new FileStore(bench.dataDir);
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
    const pageFetches = (requests.byRoute.taskPage?.total ?? 0) - fetchesBefore;

    // The plain script against the same sandbox, right after the worker (same machine load, same latency).
    for (const c of params.scripts) await script(c);
    const same = scripts.filter((s) => s.concurrency === params.concurrency);
    const scriptSeconds = same.length ? same.reduce((n, s) => n + s.seconds, 0) / same.length : undefined;

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
      scripts,
      scriptSecondsAtSameConcurrency: scriptSeconds === undefined ? null : round(scriptSeconds, 3),
      workerOverScript: scriptSeconds ? round(downloadSeconds / scriptSeconds, 2) : null,
      runs: runs.length,
      historyEvents: runs.reduce((n, r) => n + r.events, 0),
      historyEventsPerRun: runs.map((r) => r.events),
      pageFetches,
      easRequests: Object.entries(requests.byRoute)
        .filter(([route]) => route !== 'admin' && route !== 'unknown')
        .reduce((n, [, r]) => n + r.total, 0),
      polls: summary.polls ?? null,
      activities,
      cpu: cpuUsed,
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
      setupSeconds: bench.setupSeconds,
      verified: problems.length === 0,
      ...(problems.length ? { problems: problems.slice(0, 20) } : {}),
    });
    if (problems.length) process.exitCode = 1;
  } finally {
    await bench.close();
    await rm(scriptDir, { recursive: true, force: true });
  }
}

runMain(main);
