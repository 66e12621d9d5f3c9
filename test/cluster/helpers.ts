/**
 * Helpers for the PostgreSQL-backed cluster test: a lock so two `npm test` runs on one machine take turns with the
 * one cluster (it listens on fixed ports, and the test restarts its server), whether the cluster can be built here,
 * and worker PROCESSES (`node dist/worker/main.js`) with their output kept for a failure message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { goBinary, postgresBinDir } from '../../scripts/cluster/lib';
import type { ClusterSettings } from '../../scripts/cluster/settings';
import { alive, sleep, stopChild } from '../../scripts/supervise';

/** Waits (up to `timeoutMs`) for `.temporal/cluster/test.lock`; a lock whose pid is dead is taken over. */
export async function lockCluster(s: ClusterSettings, timeoutMs: number): Promise<() => void> {
  mkdirSync(s.paths.dir, { recursive: true });
  const file = join(s.paths.dir, 'test.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = 0;
    let ageMs = 0;
    try {
      holder = Number(readFileSync(file, 'utf8').trim() || 0);
      ageMs = Date.now() - statSync(file).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    // a dead holder's lock is taken over; an empty one is being written (unless it is old)
    if ((holder > 0 && !alive(holder)) || (!(holder > 0) && ageMs > 30_000)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the cluster is locked by pid ${holder} (${file}) for more than ${timeoutMs / 1000} s`);
    await sleep(1000);
  }
}

/** Why the cluster cannot be built on this machine (no Go, no PostgreSQL), or undefined when it can. */
export function clusterPrerequisiteProblem(s: ClusterSettings): string | undefined {
  try {
    const bin = postgresBinDir(s);
    for (const tool of ['initdb', 'pg_ctl', 'psql']) {
      if (!existsSync(join(bin, tool))) throw new Error(`${join(bin, tool)} is missing (CLUSTER_PG_BIN or Debian's postgresql package)`);
    }
    goBinary();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export interface WorkerProcess {
  name: string;
  pid: number;
  /** The SDK's default worker identity, as it appears in workflow histories. */
  identity: string;
  child: ChildProcess;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the worker logged that it is serving its task queue. */
  serving: Promise<void>;
  /** The last lines the process printed. */
  tail(lines?: number): string;
}

/** Starts `node dist/worker/main.js` with `env`; its output goes to `<logDir>/<name>.log` too. */
export function spawnWorker(root: string, name: string, env: NodeJS.ProcessEnv, logDir: string): WorkerProcess {
  const main = join(root, 'dist', 'worker', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` (npm test does)`);
  mkdirSync(logDir, { recursive: true });
  const log = openSync(join(logDir, `${name}.log`), 'w');
  const child = spawn(process.execPath, [main], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start worker ${name}`);
  let output = '';
  let onServing: () => void = () => undefined;
  const serving = new Promise<void>((resolve) => (onServing = resolve));
  const take = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
    writeSync(log, chunk);
    if (output.includes('gst-download-worker: serving')) onServing();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      closeSync(log);
      resolve({ code, signal });
    }),
  );
  const tail = (lines = 15) => output.trim().split('\n').slice(-lines).join('\n');
  const servingOrExit = Promise.race([
    serving,
    exited.then(({ code, signal }) => {
      throw new Error(`worker ${name} exited (${signal ?? `code ${code}`}) before serving:\n${tail()}`);
    }),
  ]);
  return { name, pid: child.pid, identity: `${child.pid}@${hostname()}`, child, exited, serving: servingOrExit, tail };
}

/** SIGTERM, then SIGKILL after `graceMs`, unless it has exited. */
export function stopWorker(w: WorkerProcess, graceMs = 10_000): Promise<void> {
  return stopChild(w.child, w.exited, graceMs);
}
