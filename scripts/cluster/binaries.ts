/**
 * temporal-server and temporal-sql-tool, built once from the server's Go module (`CGO_ENABLED=0 go install`) into
 * `.temporal/bin/` under versioned names, and the module's source (for the schema files) from the Go module cache.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { whichOnPath, type Logger } from '../temporal-server';
import { run } from './proc';
import type { ClusterSettings } from './settings';

export const SERVER_MODULE = 'go.temporal.io/server';

/** `go` on PATH, else $GOROOT/bin/go, else /usr/local/go/bin/go (the official tarball's place). */
export function goBinary(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [whichOnPath('go', env), env.GOROOT && join(env.GOROOT, 'bin', 'go'), '/usr/local/go/bin/go'];
  const go = candidates.find((c): c is string => !!c && existsSync(c));
  if (!go) {
    throw new Error(
      'Go is needed to build the Temporal server once (into .temporal/bin) and to fetch its schema files; install Go ' +
        '(https://go.dev/dl/), or copy temporal-server-v<version> and temporal-sql-tool-v<version> into .temporal/bin.',
    );
  }
  return go;
}

/** `go install <pkg>@v<version>` into `target` (built in a scratch folder, then renamed), unless it is there. */
async function ensureGoBinary(target: string, pkg: string, version: string, log: Logger): Promise<{ built: boolean; ms: number }> {
  if (existsSync(target)) return { built: false, ms: 0 };
  const go = goBinary();
  const scratch = `${target}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  log(`building ${pkg}@v${version} (once; about 2 minutes on 2 cores): CGO_ENABLED=0 go install → ${target}`);
  const started = Date.now();
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(go, ['install', `${pkg}@v${version}`], {
        env: { ...process.env, CGO_ENABLED: '0', GOBIN: scratch },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`go install ${pkg}@v${version} failed with exit code ${code}`);
    renameSync(join(scratch, pkg.split('/').pop()!), target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const ms = Date.now() - started;
  log(`built ${target} in ${Math.round(ms / 1000)} s`);
  return { built: true, ms };
}

/** Builds whichever of the two binaries is missing; returns the names it built. */
export async function ensureClusterBinaries(s: ClusterSettings, log: Logger): Promise<string[]> {
  const built: string[] = [];
  if ((await ensureGoBinary(s.paths.serverBinary, `${SERVER_MODULE}/cmd/server`, s.temporalVersion, log)).built) built.push('temporal-server');
  if ((await ensureGoBinary(s.paths.sqlToolBinary, `${SERVER_MODULE}/cmd/tools/sql`, s.temporalVersion, log)).built) built.push('temporal-sql-tool');
  return built;
}

/** The server module's source folder in the Go module cache (downloaded there if missing). */
export function serverModuleDir(version: string): string {
  const go = goBinary();
  const cache = run(go, ['env', 'GOMODCACHE']).stdout.trim();
  const dir = join(cache, `${SERVER_MODULE}@v${version}`);
  if (existsSync(join(dir, 'schema'))) return dir;
  const r = run(go, ['mod', 'download', '-json', `${SERVER_MODULE}@v${version}`], { what: `go mod download ${SERVER_MODULE}@v${version}` });
  return (JSON.parse(r.stdout) as { Dir: string }).Dir;
}
