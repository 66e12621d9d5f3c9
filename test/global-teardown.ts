/** Jest globalTeardown: stops the dev server global-setup.ts started (a no-op for TEMPORAL_ADDRESS). */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEMPORAL_TEST_SERVER__?.stop();
  globalThis.__TEMPORAL_TEST_SERVER__ = undefined;
}
