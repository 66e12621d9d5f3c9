/**
 * `npm start`: the whole product on this machine.
 *
 *   - Temporal dev server on 127.0.0.1:7233, Web UI on 8233, history in <repo>/.temporal/dev.db (survives restarts);
 *     or, with TEMPORAL_ADDRESS set, that server (nothing started).
 *   - The EAS sandbox on SANDBOX_PORT (default 4010), every GSTIN with a live GSTN session (SANDBOX_SESSIONS).
 *   - The worker for the gst-downloads task queue (DATA_DIR, default ./data), pointed at the sandbox.
 *   - Its settings in .temporal/stacks/<address>.json, which the CLI adopts when it talks to this address
 *     (client/stack.ts): `gst-download start … 29HJKPS9689A8Z4` works here although that GSTIN fails the check.
 *
 * TEMPORAL_PORT / TEMPORAL_UI_PORT / TEMPORAL_DB_FILE move the dev server (defaults 7233 / 8233 / .temporal/dev.db).
 * Ctrl-C (SIGINT) or SIGTERM stops everything in reverse order of starting.
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { join, relative, resolve } from 'node:path';
import { publishStack, withdrawStack } from '../client/stack';
import { SANDBOX_PORT_DEFAULT } from '../eas/contract';
import { startSandbox } from '../sandbox/server';
import { SANDBOX_USER, sandboxEasEnv } from '../sandbox/user';
import { payloadCodecFromEnv } from '../temporal/codec';
import { startCodecServer } from '../temporal/codec-server';
import { connectOptions } from '../temporal/connection';
import { describeConfig, workerConfigFromEnv } from '../worker/config';
import { workflowSourceFromEnv } from '../worker/bundle';
import { createDownloadWorker, logoutAccounts, workerAccounts } from '../worker/worker';
import { stopInReverse, type Stoppable } from './supervise';
import { ensureTemporalBinary, findRepoRoot, PRIORITY_DYNAMIC_CONFIG, provisionTemporal } from './temporal-server';

/** SANDBOX_SESSIONS: "all" | "none" | comma-separated GSTINs. Default "all" for npm start. */
export function parseSessions(value: string | undefined): 'all' | 'none' | string[] {
  const v = (value ?? 'all').trim();
  if (v === 'all' || v === 'none') return v;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function numberFromEnv(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${value} is not a non-negative number`);
  return n;
}

async function main(): Promise<void> {
  const env = process.env;
  const root = findRepoRoot();
  // The sandbox serves Vayana's sample GSTINs, whose check digits are wrong; strict is the default elsewhere.
  env.GSTIN_CHECKSUM ??= 'off';

  const stops: Stoppable[] = [];
  let shuttingDown = false;
  const shutdown = async (why: string, exitCode: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.log(`\n${why}: stopping…`);
    await stopInReverse(stops, {
      stopped: (name) => console.log(`  stopped ${name}`),
      failed: (name, err) => console.error(`  stopping ${name} failed:`, err),
    });
    process.exit(exitCode);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (shuttingDown) {
        console.error('second signal: exiting now');
        process.exit(130);
      }
      void shutdown(signal, 0);
    });
  }

  try {
    // --- codec server (only with GST_PAYLOAD_KEYS): the Web UI shows encrypted payloads through it --------
    const port = numberFromEnv('TEMPORAL_PORT', env.TEMPORAL_PORT) ?? 7233;
    const uiPort = numberFromEnv('TEMPORAL_UI_PORT', env.TEMPORAL_UI_PORT) ?? port + 1000;
    const codec = payloadCodecFromEnv(env);
    const codecServer = codec
      ? await startCodecServer({
          codec,
          port: numberFromEnv('CODEC_PORT', env.CODEC_PORT) ?? 0,
          corsOrigins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
        })
      : undefined;
    if (codecServer) stops.push({ name: 'codec server', stop: codecServer.close });

    // --- Temporal -------------------------------------------------------------------------------
    const temporal = await provisionTemporal({
      port,
      uiPort,
      ...(codecServer && { uiCodecEndpoint: codecServer.url }),
      dbFile: env.TEMPORAL_DB_FILE || join(root, '.temporal', 'dev.db'),
      // on-demand downloads ahead of a sync's backlog, GSTINs served fairly (measured: bench/README.md, priority)
      dynamicConfig: PRIORITY_DYNAMIC_CONFIG,
      // Own process group: a terminal Ctrl-C reaches only us, and the server is stopped last (after the worker).
      detached: true,
      // The server's own lines (warn level); its noise while shutting down is dropped.
      onLog: (line) => {
        if (!shuttingDown) console.error(`[temporal] ${line}`);
      },
    });
    stops.push({ name: 'Temporal', stop: temporal.stop });

    // --- EAS sandbox ----------------------------------------------------------------------------
    const sandbox = await startSandbox({
      port: numberFromEnv('SANDBOX_PORT', env.SANDBOX_PORT) ?? SANDBOX_PORT_DEFAULT,
      sessions: parseSessions(env.SANDBOX_SESSIONS),
      ...(env.SANDBOX_TASK_SECONDS ? { taskSeconds: numberFromEnv('SANDBOX_TASK_SECONDS', env.SANDBOX_TASK_SECONDS) } : {}),
      log: env.SANDBOX_LOG !== '0',
    });
    stops.push({ name: 'sandbox', stop: sandbox.close });

    // --- worker -----------------------------------------------------------------------------------
    // Our own signal handlers stop everything in order, so the SDK runtime must not install its own.
    Runtime.install({ shutdownSignals: [] });
    // The dev defaults: the sandbox and its user (sandbox/user.ts), unless the shell names another gateway.
    if (!env.EAS_BASE_URL) for (const [k, v] of Object.entries(sandboxEasEnv(sandbox.url))) env[k] ||= v;
    const config = { ...workerConfigFromEnv(env), address: temporal.address, namespace: temporal.namespace };
    const connection = await NativeConnection.connect(connectOptions(config));
    // npm start builds first, so the prebuilt bundle is there: the worker is up in well under a second.
    const source = workflowSourceFromEnv(env);
    const accounts = workerAccounts(config);
    const worker = await createDownloadWorker({
      connection,
      config,
      accounts,
      ...(source.kind === 'bundle' && { workflowBundle: { codePath: source.codePath } }),
    });
    const running = worker.run();
    stops.push({
      name: 'worker',
      stop: async () => {
        worker.shutdown();
        await running;
        await logoutAccounts(accounts);
        await connection.close();
      },
    });
    console.log(`worker: ${JSON.stringify(describeConfig(config))}`);

    // What the CLI on this machine adopts when it talks to this Temporal address (client/stack.ts).
    publishStack({
      pid: process.pid,
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      gstinChecksum: (env.GSTIN_CHECKSUM ?? '').toLowerCase() === 'off' ? 'off' : 'strict',
      dataDir: resolve(config.dataDir),
      ...(env.EAS_BASE_URL === sandbox.url && {
        sandboxUrl: sandbox.url,
        sandboxUser: { email: SANDBOX_USER.email, password: SANDBOX_USER.password, gstnUsername: SANDBOX_USER.gstnUsername },
      }),
    });
    stops.push({ name: 'CLI settings', stop: async () => withdrawStack(temporal.address) });

    const binary = relative(process.cwd(), await ensureTemporalBinary().catch(() => 'temporal')) || 'temporal';
    const example = JSON.stringify({ gstin: '29HJKPS9689A8Z4', section: 'B2B' });
    console.log('');
    console.log(`Temporal:  ${temporal.address} (namespace ${temporal.namespace})`);
    if (temporal.uiUrl) console.log(`Web UI:    ${temporal.uiUrl}`);
    if (codecServer) console.log(`Codec:     ${codecServer.url} (payloads encrypted with key ${codec!.encryptKeyId}; the Web UI decodes through it)`);
    console.log(`Sandbox:   ${sandbox.url}`);
    console.log(`Downloads: ${config.dataDir} (GSTIN_CHECKSUM=${env.GSTIN_CHECKSUM})`);
    console.log('');
    console.log('Start a download (IMS invoices of the sample GSTIN) from another terminal:');
    console.log(
      `  ${binary} workflow start --address ${temporal.address} --namespace ${temporal.namespace} --task-queue ${config.taskQueue} ` +
        `--type downloadImsInvoices --workflow-id ims-demo-${Date.now()} --input '${example}'`,
    );
    console.log('');
    console.log('Ready. Ctrl-C stops everything.');
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    await shutdown('start failed', 1);
  }
}

if (require.main === module) void main();
