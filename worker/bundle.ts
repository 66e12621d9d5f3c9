/**
 * The workflow code the worker runs: a bundle made at build time (`npm run build` writes dist/workflow-bundle.js,
 * scripts/build-bundle.ts) or, in development, one made from source when the worker starts. Both carry the same
 * workflow interceptor modules (tracing and the download-outcome metric).
 */
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from './config';

/** Interceptor modules bundled into the workflow sandbox. */
export function workflowInterceptorModules(): string[] {
  return [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'), require.resolve('./workflow-interceptors')];
}

/** dist/workflow-bundle.js when this module runs from dist/worker/. */
export const DEFAULT_BUNDLE_PATH = path.resolve(__dirname, '..', 'workflow-bundle.js');

/** Bundles the workflows and their interceptors (webpack; a few seconds). */
export async function buildWorkflowBundle(logger?: Logger): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: workflowInterceptorModules(),
    ...(logger && { logger }),
  });
}

export type WorkflowSource = { kind: 'bundle'; codePath: string } | { kind: 'source' };

/**
 * Which workflow code to run. WORKER_WORKFLOW_BUNDLE: unset = the built bundle when it exists (required with
 * NODE_ENV=production), a path = that bundle (must exist), `source` = bundle from source at startup (not in
 * production, where the code that runs must be the code that was built and tested).
 */
export function workflowSourceFromEnv(env: NodeJS.ProcessEnv = process.env, defaultPath = DEFAULT_BUNDLE_PATH): WorkflowSource {
  const production = env.NODE_ENV === 'production';
  const v = env.WORKER_WORKFLOW_BUNDLE;
  if (v === 'source') {
    if (production) throw new ConfigError('WORKER_WORKFLOW_BUNDLE=source is not allowed with NODE_ENV=production: run `npm run build` and use the prebuilt bundle');
    return { kind: 'source' };
  }
  if (v) {
    const codePath = path.resolve(v);
    if (!existsSync(codePath)) throw new ConfigError(`WORKER_WORKFLOW_BUNDLE: no workflow bundle at ${codePath}`);
    return { kind: 'bundle', codePath };
  }
  if (existsSync(defaultPath)) return { kind: 'bundle', codePath: defaultPath };
  if (production) throw new ConfigError(`NODE_ENV=production needs the prebuilt workflow bundle, and ${defaultPath} is missing: run \`npm run build\``);
  return { kind: 'source' };
}
