/**
 * The ONE place that provisions a Temporal server, used by `npm start`, the jest global setup and CI.
 *
 * - TEMPORAL_ADDRESS set      → use that server, start nothing (`provisionTemporal`).
 * - otherwise                 → run the Temporal CLI dev server (dev-server.ts), whose binary is found by
 *                               `ensureTemporalBinary` (temporal-cli.ts): TEMPORAL_CLI_PATH, then `temporal` on PATH,
 *                               then the project's cache `<repo>/.temporal/bin/temporal`, else built once with `go install`.
 *
 * The SDK's own `TestWorkflowEnvironment.createLocal` cannot be used here: it downloads its server (no internet)
 * and gives it only a few seconds to start, which is not enough on a small CI machine.
 *
 * Its parts are re-exported here, so callers need one import: repo.ts (repo root), go-binaries.ts (PATH lookup,
 * `go install`), temporal-cli.ts (the `temporal` binary), supervise.ts (child processes), temporal-frontend.ts
 * (health check, search attributes), dev-server.ts (ports, arguments, the supervised dev server).
 */
import { Connection } from '@temporalio/client';
import { connectOptions, temporalConnectionFromEnv } from '../temporal/connection';
import { DEFAULT_NAMESPACE, startDevServer, type DevServerOptions, type TemporalServer } from './dev-server';
import { errorText } from './supervise';
import { ensureSearchAttributes, searchAttributeCreateCommand } from './temporal-frontend';

export { findRepoRoot } from './repo';
export { whichOnPath } from './go-binaries';
export type { Logger } from './supervise';
export {
  cachedBinaryPath,
  ensureTemporalBinary,
  findTemporalBinary,
  installTemporal,
  temporalVersion,
  TEMPORAL_CLI_MODULE,
  TemporalBinaryUnavailableError,
  type BinaryLookupOptions,
  type BinarySource,
} from './temporal-cli';
export { checkFrontend, ensureSearchAttributes, searchAttributeArgs, searchAttributeCreateCommand } from './temporal-frontend';
export {
  DEFAULT_NAMESPACE,
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_STOP_GRACE_MS,
  devServerArgs,
  freePort,
  PRIORITY_DYNAMIC_CONFIG,
  startDevServer,
  type DevServer,
  type DevServerOptions,
  type TemporalServer,
} from './dev-server';

export interface ProvisionOptions extends DevServerOptions {
  /** Defaults to process.env: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE. */
  env?: NodeJS.ProcessEnv;
}

/**
 * TEMPORAL_ADDRESS set → that server (checked reachable, search attributes ensured; stop() is a no-op).
 * Otherwise → a dev server started with `opts`. The namespace is TEMPORAL_NAMESPACE, else opts.namespace, else
 * "default".
 */
export async function provisionTemporal(opts: ProvisionOptions = {}): Promise<TemporalServer> {
  const env = opts.env ?? process.env;
  const namespace = env.TEMPORAL_NAMESPACE || opts.namespace || DEFAULT_NAMESPACE;
  const address = env.TEMPORAL_ADDRESS;
  if (!address) return startDevServer({ ...opts, namespace });

  const log = opts.log ?? ((m: string) => console.log(m));
  let connection: Connection;
  try {
    // TLS / mTLS / API key from the same variables as the worker (temporal/connection.ts)
    connection = await Connection.connect({ ...connectOptions(temporalConnectionFromEnv(env)), address, connectTimeout: opts.readyTimeoutMs ?? 10_000 });
  } catch (err) {
    throw new Error(`TEMPORAL_ADDRESS=${address}: cannot reach a Temporal server there (${errorText(err)})`);
  }
  try {
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length) log(`registered search attributes in ${namespace} on ${address}: ${added.join(', ')}`);
  } catch (err) {
    // e.g. Temporal Cloud, where the operator service cannot add them: say how, and carry on.
    log(
      `warning: could not check/register search attributes on ${address} (${errorText(err)}); register them with\n` +
        `  ${searchAttributeCreateCommand(namespace)}`,
    );
  } finally {
    await connection.close();
  }
  return { address, namespace, stop: async () => {} };
}
