/**
 * `npm run cluster [-- up|stop|status|reset]`: a production-topology Temporal on this machine (PostgreSQL + the real
 * temporal-server + schema + namespace + search attributes; see scripts/cluster/lib.ts). Versions, ports and names
 * come from the committed `.env` (CLUSTER_PORT etc. in the environment override it).
 *
 *   up (default)  bring everything up that is not up yet, print the address, return (the cluster keeps running)
 *   stop          stop the server and PostgreSQL (data kept)
 *   status        what is running
 *   reset         stop, then delete the cluster's data (.temporal/cluster)
 *   binaries      only build temporal-server / temporal-sql-tool into .temporal/bin if missing (scripts/ci/install-cluster.sh)
 *   search-attributes  print the `temporal operator search-attribute create` line for another server
 *
 * Other knobs (environment only): CLUSTER_LOG_LEVEL (server log level, default warn), CLUSTER_PG_BIN (PostgreSQL's
 * bin folder), CLUSTER_PG_OS_USER (who PostgreSQL runs as when we are root, default postgres).
 */
import { rmSync } from 'node:fs';
import { clusterDown, clusterStatus, clusterUp, ensureClusterBinaries, pgPaths } from './cluster/lib';
import { loadClusterSettings } from './cluster/settings';
import { searchAttributeCreateCommand } from './temporal-frontend';

async function main(): Promise<void> {
  const command = process.argv[2] ?? 'up';
  const s = loadClusterSettings();
  const log = (m: string) => console.log(`cluster: ${m}`);
  switch (command) {
    case 'up': {
      const up = await clusterUp(s, log);
      const steps = up.steps.map((st) => `${st.step} ${st.result === 'already' ? 'already up' : 'done'} ${(st.ms / 1000).toFixed(1)} s`);
      log(`${steps.join(', ')}`);
      console.log(
        [
          '',
          `Temporal (PostgreSQL-backed) is up at ${up.address}, namespace "${up.namespace}" (${(up.totalMs / 1000).toFixed(1)} s).`,
          `  worker:  TEMPORAL_ADDRESS=${up.address} TEMPORAL_NAMESPACE=${up.namespace} npm run worker`,
          `  CLI:     .temporal/bin/temporal workflow list --address ${up.address} --namespace ${up.namespace}`,
          `  logs:    ${s.paths.serverLog}, ${pgPaths(s).log}`,
          `  stop:    npm run cluster -- stop`,
          '',
        ].join('\n'),
      );
      return;
    }
    case 'stop':
    case 'down': {
      const r = await clusterDown(s, log);
      log(`server ${r.server === 'already' ? 'was not running' : 'stopped'}, postgres ${r.postgres === 'already' ? 'was not running' : 'stopped'}`);
      return;
    }
    case 'status': {
      const st = await clusterStatus(s);
      console.log(JSON.stringify({ address: s.address, namespace: s.namespace, ...st }, null, 2));
      if (!st.serverAnswering) process.exitCode = 3;
      return;
    }
    case 'reset': {
      await clusterDown(s, log);
      const pg = pgPaths(s);
      rmSync(pg.data, { recursive: true, force: true });
      rmSync(pg.run, { recursive: true, force: true });
      rmSync(s.paths.dir, { recursive: true, force: true });
      log(`deleted ${s.paths.dir}${pg.data.startsWith(s.paths.dir) ? '' : ` and ${pg.data}`}`);
      return;
    }
    case 'binaries': {
      const built = await ensureClusterBinaries(s, log);
      if (!built.length) log(`${s.paths.serverBinary} and ${s.paths.sqlToolBinary} already built`);
      return;
    }
    case 'search-attributes':
      console.log(searchAttributeCreateCommand(s.namespace));
      return;
    default:
      throw new Error(`unknown command "${command}": use up, stop, status, reset, binaries or search-attributes`);
  }
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    console.error(`cluster: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
