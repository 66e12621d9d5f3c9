/**
 * Debian's PostgreSQL for the cluster: one initdb'd data folder, started with pg_ctl on 127.0.0.1:<CLUSTER_PG_PORT>.
 * PostgreSQL refuses to run as root, so when we are root it runs as the `postgres` user (Debian's package creates
 * it; CLUSTER_PG_OS_USER picks another) through `runuser`, and owns its folders; otherwise it runs as us.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { whichOnPath } from '../go-binaries';
import { alive, run, waitFor, type Logger } from '../supervise';
import type { ClusterSettings } from './settings';

export type StepResult = 'done' | 'already';

/** initdb/pg_ctl/pg_isready/psql: CLUSTER_PG_BIN, else Debian's /usr/lib/postgresql/<major>/bin, else PATH. */
export function postgresBinDir(s: ClusterSettings, env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLUSTER_PG_BIN) return env.CLUSTER_PG_BIN;
  const debian = `/usr/lib/postgresql/${s.postgresMajor}/bin`;
  if (existsSync(join(debian, 'initdb'))) return debian;
  const initdb = whichOnPath('initdb', env);
  if (initdb) return dirname(initdb);
  throw new Error(
    `PostgreSQL ${s.postgresMajor} not found (no ${debian}/initdb, no initdb on PATH). ` +
      'Install it: apt-get install -y postgresql (or run scripts/ci/install-cluster.sh), or set CLUSTER_PG_BIN.',
  );
}

interface OsUser {
  name: string;
  uid: number;
  gid: number;
  /** Wrap a command so it runs as this user. */
  wrap(cmd: string, args: string[]): [string, string[]];
}

/** Who PostgreSQL runs as: us, or (when we are root) `postgres` / CLUSTER_PG_OS_USER. */
export function postgresOsUser(env: NodeJS.ProcessEnv = process.env): OsUser {
  const me = userInfo();
  if (me.uid !== 0) return { name: me.username, uid: me.uid, gid: me.gid, wrap: (c, a) => [c, a] };
  const name = env.CLUSTER_PG_OS_USER || 'postgres';
  const id = (flag: string) => {
    const r = spawnSync('id', [flag, name], { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new Error(
        `PostgreSQL cannot run as root and there is no "${name}" user to run it as. ` +
          `Install Debian's postgresql package (it creates one), or create a user and set CLUSTER_PG_OS_USER.`,
      );
    }
    return Number(r.stdout.trim());
  };
  return { name, uid: id('-u'), gid: id('-g'), wrap: (c, a) => ['runuser', ['-u', name, '--', c, ...a]] };
}

function runAs(user: OsUser, cmd: string, args: string[], what: string): SpawnSyncReturns<string> {
  const [c, a] = user.wrap(cmd, args);
  return run(c, a, { what });
}

export interface PgPaths {
  user: OsUser;
  data: string;
  run: string;
  log: string;
}

const pgPathsCache = new WeakMap<ClusterSettings, PgPaths>();

/**
 * PostgreSQL's folders: under `.temporal/cluster/` when the user PostgreSQL runs as can reach it; otherwise (a repo
 * under /root, say) under /var/tmp/gst-download-cluster-<hash of the repo path>/, which it can.
 */
export function pgPaths(s: ClusterSettings): PgPaths {
  const cached = pgPathsCache.get(s);
  if (cached) return cached;
  const user = postgresOsUser();
  mkdirSync(s.paths.dir, { recursive: true });
  let paths: PgPaths = { user, data: s.paths.pgData, run: s.paths.pgRun, log: s.paths.pgLog };
  if (user.uid !== process.getuid?.()) {
    const [c, a] = user.wrap('test', ['-x', s.paths.dir]);
    if (spawnSync(c, a).status !== 0) {
      const base = join('/var/tmp', `gst-download-cluster-${createHash('sha1').update(s.root).digest('hex').slice(0, 10)}`);
      mkdirSync(base, { recursive: true, mode: 0o755 });
      paths = { user, data: join(base, 'pg'), run: join(base, 'pg-run'), log: join(base, 'pg-run', 'postgres.log') };
    }
  }
  pgPathsCache.set(s, paths);
  return paths;
}

/** True when PostgreSQL accepts connections on 127.0.0.1:<port>. */
export function postgresReady(s: ClusterSettings, bin = postgresBinDir(s)): boolean {
  return run(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(s.pg.port)], { allowFail: true }).status === 0;
}

/** A query's single value (psql -tA) as the Temporal database user, or undefined for no row. */
export function psqlValue(s: ClusterSettings, db: string, sql: string, bin = postgresBinDir(s)): string | undefined {
  const r = run(join(bin, 'psql'), ['-X', '-tA', '-h', '127.0.0.1', '-p', String(s.pg.port), '-U', s.pg.user, '-d', db, '-c', sql], {
    env: { ...process.env, PGPASSWORD: s.pg.password, PGCONNECT_TIMEOUT: '5' },
    what: `psql ${db}: ${sql}`,
  });
  const v = r.stdout.trim();
  return v === '' ? undefined : v;
}

/** The postmaster's pid from its data folder, when it is alive. */
export function postmasterPid(s: ClusterSettings): number | undefined {
  try {
    const pid = Number(readFileSync(join(pgPaths(s).data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** initdb with the Temporal user as superuser and password auth (TCP and socket). */
function initdb(s: ClusterSettings, bin: string, p: PgPaths, log: Logger): void {
  rmSync(p.data, { recursive: true, force: true });
  mkdirSync(p.data, { recursive: true, mode: 0o700 });
  chownSync(p.data, p.user.uid, p.user.gid);
  const pwfile = join(p.run, 'initdb.pw');
  writeFileSync(pwfile, `${s.pg.password}\n`, { mode: 0o600 });
  chownSync(pwfile, p.user.uid, p.user.gid);
  try {
    const args = ['-D', p.data, '-U', s.pg.user, `--pwfile=${pwfile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--no-locale'];
    runAs(p.user, join(bin, 'initdb'), args, 'initdb');
  } finally {
    rmSync(pwfile, { force: true });
  }
  const conf = join(p.data, 'postgresql.conf');
  writeFileSync(conf, `${readFileSync(conf, 'utf8')}\n# added by scripts/cluster/postgres.ts\ninclude_if_exists = 'cluster.conf'\n`);
  log(`postgres: initialised ${p.data} (PostgreSQL ${s.postgresMajor}, runs as ${p.user.name})`);
}

/** initdb (once) and start (unless running). */
export async function ensurePostgres(s: ClusterSettings, log: Logger): Promise<{ init: StepResult; start: StepResult }> {
  const bin = postgresBinDir(s);
  const p = pgPaths(s);
  mkdirSync(p.run, { recursive: true, mode: 0o700 });
  chownSync(p.run, p.user.uid, p.user.gid);

  let init: StepResult = 'already';
  if (!existsSync(join(p.data, 'PG_VERSION'))) {
    initdb(s, bin, p, log);
    init = 'done';
  } else {
    const have = readFileSync(join(p.data, 'PG_VERSION'), 'utf8').trim();
    if (have !== String(s.postgresMajor)) {
      throw new Error(`${p.data} was made by PostgreSQL ${have}, but .env says ${s.postgresMajor}: \`npm run cluster -- reset\` deletes it`);
    }
  }

  if (postmasterPid(s) !== undefined) {
    // ours is running (perhaps still starting up or recovering): wait for it rather than start a second one
    await waitFor(() => postgresReady(s, bin), {
      timeoutMs: 60_000,
      intervalMs: 500,
      timeoutError: () => new Error(`PostgreSQL (pid ${postmasterPid(s)}) runs but does not accept connections; see ${p.log}`),
    });
    return { init, start: 'already' };
  }
  if (postgresReady(s, bin)) {
    throw new Error(`something else already listens on PostgreSQL's port 127.0.0.1:${s.pg.port}; set CLUSTER_PG_PORT to another port`);
  }
  // Settings that follow .env (the port) are rewritten on every start.
  const clusterConf = join(p.data, 'cluster.conf');
  const lines = [
    `port = ${s.pg.port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${p.run}'`,
    // four services × (20 + 2) pooled connections, plus the tools
    'max_connections = 200',
  ];
  writeFileSync(clusterConf, `${lines.join('\n')}\n`);
  chownSync(clusterConf, p.user.uid, p.user.gid);
  runAs(p.user, join(bin, 'pg_ctl'), ['-D', p.data, '-l', p.log, '-w', '-t', '60', 'start'], `pg_ctl start (log: ${p.log})`);
  log(`postgres: started on 127.0.0.1:${s.pg.port} (data ${p.data}, log ${p.log})`);
  return { init, start: 'done' };
}

export function stopPostgres(s: ClusterSettings, log: Logger): StepResult {
  if (postmasterPid(s) === undefined) return 'already';
  const { user, data } = pgPaths(s);
  runAs(user, join(postgresBinDir(s), 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'], 'pg_ctl stop');
  log('postgres: stopped');
  return 'done';
}
