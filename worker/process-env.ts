/**
 * Environment the worker PROCESS needs before it starts (read by glibc at exec, so it cannot be set from inside):
 * the Dockerfile, `npm run worker`, `npm start` and the benchmarks set it the same way.
 *
 * MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own malloc arena, and the worker has many (the
 * Temporal core's runtime, libuv's pool writing files, the workflow thread). Each arena keeps what it freed, so a
 * worker streaming a ZIP at 12 MB/s held ~45 MB more than it used: 287 MB peak vs 241 MB with two arenas, idle
 * 197 vs ~190 MB (bench/README.md, "einvoice-slow-link").
 */
export const WORKER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** A line for the worker's log when the process was started without those settings (nothing when it was). */
export function processEnvAdvice(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing = Object.entries(WORKER_PROCESS_ENV).filter(([k]) => env[k] === undefined);
  if (missing.length === 0) return undefined;
  return `gst-download-worker: note: started without ${missing.map(([k, v]) => `${k}=${v}`).join(' ')} (set it in the worker's environment: peak memory is higher without it; see worker/process-env.ts)`;
}
