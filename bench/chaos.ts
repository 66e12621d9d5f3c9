/**
 * Benchmark: downloads of every kind on N real worker processes while workers are SIGKILLed and replaced.
 *
 *   npm run -s bench -- chaos [--downloads 200] [--kills 23] [--workers 2] [--store file] [--seed 1]
 *                             [--start-every-ms 300] [--zip-bps 256000] [--token-minutes 360] [--timeout-s 1800]
 *                             [--keep]
 *
 * A Temporal dev server, the sandbox in a child process, a file store in a temp folder shared by the workers (each
 * worker "host" has its own scratch root). --token-minutes sets the workers' EAS_TOKEN_MINUTES (before the token
 * keeper, a SIGKILLed worker's token stayed active and EAS allows 10 per user). The run itself is bench/chaos-run.ts
 * (test/integration/chaos.test.ts runs the same code, smaller). One JSON object; exit code 1 unless every download
 * completed, every file equals the sandbox's truth, and no temp object, stray file or scratch file is left.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { provisionTemporal } from '../scripts/temporal-server';
import { FileStore } from '../store/file-store';
import { runChaos } from './chaos-run';
import { checkKnown, intArg, note, parseArgs, report, runMain, startSandboxChild } from './lib';

async function main(): Promise<void> {
  const args = parseArgs();
  checkKnown(args, ['downloads', 'kills', 'workers', 'store', 'seed', 'start-every-ms', 'zip-bps', 'token-minutes', 'timeout-s', 'keep']);
  const store = args.get('store') ?? 'file';
  if (store !== 'file') throw new Error(`--store ${store}: only the file store is wired up here (test/integration/multi-host-s3.test.ts covers S3)`);
  const downloads = intArg(args, 'downloads', 200);
  const kills = intArg(args, 'kills', 23);
  const workers = Math.max(1, intArg(args, 'workers', 2));
  const seed = intArg(args, 'seed', 1);

  const dir = await mkdtemp(path.join(tmpdir(), 'gst-bench-chaos-'));
  const temporal = await provisionTemporal({ headless: true, dynamicConfig: {}, log: note });
  const sandbox = await startSandboxChild({ SANDBOX_TASK_SECONDS: '1' });
  try {
    const dataDir = path.join(dir, 'data');
    const result = await runChaos({
      downloads,
      kills,
      workers,
      seed,
      temporal,
      sandboxUrl: sandbox.url,
      workerMain: path.join(__dirname, '..', 'worker', 'main.js'),
      dir,
      store: { store: new FileStore(dataDir), env: { DATA_DIR: dataDir } },
      taskQueue: `bench-chaos-${process.pid}`,
      startEveryMs: intArg(args, 'start-every-ms', 300),
      zipBytesPerSecond: intArg(args, 'zip-bps', 250 * 1024),
      ...(args.has('token-minutes') && { tokenMinutes: intArg(args, 'token-minutes', 360) }),
      timeoutMs: intArg(args, 'timeout-s', 1800) * 1000,
      log: note,
    });
    const problems = [
      ...(result.completed === downloads ? [] : [`${downloads - result.completed} of ${downloads} downloads did not complete`]),
      ...(result.wrongFiles.length ? [`${result.wrongFiles.length} files differ from the truth`] : []),
      ...(result.strayTemps.length ? [`${result.strayTemps.length} temp objects / ZIP segments left in the store`] : []),
      ...(result.extraObjects.length ? [`${result.extraObjects.length} files no manifest lists`] : []),
      ...(result.deadScratchLeft.length ? [`${result.deadScratchLeft.length} dead workers' scratch folders not swept by their replacement`] : []),
      ...(result.leftoverScratch.length ? [`${result.leftoverScratch.length} files left in scratch folders`] : []),
      ...(result.crashes.length ? [`${result.crashes.length} workers crashed`] : []),
    ];
    report({ benchmark: 'chaos', params: { downloads, kills, workers, store, seed, tokenMinutes: args.get('token-minutes') ?? null }, verified: problems.length === 0, problems, ...result, ...(args.has('keep') ? { dir } : {}) });
    if (problems.length) process.exitCode = 1;
  } finally {
    await sandbox.stop();
    await temporal.stop();
    if (!args.has('keep')) await rm(dir, { recursive: true, force: true });
  }
}

if (!existsSync(path.join(__dirname, '..', 'worker', 'main.js'))) throw new Error('dist/worker/main.js is missing: npm run build');
runMain(main);
