/**
 * Shared pieces of the benchmarks: argument parsing, the sandbox in a child process, a memory sampler,
 * file checksums. Public Node APIs only (process.memoryUsage, process.resourceUsage, performance.now).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Truth } from '../sandbox/types';
import type { StoredFile } from '../store/store';

export const MB = 1024 * 1024;

/** Rounds for printing (figures keep 2 decimals, 3 for small ones). */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function mb(bytes: number): number {
  return round(bytes / MB, 1);
}

/** `--name value` or `--name=value` from argv; a bare `--flag` is "true". */
export function parseArgs(argv: string[] = process.argv.slice(2)): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}" (use --name value)`);
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) out.set(a.slice(2), argv[++i]!);
    else out.set(a.slice(2), 'true');
  }
  return out;
}

/** A non-negative integer option, else the fallback. */
export function intArg(args: Map<string, string>, name: string, fallback: number): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

/** Every argument must be a known one (a typo should not silently run the default size). */
export function checkKnown(args: Map<string, string>, known: string[]): void {
  for (const k of args.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k} (known: ${known.map((x) => `--${x}`).join(' ')})`);
}

/** Progress lines go to stderr so stdout holds only the JSON result. */
export function note(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

export function seconds(fromMs: number): number {
  return round((performance.now() - fromMs) / 1000, 3);
}

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

export interface MemoryPeaks {
  samples: number;
  peakRssBytes: number;
  peakHeapUsedBytes: number;
  peakExternalBytes: number;
  peakArrayBuffersBytes: number;
}

/**
 * Samples process.memoryUsage() on a timer. A timer cannot fire while the event loop is blocked (e.g. inside one
 * synchronous JSON.parse), so the sampled peaks can miss a short spike: `maxRssBytes()` (the kernel's high-water
 * mark from process.resourceUsage) is the authoritative peak RSS.
 */
export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly peaks: MemoryPeaks = { samples: 0, peakRssBytes: 0, peakHeapUsedBytes: 0, peakExternalBytes: 0, peakArrayBuffersBytes: 0 };

  constructor(private readonly everyMs = 50) {}

  sample(): void {
    const m = process.memoryUsage();
    const p = this.peaks;
    p.samples++;
    p.peakRssBytes = Math.max(p.peakRssBytes, m.rss);
    p.peakHeapUsedBytes = Math.max(p.peakHeapUsedBytes, m.heapUsed);
    p.peakExternalBytes = Math.max(p.peakExternalBytes, m.external);
    p.peakArrayBuffersBytes = Math.max(p.peakArrayBuffersBytes, m.arrayBuffers);
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  stop(): MemoryPeaks {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return { ...this.peaks };
  }
}

/** The process's peak resident set size so far (ru_maxrss; Linux reports KiB). */
export function maxRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * What differs between stored e-invoice files and the sandbox's truth: each truth file must be among `files`, with
 * the truth's bytes and sha256 recomputed from disk (`localPath`), and the records of every file but the ZIP.
 */
export async function einvoiceFileProblems(files: StoredFile[], truth: Truth, localPath: (ref: string) => string): Promise<string[]> {
  const problems: string[] = [];
  for (const want of truth.files) {
    const got = files.find((f) => f.name === want.name);
    if (!got) {
      problems.push(`${want.name} missing`);
      continue;
    }
    const onDisk = await sha256File(localPath(got.ref));
    if (onDisk.sha256 !== want.sha256 || onDisk.bytes !== want.bytes) problems.push(`${want.name}: bytes/sha256 differ`);
    if (want.name !== 'einvoice.zip' && got.records !== want.records) problems.push(`${want.name}: ${got.records} records, want ${want.records}`);
  }
  return problems;
}

/** Every file below `dir` (none when it is missing). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The sandbox in a child process (its data generation and ZIP building stay out of our memory figures)
// ---------------------------------------------------------------------------------------------

export interface SandboxChild {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Runs `dist/sandbox/main.js` on a free port (SANDBOX_PORT=0) and waits for its "listening on" line. */
export function startSandboxChild(env: Record<string, string> = {}, readyTimeoutMs = 20_000): Promise<SandboxChild> {
  const main = path.join(__dirname, '..', 'sandbox', 'main.js');
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_SESSIONS: 'all', SANDBOX_TASK_SECONDS: '0', SANDBOX_LOG: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  // never leave the sandbox behind if this process dies first
  const onExit = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[sandbox] ${c.toString()}`));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`sandbox did not start within ${readyTimeoutMs} ms; output: ${out}`));
    }, readyTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with code ${code} before listening; output: ${out}`));
    });
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({ url: m[1]!, pid: child.pid!, stop });
      }
    });
  });
}

/** Prints the one JSON object a benchmark reports. */
export function report(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** Runs a benchmark's main, prints a failure to stderr and sets the exit code; exits when done. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
    (e: unknown) => {
      process.stderr.write(`[bench] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
