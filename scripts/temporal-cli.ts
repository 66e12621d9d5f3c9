/**
 * The Temporal CLI binary (`temporal`; its `server start-dev` is the dev server), found in this order:
 * TEMPORAL_CLI_PATH, then `temporal` on PATH, then the project's cache `<repo>/.temporal/bin/temporal`, else built
 * once from its Go module (go-binaries.ts).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { BinaryUnavailableError, exeName, findGo, goInstall, isExecutableFile, whichOnPath } from './go-binaries';
import { binCacheDir, findRepoRoot } from './repo';
import type { Logger } from './supervise';

/** The Go module the dev server is built from. v1.6+ cannot be `go install`ed (replace directives). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/** Raised when no binary can be found or built; the message names the ways out. */
export const TemporalBinaryUnavailableError = BinaryUnavailableError;
export type TemporalBinaryUnavailableError = BinaryUnavailableError;

export type BinarySource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache';

export interface BinaryLookupOptions {
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Repo root holding `.temporal/`; defaults to `findRepoRoot()`. */
  root?: string;
}

/** Where the project caches the binary it builds: `<repo>/.temporal/bin/temporal` (git-ignored). */
export function cachedBinaryPath(root: string = findRepoRoot()): string {
  return join(binCacheDir(root), exeName('temporal'));
}

/**
 * Finds the Temporal CLI without building anything, in this order: TEMPORAL_CLI_PATH, `temporal` on PATH, the
 * project's cache. Returns undefined when none exists. A TEMPORAL_CLI_PATH that does not point at an executable
 * file is an error (it is never silently skipped).
 */
export function findTemporalBinary(opts: BinaryLookupOptions = {}): { path: string; source: BinarySource } | undefined {
  const env = opts.env ?? process.env;
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    const path = resolve(explicit);
    if (!isExecutableFile(path)) {
      throw new TemporalBinaryUnavailableError(
        `TEMPORAL_CLI_PATH is set to "${explicit}", but that is not an executable file. ` +
          'Point it at a Temporal CLI binary (`temporal`), or unset it to use `temporal` on PATH or the project cache.',
      );
    }
    return { path, source: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = whichOnPath('temporal', env);
  if (onPath) return { path: onPath, source: 'PATH' };
  const cached = cachedBinaryPath(opts.root ?? findRepoRoot());
  if (isExecutableFile(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

function noBinaryMessage(cache: string, why: string): string {
  return [
    `No Temporal CLI found (${why}). Ways out:`,
    '  1. set TEMPORAL_ADDRESS=host:port to use a Temporal server that is already running (nothing is started);',
    '  2. set TEMPORAL_CLI_PATH=/path/to/temporal to use a Temporal CLI binary you already have;',
    `  3. install Go (https://go.dev/dl/) and re-run: the dev server is then built once into ${cache}`,
    `     (CGO_ENABLED=0 go install ${TEMPORAL_CLI_MODULE}).`,
  ].join('\n');
}

/**
 * Builds the Temporal CLI from its Go module into `<repo>/.temporal/bin` (always builds; see ensureTemporalBinary).
 * Streams go's output. Returns the binary's path.
 */
export async function installTemporal(opts: BinaryLookupOptions & { log?: Logger } = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const target = cachedBinaryPath(opts.root ?? findRepoRoot());
  const go = findGo(env);
  if (!go) throw new TemporalBinaryUnavailableError(noBinaryMessage(target, 'and no `go` on PATH to build one'));
  await goInstall({
    go,
    module: TEMPORAL_CLI_MODULE,
    target,
    env,
    flags: ['-v'],
    log: opts.log ?? ((m: string) => console.log(m)),
    announce:
      'first run only: building the Temporal dev server from its Go module, takes a few minutes\n' +
      `  CGO_ENABLED=0 GOBIN=${dirname(target)} go install ${TEMPORAL_CLI_MODULE}`,
  });
  return target;
}

/** The binary to run: found by findTemporalBinary, or built once by installTemporal. */
export async function ensureTemporalBinary(opts: BinaryLookupOptions & { log?: Logger } = {}): Promise<string> {
  const found = findTemporalBinary(opts);
  if (found) return found.path;
  return installTemporal(opts);
}

/** `temporal --version`, e.g. "temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)". */
export function temporalVersion(binary: string): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${binary} --version failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout.trim();
}
