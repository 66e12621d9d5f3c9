/**
 * The temporal-server process of the cluster: all four services in one process, started detached (its own process
 * group, output appended to `.temporal/cluster/temporal-server.log`, pid in `temporal-server.pid`) so it outlives
 * `npm run cluster`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { alive, envWithout, errorText, indent, spawnDetached, stopPid, waitFor, type Logger } from '../supervise';
import { checkFrontend } from '../temporal-frontend';
import type { StepResult } from './postgres';
import { serverConfigEnv, type ClusterSettings } from './settings';
import { clusterClientTls } from './tls';

/** The server's pid from its pid file, when that process is alive and is a temporal-server. */
export function serverPid(s: ClusterSettings): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(s.paths.serverPid, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!(pid > 0) || !alive(pid)) return undefined;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('temporal-server')) return undefined;
  } catch {
    /* no /proc: trust the pid file */
  }
  return pid;
}

/** The argument list of the server process. */
export function serverArgs(s: ClusterSettings): string[] {
  return ['--root', s.root, '--config', relative(s.root, s.paths.configDir), '--env', s.paths.configEnv, '--allow-no-auth', 'start'];
}

function logTail(s: ClusterSettings, lines = 25): string {
  try {
    const tail = readFileSync(s.paths.serverLog, 'utf8').trim().split('\n').slice(-lines);
    return `\n  last lines of ${s.paths.serverLog}:\n${indent(tail.join('\n'))}`;
  } catch {
    return '';
  }
}

/** Resolves once the frontend answers `describeNamespace(namespace)`; throws with the log's tail otherwise. */
export async function waitForFrontend(s: ClusterSettings, namespace: string, timeoutMs: number, pid?: number): Promise<void> {
  await waitFor(() => checkFrontend(s.address, namespace, 2_000, clusterClientTls(s.tls)).then(() => true), {
    timeoutMs,
    failIf: () => (pid !== undefined && !alive(pid) ? new Error(`temporal-server (pid ${pid}) exited${logTail(s)}`) : undefined),
    timeoutError: (last) => new Error(`Temporal at ${s.address} did not answer within ${timeoutMs / 1000} s (${errorText(last)})${logTail(s)}`),
  });
}

/** Starts temporal-server unless it is already running, and waits until the frontend answers. */
export async function startTemporalServer(
  s: ClusterSettings,
  log: Logger,
  timeoutMs = 120_000,
): Promise<{ result: StepResult; pid: number; readyMs: number }> {
  const started = Date.now();
  const running = serverPid(s);
  if (running !== undefined) {
    await waitForFrontend(s, 'temporal-system', timeoutMs, running);
    return { result: 'already', pid: running, readyMs: Date.now() - started };
  }
  const someoneElse = await checkFrontend(s.address, 'temporal-system', 1_000, clusterClientTls(s.tls)).then(
    () => true,
    () => false,
  );
  if (someoneElse) {
    throw new Error(`a Temporal server not started by this script (no live pid in ${s.paths.serverPid}) answers on ${s.address}; stop it, or set CLUSTER_PORT`);
  }
  mkdirSync(s.paths.dir, { recursive: true });
  // The server sees only our config variables, not the caller's TEMPORAL_* (meant for clients and workers).
  const env = { ...envWithout('TEMPORAL_'), ...serverConfigEnv(s) };
  const pid = spawnDetached(s.paths.serverBinary, serverArgs(s), { logFile: s.paths.serverLog, cwd: s.root, env });
  writeFileSync(s.paths.serverPid, `${pid}\n`);
  await waitForFrontend(s, 'temporal-system', timeoutMs, pid);
  const readyMs = Date.now() - started;
  log(`temporal-server: started, pid ${pid}, frontend ${s.address} answering after ${(readyMs / 1000).toFixed(1)} s (log ${s.paths.serverLog})`);
  return { result: 'done', pid, readyMs };
}

/** SIGTERM (then SIGKILL after `graceMs`) to the server in the pid file; waits until it has exited. */
export async function stopTemporalServer(s: ClusterSettings, log: Logger, graceMs = 30_000): Promise<StepResult> {
  const pid = serverPid(s);
  if (pid === undefined) {
    rmSync(s.paths.serverPid, { force: true });
    return 'already';
  }
  const started = Date.now();
  await stopPid(pid, graceMs, () => log(`temporal-server: still running ${graceMs / 1000} s after SIGTERM, sending SIGKILL`));
  rmSync(s.paths.serverPid, { force: true });
  log(`temporal-server: stopped (pid ${pid}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return 'done';
}
