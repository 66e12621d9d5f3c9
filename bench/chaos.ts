/**
 * Benchmark: downloads of every kind on N real worker processes while workers are SIGKILLed and replaced.
 *
 *   npm run -s bench -- chaos [--downloads 200] [--kills 23] [--workers 2] [--store file] [--seed 1]
 *                             [--start-every-ms 300] [--zip-bps 256000] [--timeout-s 1800] [--keep]
 *
 * A Temporal dev server, the sandbox in a child process, a file store in a temp folder shared by the workers (each
 * worker "host" has its own scratch root). The run itself is bench/chaos-run.ts (the integration test
 * test/integration/chaos.test.ts runs the same code, smaller). One JSON object; exit code 1 unless every download
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
  checkKnown(args, ['downloads', 'kills', 'workers', 'store', 'seed', 'start-every-ms', 'zip-bps', 'timeout-s', 'keep']);
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
      timeoutMs: intArg(args, 'timeout-s', 1800) * 1000,
      log: note,
    });
    const ok =
      result.completed === downloads &&
      !result.failed.length &&
      !result.wrongFiles.length &&
      !result.strayTemps.length &&
      !result.extraObjects.length &&
      !result.deadScratchLeft.length &&
      !result.leftoverScratch.length &&
      !result.crashes.length;
    report({ benchmark: 'chaos', params: { downloads, kills, workers, store, seed }, ok, ...result, ...(args.has('keep') ? { dir } : {}) });
    if (!ok) process.exitCode = 1;
  } finally {
    await sandbox.stop();
    await temporal.stop();
    if (!args.has('keep')) await rm(dir, { recursive: true, force: true });
  }
}

if (!existsSync(path.join(__dirname, '..', 'worker', 'main.js'))) throw new Error('dist/worker/main.js is missing: npm run build');
runMain(main);
