/**
 * temporal-server and temporal-sql-tool, built once from the server's Go module (go-binaries.ts) into
 * `.temporal/bin/` under versioned names, and the module's source (for the schema files) from the Go module cache.
 */
import { BinaryUnavailableError, findGo, goInstall, goModuleDir, isExecutableFile } from '../go-binaries';
import type { Logger } from '../supervise';
import type { ClusterSettings } from './settings';

export const SERVER_MODULE = 'go.temporal.io/server';

/** `go` on PATH, else $GOROOT/bin/go, else /usr/local/go/bin/go (the official tarball's place). */
export function goBinary(env: NodeJS.ProcessEnv = process.env): string {
  const go = findGo(env, ['/usr/local/go/bin/go']);
  if (!go) {
    throw new BinaryUnavailableError(
      'Go is needed to build the Temporal server once (into .temporal/bin) and to fetch its schema files; install Go ' +
        '(https://go.dev/dl/), or copy temporal-server-v<version> and temporal-sql-tool-v<version> into .temporal/bin.',
    );
  }
  return go;
}

/** `go install <pkg>@v<version>` into `target`, unless it is there; true when it was built. */
async function ensureBuilt(target: string, pkg: string, version: string, log: Logger): Promise<boolean> {
  if (isExecutableFile(target)) return false;
  const module = `${pkg}@v${version}`;
  await goInstall({
    go: goBinary(),
    module,
    target,
    log,
    announce: `building ${module} (once; about 2 minutes on 2 cores): CGO_ENABLED=0 go install → ${target}`,
  });
  return true;
}

/** Builds whichever of the two binaries is missing; returns the names it built. */
export async function ensureClusterBinaries(s: ClusterSettings, log: Logger): Promise<string[]> {
  const built: string[] = [];
  if (await ensureBuilt(s.paths.serverBinary, `${SERVER_MODULE}/cmd/server`, s.temporalVersion, log)) built.push('temporal-server');
  if (await ensureBuilt(s.paths.sqlToolBinary, `${SERVER_MODULE}/cmd/tools/sql`, s.temporalVersion, log)) built.push('temporal-sql-tool');
  return built;
}

/** The server module's source folder in the Go module cache (downloaded there if missing). */
export function serverModuleDir(version: string): string {
  return goModuleDir(goBinary(), SERVER_MODULE, version, 'schema');
}
