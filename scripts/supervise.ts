/**
 * Child processes, the same way for the dev server, the cluster and `npm start`: run one to completion, start one and
 * keep the tail of its output, start one detached with its output in a log file, wait until something answers
 * (one `waitFor`), stop gracefully (SIGTERM, then SIGKILL after a grace period), stop several in reverse order.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';

export type Logger = (message: string) => void;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between attempts. Default 250 ms. */
  intervalMs?: number;
  /** Checked before every attempt: an error to give up with at once (e.g. the process being waited for exited). */
  failIf?: () => Error | undefined;
  /** Settles when waiting has become pointless (e.g. the process exited): cuts a running attempt or pause short. */
  interrupt?: Promise<unknown>;
  /** The error to throw at the deadline, from the last attempt's error. Without it, waitFor resolves false instead. */
  timeoutError?: (lastError: unknown) => Error;
}

/**
 * Calls `attempt` (at least once) until it returns true, every `intervalMs`, for `timeoutMs`; an attempt that throws
 * counts as "not yet" (its error is passed to `timeoutError`). Resolves true once it succeeded.
 */
export async function waitFor(attempt: () => Promise<boolean> | boolean, o: WaitOptions): Promise<boolean> {
  const deadline = Date.now() + o.timeoutMs;
  const interrupted = o.interrupt ? o.interrupt.then(() => false) : new Promise<false>(() => undefined);
  let lastError: unknown;
  for (;;) {
    const failure = o.failIf?.();
    if (failure) throw failure;
    const tried = Promise.resolve()
      .then(attempt)
      .catch((err: unknown) => {
        lastError = err;
        return false;
      });
    if (await Promise.race([tried, interrupted])) return true;
    if (Date.now() > deadline) {
      if (o.timeoutError) throw o.timeoutError(lastError);
      return false;
    }
    await Promise.race([sleep(o.intervalMs ?? 250), interrupted]);
  }
}

/** Runs a command to completion; throws with the last lines of its output unless it exits 0 (or `allowFail`). */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; what?: string; allowFail?: boolean } = {},
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (!opts.allowFail && (r.error || r.status !== 0)) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${opts.what ?? `${cmd} ${args.join(' ')}`} failed (${r.error?.message ?? `exit ${r.status}`}):\n${out}`);
  }
  return r;
}

/** True when `pid` is a live process (a zombie, exited but not yet reaped, is not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** `env` without the variables starting with `prefix` (e.g. a server must not see the TEMPORAL_* client settings). */
export function envWithout(prefix: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith(prefix)) out[k] = v;
  return out;
}

/** Each line indented by four spaces, for output quoted in an error message. */
export function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** SIGTERM, then SIGKILL when it has not exited after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Keeps the last `max` non-empty lines of a stream, for error messages, and hands each line to `onLine`. */
class TailBuffer {
  private lines: string[] = [];
  private partial = '';
  constructor(
    private readonly max: number,
    private readonly onLine?: Logger,
  ) {}
  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }
  private add(line: string): void {
    if (!line.trim()) return;
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    this.onLine?.(line);
  }
  text(): string {
    if (this.partial) {
      this.add(this.partial);
      this.partial = '';
    }
    return this.lines.join('\n');
  }
}

export interface Child {
  pid: number | undefined;
  /** Resolves when the process has exited (or could not be started). */
  exited: Promise<void>;
  /** How it exited, once it has. */
  exit(): Exit | undefined;
  /** Why it could not be started (e.g. ENOENT), if so. */
  spawnError(): Error | undefined;
  /** The last lines it wrote (stdout and stderr). */
  output(): string;
  /** stopChild with `graceMs`. Idempotent. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Starts `cmd` with its stdout and stderr piped: each line goes to `onLine`, the last `keepLines` are kept for
 * error messages. If this process exits without stop() (a crash, process.exit), the child is SIGKILLed.
 */
export function startChild(
  cmd: string,
  args: string[],
  o: { env?: NodeJS.ProcessEnv; detached?: boolean; onLine?: Logger; keepLines?: number } = {},
): Child {
  const output = new TailBuffer(o.keepLines ?? 40, o.onLine);
  const child = spawn(cmd, args, { env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: o.detached ?? false });
  child.stdout?.on('data', (c) => output.push(c));
  child.stderr?.on('data', (c) => output.push(c));

  let exit: Exit | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolveExit();
    });
    child.once('error', (err) => {
      spawnError = err;
      if (child.pid === undefined) {
        exit = { code: null, signal: null };
        resolveExit();
      }
    });
  });
  const killOnExit = () => {
    if (!exit) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid,
    exited,
    exit: () => exit,
    spawnError: () => spawnError,
    output: () => output.text(),
    stop: (graceMs) => {
      stopping ??= (async () => {
        process.removeListener('exit', killOnExit);
        if (!exit) await stopChild(child, exited, graceMs);
      })();
      return stopping;
    },
  };
}

/**
 * Starts `cmd` in its own process group with its output appended to `logFile` (after a line naming the command), so
 * that it outlives this process. Returns its pid.
 */
export function spawnDetached(cmd: string, args: string[], o: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv }): number {
  const out = openSync(o.logFile, 'a');
  let child: ChildProcess;
  try {
    writeFileSync(out, `\n=== ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`);
    child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, detached: true, stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  child.on('error', () => undefined);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return child.pid;
}

/**
 * SIGTERM to `pid` (not our child, e.g. a detached server from an earlier run), then SIGKILL after `graceMs`
 * (`onKill` is told first); resolves once it has exited.
 */
export async function stopPid(pid: number, graceMs: number, onKill?: () => void): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const gone = () => !alive(pid);
  if (await waitFor(gone, { timeoutMs: graceMs, intervalMs: 100 })) return;
  onKill?.();
  process.kill(pid, 'SIGKILL');
  await waitFor(gone, { timeoutMs: Infinity, intervalMs: 100 });
}

export interface Stoppable {
  name: string;
  stop: () => Promise<void>;
}

/** Stops each, the last started first; one that fails is reported and the others are still stopped. */
export async function stopInReverse(
  started: Stoppable[],
  report: { stopped: (name: string) => void; failed: (name: string, err: unknown) => void },
): Promise<void> {
  for (const s of [...started].reverse()) {
    try {
      await s.stop();
      report.stopped(s.name);
    } catch (err) {
      report.failed(s.name, err);
    }
  }
}
