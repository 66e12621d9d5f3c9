/**
 * Benchmark: memory and speed of the `downloadEinvoiceResult` activity on a big e-invoice ZIP.
 *
 *   npm run -s bench -- einvoice-zip [--files 4] [--records 50000] [--sample-ms 50] [--keep]
 *
 * The sandbox runs in a child process (its data generation stays out of the figures). The ZIP is built there
 * first (a truth call), then the task is submitted through EasClient, polled to completion, and the activity runs
 * in MockActivityEnvironment (heartbeats work) against a FileStore in a temp folder. Prints one JSON object.
 */
import { singleAccount } from '../eas/accounts';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createActivities, type EinvoiceResult } from '../activities';
import { Scratch } from '../activities/scratch';
import { EasClient } from '../eas/client';
import { easConfigFromEnv } from '../eas/config';
import { sandboxEasEnv } from '../sandbox/user';
import { SandboxAdmin } from '../sandbox/admin';
import { FileStore } from '../store/file-store';
import type { DownloadLocation } from '../store/store';
import { DEFAULT_CONFIG } from '../domain/config';
import {
  checkKnown,
  einvoiceFileProblems,
  intArg,
  maxRssBytes,
  mb,
  MemorySampler,
  note,
  parseArgs,
  report,
  round,
  runMain,
  seconds,
  startSandboxChild,
} from './lib';

const GSTIN = '27AAPFU0939F1ZV';

async function main(): Promise<void> {
  const args = parseArgs();
  checkKnown(args, ['files', 'records', 'sample-ms', 'keep']);
  const params = {
    einvoiceFiles: intArg(args, 'files', 4),
    einvoiceRecordsPerFile: intArg(args, 'records', 50_000),
    sampleMs: intArg(args, 'sample-ms', 50),
    gstin: GSTIN,
  };
  const input = { gstin: GSTIN, retPeriod: '092024', supplyType: 'B2B', recipientGstin: GSTIN };
  const loc: DownloadLocation = { gstin: GSTIN, period: input.retPeriod, kind: 'einvoice', section: `B2B_R${GSTIN}` };

  const sandbox = await startSandboxChild();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gst-bench-einvoice-'));
  try {
    const admin = new SandboxAdmin(sandbox.url);
    await admin.config({
      gstins: { [GSTIN]: { einvoiceFiles: params.einvoiceFiles, einvoiceRecordsPerFile: params.einvoiceRecordsPerFile } },
      taskSeconds: 0,
    });

    // The sandbox builds (and caches) the ZIP on the truth call, so the timed part below only moves bytes.
    let t = performance.now();
    note(`building a ZIP of ${params.einvoiceFiles} × ${params.einvoiceRecordsPerFile} records in the sandbox…`);
    const truth = await admin.truth('einvoice', input);
    const sandboxBuildSeconds = seconds(t);
    const zipTruth = truth.files.find((f) => f.name === 'einvoice.zip')!;
    const entries = truth.files.filter((f) => f.name !== 'einvoice.zip');
    const uncompressedBytes = entries.reduce((n, f) => n + f.bytes, 0);
    const largestEntryBytes = Math.max(...entries.map((f) => f.bytes));
    note(`ZIP ${mb(zipTruth.bytes)} MB, ${mb(uncompressedBytes)} MB uncompressed, built in ${sandboxBuildSeconds} s`);

    const eas = new EasClient({ ...easConfigFromEnv(sandboxEasEnv(sandbox.url)), timeoutMs: 10_000, stallTimeoutMs: 60_000 });
    const taskId = await eas.submitEinvoiceDownload(input);
    for (let i = 0; ; i++) {
      const s = await eas.taskStatus(taskId);
      if (s.status === 'completed') break;
      if (s.status === 'failed' || i > 100) throw new Error(`task ${taskId} did not complete: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const store = new FileStore(path.join(dataDir, 'store'));
    const scratch = await Scratch.open(path.join(dataDir, 'scratch'));
    const activities = createActivities({ accounts: singleAccount(eas), store, scratch, config: DEFAULT_CONFIG });
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 60_000 }, { logger: new DefaultLogger('ERROR') });
    const heartbeats: Array<{ details: unknown; atSeconds: number; rssMB: number; heapUsedMB: number }> = [];

    // Probe: heap right after each JSON.parse returns, while the parsed value is still alive (a timer cannot
    // sample inside a synchronous parse, and the value is garbage a moment later). Bench-process only.
    const parsePeaks = { calls: 0, largestInputBytes: 0, peakHeapUsedBytes: 0, peakRssBytes: 0 };
    const realParse = JSON.parse;
    JSON.parse = function probedParse(this: unknown, text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) {
      const value: unknown = realParse.call(JSON, text, reviver);
      const m = process.memoryUsage();
      parsePeaks.calls++;
      parsePeaks.largestInputBytes = Math.max(parsePeaks.largestInputBytes, Buffer.byteLength(text));
      parsePeaks.peakHeapUsedBytes = Math.max(parsePeaks.peakHeapUsedBytes, m.heapUsed);
      parsePeaks.peakRssBytes = Math.max(parsePeaks.peakRssBytes, m.rss);
      return value;
    } as typeof JSON.parse;

    const before = process.memoryUsage();
    const maxRssBefore = maxRssBytes();
    const sampler = new MemorySampler(params.sampleMs).start();
    t = performance.now();
    env.on('heartbeat', (details: unknown) => {
      const m = process.memoryUsage();
      heartbeats.push({ details, atSeconds: seconds(t), rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed) });
    });
    const result = (await env.run(activities.downloadEinvoiceResult, taskId, loc)) as EinvoiceResult;
    const activitySeconds = seconds(t);
    JSON.parse = realParse;
    const peaks = sampler.stop();
    const maxRssAfter = maxRssBytes();
    const peakRss = maxRssAfter > maxRssBefore ? maxRssAfter : Math.max(peaks.peakRssBytes, parsePeaks.peakRssBytes);
    const downloaded = heartbeats.find((h) => (h.details as { stage?: string } | undefined)?.stage !== 'transfer');

    // Verify: every stored file equals the sandbox's truth (bytes and sha256 recomputed from disk, records).
    const problems = await einvoiceFileProblems(result.files, truth, (ref) => store.localPath(ref));
    if (result.files.length !== truth.files.length) problems.push(`${result.files.length} files stored, truth has ${truth.files.length}`);
    if (result.records !== truth.records) problems.push(`${result.records} records, truth ${truth.records}`);

    report({
      bench: 'einvoice-zip',
      params: { ...params, sandboxInChildProcess: true, node: process.version },
      zipBytes: zipTruth.bytes,
      uncompressedBytes,
      largestEntryBytes,
      files: entries.length,
      records: result.records,
      seconds: activitySeconds,
      downloadSeconds: downloaded?.atSeconds ?? null,
      extractSeconds: downloaded ? round(activitySeconds - downloaded.atSeconds, 3) : null,
      zipMBps: round(zipTruth.bytes / 1024 / 1024 / activitySeconds),
      uncompressedMBps: round(uncompressedBytes / 1024 / 1024 / activitySeconds),
      memory: {
        baselineRssMB: mb(before.rss),
        baselineHeapUsedMB: mb(before.heapUsed),
        // The activity's peak: the kernel's high-water mark (ru_maxrss) when the activity raised it (it catches spikes a
        // timer misses), else the highest sample (something before the activity, e.g. loading modules, peaked higher).
        peakRssMB: mb(peakRss),
        peakRssSampledMB: mb(Math.max(peaks.peakRssBytes, parsePeaks.peakRssBytes)),
        peakRssAboveBaselineMB: mb(peakRss - before.rss),
        peakRssFrom: maxRssAfter > maxRssBefore ? 'ru_maxrss' : 'samples',
        processMaxRssBeforeActivityMB: mb(maxRssBefore),
        processMaxRssMB: mb(maxRssAfter),
        peakHeapUsedMB: mb(Math.max(peaks.peakHeapUsedBytes, parsePeaks.peakHeapUsedBytes)),
        peakHeapUsedSampledMB: mb(peaks.peakHeapUsedBytes),
        jsonParse: {
          calls: parsePeaks.calls,
          largestInputMB: mb(parsePeaks.largestInputBytes),
          heapUsedAfterParseMB: mb(parsePeaks.peakHeapUsedBytes),
          rssAfterParseMB: mb(parsePeaks.peakRssBytes),
        },
        peakExternalMB: mb(peaks.peakExternalBytes),
        peakArrayBuffersMB: mb(peaks.peakArrayBuffersBytes),
        peakRssAboveBaselineOverLargestEntry: round((peakRss - before.rss) / largestEntryBytes),
        samples: peaks.samples,
        sampleMs: params.sampleMs,
      },
      heartbeats,
      sandboxBuildSeconds,
      verified: problems.length === 0,
      ...(problems.length ? { problems } : {}),
      ...(args.has('keep') ? { dataDir } : {}),
    });
    if (problems.length) process.exitCode = 1;
  } finally {
    await sandbox.stop();
    if (!args.has('keep')) await rm(dataDir, { recursive: true, force: true });
  }
}

runMain(main);
