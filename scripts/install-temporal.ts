/**
 * `npm run temporal:install`: makes sure the Temporal CLI (dev server) is available and says where it is.
 * Builds it once into <repo>/.temporal/bin only when TEMPORAL_CLI_PATH, PATH and the cache have none.
 */
import { ensureTemporalBinary, findTemporalBinary, temporalVersion } from './temporal-cli';

async function main(): Promise<void> {
  const found = findTemporalBinary();
  const binary = found?.path ?? (await ensureTemporalBinary());
  console.log(`temporal: ${binary} (${found ? `from ${found.source}` : 'just built'})`);
  console.log(temporalVersion(binary));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
