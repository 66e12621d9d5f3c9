/**
 * `npm run build`, second step: bundles the workflows (with their interceptors) into dist/workflow-bundle.js,
 * which the worker loads instead of running webpack at every start (required with NODE_ENV=production).
 * Runs from dist/scripts/ after tsc, so it bundles the compiled workflows in dist/.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { buildWorkflowBundle, DEFAULT_BUNDLE_PATH } from '../worker/bundle';

async function main(): Promise<void> {
  const started = Date.now();
  const noop = () => undefined;
  const { code } = await buildWorkflowBundle({ log: noop, trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error });
  const out = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_BUNDLE_PATH;
  await mkdir(path.dirname(out), { recursive: true });
  // write then rename: a worker starting meanwhile never reads half a bundle
  await writeFile(`${out}.tmp`, code);
  await rename(`${out}.tmp`, out);
  console.log(`workflow bundle: ${path.relative(process.cwd(), out)} (${(Buffer.byteLength(code) / 1024).toFixed(0)} KiB, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

main().catch((e) => {
  console.error(`build-bundle: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
