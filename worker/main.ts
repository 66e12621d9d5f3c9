/**
 * `npm run worker` / the container's command: runs only the worker, against TEMPORAL_ADDRESS and EAS_BASE_URL.
 * Workflow code: the bundle `npm run build` wrote (dist/workflow-bundle.js; required with NODE_ENV=production),
 * else bundled from source at startup (worker/bundle.ts). METRICS_BIND serves Prometheus metrics, OTEL_* turn
 * on tracing (worker/config.ts).
 * SIGINT/SIGTERM shut it down gracefully (the SDK's runtime installs those handlers): no new tasks are
 * polled, in-flight activities get WORKER_SHUTDOWN_GRACE_MS to finish, its EAS tokens are logged out, buffered
 * spans are sent, then it exits.
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import * as path from 'node:path';
import { connectOptions } from '../temporal/connection';
import { workflowSourceFromEnv } from './bundle';
import { describeConfig, describeTelemetry, workerConfigFromEnv } from './config';
import { prometheusTelemetry } from './metrics';
import { processEnvAdvice } from './process-env';
import { startTracing } from './tracing';
import { createDownloadWorker, logoutAccounts, workerAccounts } from './worker';

async function main(): Promise<void> {
  const started = performance.now();
  // Every setting is checked before anything starts: a bad value is one line naming the variable, exit 1.
  const config = workerConfigFromEnv();
  const telemetry = config.telemetry ?? { tracing: { exporter: 'none' } };
  const source = workflowSourceFromEnv();
  if (telemetry.metricsBind) Runtime.install({ telemetryOptions: prometheusTelemetry(telemetry.metricsBind) });
  const tracing = startTracing(telemetry.tracing);
  const connection = await NativeConnection.connect(connectOptions(config));
  // one token per EAS user and org in this process, logged out when the worker stops
  const accounts = workerAccounts(config);
  try {
    const worker = await createDownloadWorker({
      connection,
      config,
      accounts,
      tracing,
      ...(source.kind === 'bundle' && { workflowBundle: { codePath: source.codePath } }),
    });
    const workflows = source.kind === 'bundle' ? `prebuilt bundle ${path.relative(process.cwd(), source.codePath)}` : 'bundled from source';
    const startMs = Math.round(performance.now() - started);
    console.log(`gst-download-worker: serving ${JSON.stringify({ ...describeConfig(config), workflows, ...describeTelemetry(telemetry), startMs })}`);
    const advice = processEnvAdvice();
    if (advice) console.log(advice);
    await worker.run();
    console.log('gst-download-worker: stopped');
  } finally {
    await logoutAccounts(accounts);
    await tracing.shutdown().catch((e: Error) => console.error(`gst-download-worker: sending the last spans failed: ${e.message}`));
    await connection.close();
  }
}

main().catch((e) => {
  console.error(`gst-download-worker: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
