/**
 * Chaos, CI-sized: 24 downloads of every kind on two worker PROCESSES (`node dist/worker/main.js`, one file store,
 * one scratch root per host), four SIGKILLs of a random worker spread over the run, each followed by a replacement
 * on the killed one's host. Every download completes and equals the sandbox's truth; no temp object or ZIP segment,
 * no stray file is left in the store; each replacement removed its dead predecessor's scratch folder; no file is left
 * in any scratch folder once the workers stop. The run is bench/chaos-run.ts (the `chaos` benchmark, at full size).
 * (`npm test` builds dist/ first.)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runChaos, type ChaosResult } from '../../bench/chaos-run';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { FileStore } from '../../store/file-store';
import { testTemporal, uniqueTaskQueue } from '../fixtures/temporal-env';

jest.setTimeout(600_000);

const ROOT = resolve(__dirname, '../..');
const WORKER_MAIN = join(ROOT, 'dist', 'worker', 'main.js');
const suite = existsSync(WORKER_MAIN) ? describe : describe.skip;

suite('chaos: workers SIGKILLed and replaced mid-run', () => {
  let sandbox: RunningSandbox;
  let dir: string;
  let result: ChaosResult;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, sessions: 'all', taskSeconds: 1, seed: 12 });
    dir = await mkdtemp(join(tmpdir(), 'gst-chaos-'));
    const dataDir = join(dir, 'data');
    result = await runChaos({
      downloads: 24,
      kills: 4,
      workers: 2,
      seed: 12,
      temporal: testTemporal(),
      sandboxUrl: sandbox.url,
      workerMain: WORKER_MAIN,
      dir,
      store: { store: new FileStore(dataDir), env: { DATA_DIR: dataDir } },
      taskQueue: uniqueTaskQueue('chaos'),
      startEveryMs: 1000,
      timeoutMs: 240_000,
    });
    const { kills, killsMidZip, completed, seconds, activityRetries, zipResumes, strayTemps, leftoverScratch } = result;
    console.log(`chaos: ${JSON.stringify({ kills, killsMidZip, completed, seconds, activityRetries, zipResumes, strayTemps: strayTemps.length, leftoverScratch: leftoverScratch.length })}`);
  }, 420_000);

  afterAll(async () => {
    await sandbox?.close();
    // the worker logs stay when something was left or failed
    const clean = result && result.completed === 24 && [result.failed, result.wrongFiles, result.strayTemps, result.extraObjects, result.deadScratchLeft, result.leftoverScratch, result.crashes].every((l) => !l.length);
    if (dir && clean) await rm(dir, { recursive: true, force: true });
    else if (dir) console.warn(`chaos run kept in ${dir} (worker logs in logs/)`);
  });

  test('four kills happened while downloads ran, and no worker crashed', () => {
    expect(result.kills).toBe(4);
    expect(result.crashes).toEqual([]);
  });

  test('every download completed and every stored file equals the truth', () => {
    expect(result.failed).toEqual([]);
    expect(result.completed).toBe(24);
    expect(result.wrongFiles).toEqual([]);
  });

  test('the store holds no temp object, ZIP segment or stray file', () => {
    expect(result.strayTemps).toEqual([]);
    expect(result.extraObjects).toEqual([]);
  });

  test('each replacement removed its dead predecessor’s scratch folder; no scratch file is left after the workers stop', () => {
    expect(result.deadScratchLeft).toEqual([]);
    expect(result.leftoverScratch).toEqual([]);
  });
});
