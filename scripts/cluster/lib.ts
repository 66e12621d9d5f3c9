/**
 * A production-topology Temporal on this machine: Debian's PostgreSQL + the real `temporal-server` binary (all four
 * services in one process) + the schema from the server's own Go module + our namespace and search attributes.
 * `npm run cluster` (scripts/cluster.ts) and test/cluster/ use it. Every step is idempotent: it first checks whether
 * its result is already there. PostgreSQL and the server run detached (they outlive this process); their state,
 * logs and pid files are under `.temporal/cluster/` (git-ignored).
 *
 *   binaries.ts  temporal-server / temporal-sql-tool built from the Go module into .temporal/bin
 *   postgres.ts  initdb / pg_ctl (as the `postgres` user when we are root)
 *   schema.ts    temporal-sql-tool create / setup-schema / update-schema
 *   server.ts    the temporal-server process (start, stop, wait until it answers)
 *   this file    namespace + search attributes, and up / down / status over all of them
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { errorText, waitFor, type Logger } from '../supervise';
import { checkFrontend, ensureSearchAttributes } from '../temporal-frontend';
import { ensureClusterBinaries } from './binaries';
import { ensurePostgres, postgresReady, postmasterPid, stopPostgres, type StepResult } from './postgres';
import { ensureSchema } from './schema';
import { serverPid, startTemporalServer, stopTemporalServer } from './server';
import type { ClusterSettings } from './settings';
import { clusterClientTls } from './tls';

export { ensureClusterBinaries, goBinary, serverModuleDir } from './binaries';
export { ensurePostgres, pgPaths, postgresBinDir, stopPostgres, type StepResult } from './postgres';
export { ensureSchema } from './schema';
export { serverPid, startTemporalServer, stopTemporalServer, waitForFrontend } from './server';

/** Retention of the namespace when this script creates it. */
export const NAMESPACE_RETENTION_SECONDS = 3 * 24 * 3600;

const grpcCode = (e: unknown) => (e as { code?: number }).code;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

/**
 * Registers the namespace (unless it exists; the API behind `temporal operator namespace create`), adds the
 * missing search attributes (behind `temporal operator search-attribute create`), and waits until it answers.
 */
export async function ensureNamespace(
  s: ClusterSettings,
  log: Logger,
  timeoutMs = 60_000,
): Promise<{ namespace: StepResult; searchAttributesAdded: string[] }> {
  const deadline = Date.now() + timeoutMs;
  const connection = await Connection.connect({ address: s.address, connectTimeout: 10_000, ...(s.tls && { tls: clusterClientTls(s.tls) }) });
  try {
    let result: StepResult = 'already';
    // described → done; NOT_FOUND → registered (unless another process just did), then described again
    await waitFor(
      async () => {
        try {
          await connection.workflowService.describeNamespace({ namespace: s.namespace });
          return true;
        } catch (e) {
          if (grpcCode(e) !== NOT_FOUND) throw e;
        }
        try {
          await connection.workflowService.registerNamespace({
            namespace: s.namespace,
            description: 'gst-download-worker',
            workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION_SECONDS * 1000),
          });
          result = 'done';
          log(`namespace: registered "${s.namespace}" (retention ${NAMESPACE_RETENTION_SECONDS / 86400} days)`);
        } catch (e) {
          if (grpcCode(e) !== ALREADY_EXISTS) throw e;
        }
        return false;
      },
      { timeoutMs, intervalMs: 500, timeoutError: (last) => (last instanceof Error ? last : new Error(errorText(last))) },
    );
    // a new namespace reaches the services' caches within system.namespaceCacheRefreshInterval
    let added: string[] | undefined;
    await waitFor(
      async () => {
        added ??= await ensureSearchAttributes(connection, s.namespace);
        await connection.workflowService.countWorkflowExecutions({ namespace: s.namespace });
        return true;
      },
      {
        timeoutMs: deadline - Date.now(),
        intervalMs: 500,
        timeoutError: (last) => new Error(`namespace ${s.namespace} did not become usable: ${errorText(last)}`),
      },
    );
    added ??= [];
    if (added.length) log(`search attributes: added ${added.join(', ')} to "${s.namespace}"`);
    return { namespace: result, searchAttributesAdded: added };
  } finally {
    await connection.close();
  }
}

export interface ClusterUp {
  address: string;
  namespace: string;
  /** Each step's time in ms and whether it did something or found it done. */
  steps: Array<{ step: string; result: StepResult; ms: number }>;
  totalMs: number;
  serverPid: number;
}

/** Brings up whatever is not up yet: binaries, PostgreSQL, schema, server, namespace + search attributes. */
export async function clusterUp(s: ClusterSettings, log: Logger = (m) => console.log(m)): Promise<ClusterUp> {
  const started = Date.now();
  const steps: ClusterUp['steps'] = [];
  const timed = async <T>(step: string, fn: () => Promise<T> | T, result: (t: T) => StepResult): Promise<T> => {
    const t0 = Date.now();
    const v = await fn();
    steps.push({ step, result: result(v), ms: Date.now() - t0 });
    return v;
  };
  await timed('binaries', () => ensureClusterBinaries(s, log), (built) => (built.length ? 'done' : 'already'));
  await timed('postgres', () => ensurePostgres(s, log), (r) => (r.init === 'done' || r.start === 'done' ? 'done' : 'already'));
  await timed('schema', () => ensureSchema(s, log), (r) => (r.changed ? 'done' : 'already'));
  const server = await timed('temporal-server', () => startTemporalServer(s, log), (r) => r.result);
  await timed('namespace', () => ensureNamespace(s, log), (r) => (r.namespace === 'done' || r.searchAttributesAdded.length ? 'done' : 'already'));
  return { address: s.address, namespace: s.namespace, steps, totalMs: Date.now() - started, serverPid: server.pid };
}

/** Stops the server, then PostgreSQL (their data stays). */
export async function clusterDown(s: ClusterSettings, log: Logger = (m) => console.log(m)): Promise<{ server: StepResult; postgres: StepResult }> {
  const server = await stopTemporalServer(s, log);
  const postgres = stopPostgres(s, log);
  return { server, postgres };
}

export interface ClusterStatus {
  serverPid?: number;
  serverAnswering: boolean;
  postgresPid?: number;
  postgresReady: boolean;
}

export async function clusterStatus(s: ClusterSettings): Promise<ClusterStatus> {
  const serverAnswering = await checkFrontend(s.address, s.namespace, 2_000, clusterClientTls(s.tls)).then(
    () => true,
    () => false,
  );
  let ready = false;
  try {
    ready = postgresReady(s);
  } catch {
    /* no PostgreSQL installed */
  }
  return { serverPid: serverPid(s), serverAnswering, postgresPid: postmasterPid(s), postgresReady: ready };
}
