/**
 * Benchmark: one sync over a fleet of GSTINs, every child a real download, on a dev server with one real worker.
 *
 *   npm run -s bench -- fleet-sync [--gstins 1000] [--kinds gstr2b,einvoice,ims] [--window 16] [--list store|inline]
 *
 * The sandbox serves every GSTIN small data (one IMS page per section, a small e-invoice ZIP, a whole GSTR-2B).
 * `--list store` writes the GSTIN list to the store and names it in the sync input (`gstinsRef`); `inline` passes
 * `gstins` in the input (the only way before the fleet sync, at most 50). Reports downloads per minute, the
 * worker's (this process's) and the server's CPU-seconds per download, and the sync's own history: runs, events
 * and bytes per run.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpuMeter, fastDownloadConfig, fleetGstin, runsOf, startBench } from './harness';
import { checkKnown, intArg, maxRssBytes, mb, note, parseArgs, report, round, runMain, seconds } from './lib';

async function main(): Promise<void> {
  const args = parseArgs();
  checkKnown(args, ['gstins', 'kinds', 'window', 'list', 'ims-sections']);
  const n = Math.max(1, intArg(args, 'gstins', 1000));
  const kinds = (args.get('kinds') ?? 'gstr2b,einvoice,ims').split(',');
  const window = Math.max(1, intArg(args, 'window', 16));
  const list = args.get('list') ?? 'store';
  if (list !== 'store' && list !== 'inline') throw new Error('--list must be store or inline');
  const gstins = Array.from({ length: n }, (_, i) => fleetGstin(i));
  if (new Set(gstins).size !== n) throw new Error('GSTIN generator repeated itself');

  const bench = await startBench({
    download: fastDownloadConfig({ concurrency: 8 }),
    maxConcurrentActivities: 64,
    maxCachedWorkflows: 200,
    sandboxEnv: { SANDBOX_SIZE_IMS_RECORDS: '20', SANDBOX_SIZE_EINVOICE_FILES: '1', SANDBOX_SIZE_EINVOICE_RECORDS_PER_FILE: '20', SANDBOX_SIZE_GSTR_2B_RECORDS: '20' },
  });
  const { client, admin } = bench;
  try {
    await admin.config({ taskSeconds: 0 });
    const input: Record<string, unknown> = { kinds, retPeriod: '082023', concurrency: window };
    if (list === 'store') {
      await mkdir(path.join(bench.dataDir, 'lists'), { recursive: true });
      await writeFile(path.join(bench.dataDir, 'lists', 'fleet.txt'), `${gstins.join('\n')}\n`);
      input.gstinsRef = 'lists/fleet.txt';
    } else input.gstins = gstins;

    note(`sync of ${n} GSTINs × ${kinds.join('+')}, window ${window}, list ${list}…`);
    const cpu = cpuMeter(bench.serverPid);
    const t = performance.now();
    const handle = await client.workflow.start('syncReturnPeriod', { taskQueue: bench.taskQueue, workflowId: `bench-fleet-${Date.now()}`, args: [input] });
    let result: Record<string, unknown> | undefined;
    let failure: string | undefined;
    try {
      result = (await handle.result()) as Record<string, unknown>;
    } catch (e) {
      if (!(e instanceof WorkflowFailedError)) throw e;
      failure = e.cause?.message ?? e.message;
    }
    const wall = seconds(t);
    const used = cpu.stop();
    const runs = await runsOf(client, handle.workflowId, handle.firstExecutionRunId);
    const bytesPerRun: number[] = [];
    for (const r of runs) {
      const d = await client.workflow.getHandle(handle.workflowId, r.runId).describe();
      bytesPerRun.push(Number(d.raw.workflowExecutionInfo?.historySizeBytes ?? 0));
    }
    const count = (k: string) => (typeof result?.[k] === 'number' ? (result[k] as number) : 0);
    const downloads = count('done') + count('alreadyDone') + count('failed');
    const resultBytes = result ? JSON.stringify(result).length : 0;
    report({
      bench: 'fleet-sync',
      params: { gstins: n, kinds, window, list, node: process.version },
      seconds: wall,
      downloads,
      done: count('done'),
      alreadyDone: count('alreadyDone'),
      failed: count('failed'),
      downloadsPerMinute: downloads ? round((downloads / wall) * 60, 1) : 0,
      cpu: {
        ...used,
        workerCpuSecondsPerDownload: downloads ? round(used.workerCpuSeconds / downloads, 4) : null,
        serverCpuSecondsPerDownload: downloads && used.serverCpuSeconds !== null ? round(used.serverCpuSeconds / downloads, 4) : null,
      },
      sync: {
        runs: runs.length,
        historyEvents: runs.reduce((s, r) => s + r.events, 0),
        historyEventsPerRun: runs.map((r) => r.events),
        historyBytesPerRun: bytesPerRun,
        maxHistoryBytes: Math.max(...bytesPerRun),
        resultBytes,
      },
      workerPeakRssMB: mb(maxRssBytes()),
      setupSeconds: bench.setupSeconds,
      verified: failure === undefined && downloads === n * expectedPerGstin(kinds) && count('failed') === 0,
      ...(failure ? { problems: [failure] } : {}),
    });
    if (failure || count('failed') > 0) process.exitCode = 1;
  } finally {
    await bench.close();
  }
}

/** Child downloads per GSTIN: gstr2b 1, einvoice 1 (recipient side), ims 8 (every section). */
function expectedPerGstin(kinds: string[]): number {
  return kinds.reduce((s, k) => s + (k === 'ims' ? 8 : 1), 0);
}

runMain(main);
