/**
 * `npm run worker`: runs only the worker, against TEMPORAL_ADDRESS and EAS_BASE_URL.
 * SIGINT/SIGTERM shut it down gracefully (the SDK's runtime installs those handlers): no new tasks are
 * polled, in-flight activities get WORKER_SHUTDOWN_GRACE_MS to finish, then the process exits.
 */
import { NativeConnection } from '@temporalio/worker';
import { describeConfig, workerConfigFromEnv } from './config';
import { createDownloadWorker } from './worker';

async function main(): Promise<void> {
  const config = workerConfigFromEnv();
  const connection = await NativeConnection.connect({ address: config.address });
  try {
    const worker = await createDownloadWorker({ connection, config });
    console.log(`gst-download-worker: serving ${JSON.stringify(describeConfig(config))}`);
    await worker.run();
    console.log('gst-download-worker: stopped');
  } finally {
    await connection.close();
  }
}

main().catch((e) => {
  console.error(`gst-download-worker: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
