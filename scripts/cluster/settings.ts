/**
 * Settings of the PostgreSQL-backed Temporal cluster (`npm run cluster`): versions, ports and names come from the
 * committed `.env` at the repo root (the same file docker-compose.yml reads), paths are under the git-ignored
 * `.temporal/`. A `CLUSTER_*` variable in the environment overrides the `.env` line of the same name.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findRepoRoot } from '../repo';
import { clusterTlsEnv, clusterTlsFrom, type ClusterTls } from './tls';

/** `.env`-style KEY=VALUE lines: `#` comments and blank lines skipped, surrounding quotes removed. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not a KEY=VALUE line: "${raw}"`);
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) value = value.slice(1, -1);
    out[line.slice(0, eq).trim()] = value;
  }
  return out;
}

/** The repo's `.env` (committed, secret-free). */
export function readDotEnv(root: string = findRepoRoot()): Record<string, string> {
  return parseEnvFile(readFileSync(join(root, '.env'), 'utf8'));
}

/** Every port the server listens on, all on 127.0.0.1, derived from the frontend's (CLUSTER_PORT). */
export interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
}

/** CLUSTER_PORT, +1 … +9: 7243..7252 by default (Temporal's defaults, 7233-7239/6933-6939/8000, stay free). */
export function clusterPorts(frontend: number): ClusterPorts {
  return {
    frontend,
    frontendHttp: frontend + 1,
    frontendMembership: frontend + 2,
    history: frontend + 3,
    historyMembership: frontend + 4,
    matching: frontend + 5,
    matchingMembership: frontend + 6,
    worker: frontend + 7,
    workerMembership: frontend + 8,
    metrics: frontend + 9,
  };
}

export interface ClusterSettings {
  root: string;
  temporalVersion: string;
  postgresMajor: number;
  namespace: string;
  ports: ClusterPorts;
  /** host:port of the frontend, for TEMPORAL_ADDRESS. */
  address: string;
  pg: { port: number; user: string; password: string; databases: { default: string; visibility: string } };
  /** `info` etc.; the server's log level (CLUSTER_LOG_LEVEL, default warn). */
  logLevel: string;
  /** TLS (mTLS) on the frontend, when CLUSTER_TLS_CERT is set (scripts/cluster/tls.ts). */
  tls?: ClusterTls;
  paths: {
    /** `.temporal/cluster`: everything the cluster writes. */
    dir: string;
    /** PostgreSQL's data folder (owned by the user PostgreSQL runs as). */
    pgData: string;
    /** PostgreSQL's socket folder and log (owned by that user too). */
    pgRun: string;
    pgLog: string;
    serverPid: string;
    serverLog: string;
    /** Binaries, version in the name: `.temporal/bin/temporal-server-v1.29.1`, `temporal-sql-tool-v1.29.1`. */
    serverBinary: string;
    sqlToolBinary: string;
    /** Our config: `deploy/temporal/config/cluster.yaml` (`--config deploy/temporal/config --env cluster`). */
    configDir: string;
    configEnv: string;
    dynamicConfig: string;
  };
}

function int(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!v || !Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name} must be a port number, got "${v}"`);
  return n;
}

function need(values: Record<string, string>, name: string): string {
  const v = values[name];
  if (!v) throw new Error(`${name} is missing from .env`);
  return v;
}

/** Reads `.env` and applies CLUSTER_* overrides from `env`. */
export function loadClusterSettings(env: NodeJS.ProcessEnv = process.env, root: string = findRepoRoot()): ClusterSettings {
  const values = readDotEnv(root);
  for (const [k, v] of Object.entries(env)) if (k.startsWith('CLUSTER_') && v) values[k] = v;
  const version = need(values, 'TEMPORAL_VERSION');
  const frontend = int('CLUSTER_PORT', values.CLUSTER_PORT);
  // CLUSTER_DIR: a second cluster beside the first (its own PostgreSQL data, pid and log files)
  const dir = values.CLUSTER_DIR ? resolve(root, values.CLUSTER_DIR) : join(root, '.temporal', 'cluster');
  const tls = clusterTlsFrom(values);
  const bin = join(root, '.temporal', 'bin');
  return {
    root,
    temporalVersion: version,
    postgresMajor: Number(need(values, 'POSTGRESQL_VERSION')),
    namespace: need(values, 'CLUSTER_NAMESPACE'),
    ports: clusterPorts(frontend),
    address: `127.0.0.1:${frontend}`,
    pg: {
      port: int('CLUSTER_PG_PORT', values.CLUSTER_PG_PORT),
      user: need(values, 'POSTGRES_USER'),
      password: need(values, 'POSTGRES_PASSWORD'),
      databases: { default: 'temporal', visibility: 'temporal_visibility' },
    },
    logLevel: values.CLUSTER_LOG_LEVEL || 'warn',
    ...(tls && { tls }),
    paths: {
      dir,
      pgData: join(dir, 'pg'),
      pgRun: join(dir, 'pg-run'),
      pgLog: join(dir, 'pg-run', 'postgres.log'),
      serverPid: join(dir, 'temporal-server.pid'),
      serverLog: join(dir, 'temporal-server.log'),
      serverBinary: join(bin, `temporal-server-v${version}`),
      sqlToolBinary: join(bin, `temporal-sql-tool-v${version}`),
      configDir: join(root, 'deploy', 'temporal', 'config'),
      configEnv: 'cluster',
      dynamicConfig: join(root, 'deploy', 'temporal', 'dynamicconfig', 'cluster.yaml'),
    },
  };
}

/** The environment the server's config template (deploy/temporal/config/cluster.yaml) reads. */
export function serverConfigEnv(s: ClusterSettings): Record<string, string> {
  const p = s.ports;
  return {
    CLUSTER_LOG_LEVEL: s.logLevel,
    CLUSTER_PG_PORT: String(s.pg.port),
    CLUSTER_PG_USER: s.pg.user,
    CLUSTER_PG_PASSWORD: s.pg.password,
    CLUSTER_METRICS_PORT: String(p.metrics),
    CLUSTER_FRONTEND_PORT: String(p.frontend),
    CLUSTER_FRONTEND_HTTP_PORT: String(p.frontendHttp),
    CLUSTER_FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
    CLUSTER_HISTORY_PORT: String(p.history),
    CLUSTER_HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
    CLUSTER_MATCHING_PORT: String(p.matching),
    CLUSTER_MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
    CLUSTER_WORKER_PORT: String(p.worker),
    CLUSTER_WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
    CLUSTER_DYNAMIC_CONFIG: s.paths.dynamicConfig,
    ...clusterTlsEnv(s.tls),
  };
}
