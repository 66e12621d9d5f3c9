/**
 * Jest globalSetup: ONE Temporal server for the whole test run.
 *
 * - TEMPORAL_ADDRESS set → tests use that server (its search attributes are ensured; nothing is started).
 * - otherwise → a headless dev server on free ports, with TEST_DYNAMIC_CONFIG, stopped by global-teardown.ts.
 *
 * Exposes to the tests (jest runs --runInBand, so process.env set here is visible to them):
 *   TEMPORAL_ADDRESS     host:port of the frontend
 *   TEMPORAL_NAMESPACE   namespace (default "default")
 *   TEMPORAL_TEST_SERVER "dev" when started here, "external" when TEMPORAL_ADDRESS was given
 */
import { provisionTemporal, type TemporalServer } from '../scripts/temporal-server';
import { TEST_DYNAMIC_CONFIG, TEST_SERVER_KIND_ENV } from './fixtures/temporal-env';

declare global {
  // eslint-disable-next-line no-var
  var __TEMPORAL_TEST_SERVER__: TemporalServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const external = !!process.env.TEMPORAL_ADDRESS;
  const started = Date.now();
  const server = await provisionTemporal({
    headless: true,
    dynamicConfig: TEST_DYNAMIC_CONFIG,
    log: (m) => console.log(`[temporal] ${m}`),
  });
  globalThis.__TEMPORAL_TEST_SERVER__ = server;
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = server.namespace;
  process.env[TEST_SERVER_KIND_ENV] = external ? 'external' : 'dev';
  console.log(
    `\n[temporal] ${external ? 'using' : 'dev server'} ${server.address} ` +
      `(namespace ${server.namespace}; ${Date.now() - started} ms in setup` +
      `${'readyMs' in server ? `, ${server.readyMs} ms from spawn to frontend answering` : ''})`,
  );
}
