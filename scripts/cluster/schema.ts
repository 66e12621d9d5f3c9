/** The Temporal schema in PostgreSQL, applied with temporal-sql-tool from the server module's own schema files. */
import { join } from 'node:path';
import { run, type Logger } from '../supervise';
import { serverModuleDir } from './binaries';
import { postgresBinDir, psqlValue } from './postgres';
import type { ClusterSettings } from './settings';

/**
 * For `temporal` and `temporal_visibility`: `create` the database and `setup-schema -v 0.0` when missing, then
 * `update-schema -d <module>/schema/postgresql/v12/<db>/versioned` (a no-op when already at the newest version).
 * Returns each database's schema version, and whether anything was created or updated.
 */
export function ensureSchema(s: ClusterSettings, log: Logger): { versions: Record<string, string>; changed: boolean } {
  const bin = postgresBinDir(s);
  const schemaRoot = join(serverModuleDir(s.temporalVersion), 'schema', 'postgresql', 'v12');
  const toolEnv: NodeJS.ProcessEnv = {
    ...process.env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: '127.0.0.1',
    SQL_PORT: String(s.pg.port),
    SQL_USER: s.pg.user,
    SQL_PASSWORD: s.pg.password,
  };
  const tool = (db: string, ...args: string[]) =>
    run(s.paths.sqlToolBinary, ['--db', db, ...args], { env: toolEnv, what: `temporal-sql-tool --db ${db} ${args.join(' ')}` });
  const versions: Record<string, string> = {};
  let changed = false;
  for (const [db, folder] of [
    [s.pg.databases.default, 'temporal'],
    [s.pg.databases.visibility, 'visibility'],
  ] as const) {
    const steps: string[] = [];
    if (psqlValue(s, 'postgres', `select 1 from pg_database where datname = '${db}'`, bin) === undefined) {
      tool(db, 'create');
      steps.push('created');
    }
    if (psqlValue(s, db, `select to_regclass('public.schema_version') is not null`, bin) !== 't') {
      tool(db, 'setup-schema', '-v', '0.0');
      steps.push('setup-schema 0.0');
    }
    const version = () => psqlValue(s, db, 'select curr_version from schema_version', bin);
    const before = version() ?? '0.0';
    tool(db, 'update-schema', '-d', join(schemaRoot, folder, 'versioned'));
    const after = version() ?? '?';
    if (after !== before) steps.push(`updated ${before} → ${after}`);
    versions[db] = after;
    changed ||= steps.length > 0;
    log(`schema: ${db} at ${after}${steps.length ? ` (${steps.join(', ')})` : ' (already)'}`);
  }
  return { versions, changed };
}
