/**
 * Finding binaries (on PATH, in the project cache) and building them from their Go module when missing:
 * `CGO_ENABLED=0 go install <module>@<version>` into a scratch folder, then renamed into place, so an interrupted
 * build never leaves a half-written binary behind. Used for the dev server's Temporal CLI (temporal-cli.ts) and the
 * cluster's temporal-server / temporal-sql-tool (cluster/binaries.ts, also run by scripts/ci/install-cluster.sh).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { run, type Logger } from './supervise';

/** Raised when a binary can be neither found nor built; the message names the ways out. */
export class BinaryUnavailableError extends Error {
  override name = 'BinaryUnavailableError';
}

export function exeName(name: string): string {
  return process.platform === 'win32' ? `${name}.exe` : name;
}

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable `name` on the env's PATH, or undefined. */
export function whichOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, exeName(name));
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** `go` on the env's PATH, else $GOROOT/bin/go, else the first of `alsoTry` that exists; undefined when none. */
export function findGo(env: NodeJS.ProcessEnv = process.env, alsoTry: string[] = []): string | undefined {
  const candidates = [whichOnPath('go', env), env.GOROOT && join(env.GOROOT, 'bin', exeName('go')), ...alsoTry];
  return candidates.find((c): c is string => !!c && isExecutableFile(c));
}

export interface GoBuild {
  go: string;
  /** The package to install, with its version: `go.temporal.io/server/cmd/server@v1.29.1`. */
  module: string;
  /** Where the binary ends up (its folder is created). */
  target: string;
  /** Said before the build starts (it takes minutes). */
  announce: string;
  log: Logger;
  /** The build's environment (CGO_ENABLED and GOBIN are set on top). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** More `go install` flags, e.g. ['-v']. */
  flags?: string[];
}

/**
 * Builds `module` into `target` (always; check for an existing binary first). go's output streams to ours. Returns
 * how long it took in ms; throws BinaryUnavailableError when go fails.
 */
export async function goInstall(b: GoBuild): Promise<number> {
  const scratch = `${b.target}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  b.log(b.announce);
  const started = Date.now();
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(b.go, ['install', ...(b.flags ?? []), b.module], {
        env: { ...(b.env ?? process.env), CGO_ENABLED: '0', GOBIN: scratch },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new BinaryUnavailableError(`go install ${b.module} failed with exit code ${code}`);
    // go names the binary after the package's last path element: …/cmd/server → server
    const built = b.module.replace(/@.*$/, '').split('/').pop()!;
    renameSync(join(scratch, exeName(built)), b.target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const ms = Date.now() - started;
  b.log(`built ${b.target} in ${Math.round(ms / 1000)} s`);
  return ms;
}

/**
 * A module's source folder in the Go module cache (downloaded there if missing), e.g. for files a binary needs at
 * run time. `contains` is a path inside it whose presence shows the cached copy is complete.
 */
export function goModuleDir(go: string, module: string, version: string, contains: string): string {
  const cache = run(go, ['env', 'GOMODCACHE']).stdout.trim();
  const dir = join(cache, `${module}@v${version}`);
  if (existsSync(join(dir, contains))) return dir;
  const r = run(go, ['mod', 'download', '-json', `${module}@v${version}`], { what: `go mod download ${module}@v${version}` });
  return (JSON.parse(r.stdout) as { Dir: string }).Dir;
}
