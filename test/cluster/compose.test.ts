/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: `docker-compose config` (Debian's
 * docker-compose 1.29, installed by scripts/ci/install-cluster.sh) must accept the file with the repo's .env, and
 * the resolved services must agree with the tested path: `npm run cluster` (scripts/cluster/settings.ts and
 * lib.ts), the dev server's versions, workflows/search-attributes.ts and worker/config.ts. The two one-shot setup
 * scripts run here with fake `temporal` / `temporal-sql-tool` binaries, to check the commands they issue.
 *
 * No docker-compose: fails when CI is set (CI=true), otherwise the compose checks are skipped with a note.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSchema, NAMESPACE_RETENTION_SECONDS } from '../../scripts/cluster/lib';
import { loadClusterSettings, parseEnvFile, readDotEnv } from '../../scripts/cluster/settings';
import { findRepoRoot, findTemporalBinary, searchAttributeCreateCommand, temporalVersion, whichOnPath } from '../../scripts/temporal-server';
import { workflowSourceFromEnv } from '../../worker/bundle';
import { sandboxEasEnv } from '../../sandbox/user';
import { workerConfigFromEnv } from '../../worker/config';
import { TASK_QUEUE_DEFAULT } from '../../domain/config';
import { cliTypeName, SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { WORKER_PROCESS_ENV } from '../../worker/process-env';

const ROOT = findRepoRoot(__dirname);
const DOTENV = readDotEnv(ROOT);
/** Settings of `npm run cluster` from .env alone (no CLUSTER_* overrides from this shell). */
const CLUSTER = loadClusterSettings({}, ROOT);
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');

// ---------------------------------------------------------------------------------------------
// Running docker-compose
// ---------------------------------------------------------------------------------------------

interface ComposeTool {
  cmd: string;
  pre: string[];
  version: string;
}

function findComposeTool(): ComposeTool | undefined {
  for (const [cmd, pre] of [
    ['docker-compose', []],
    ['docker', ['compose']],
  ] as const) {
    const r = spawnSync(cmd, [...pre, 'version', '--short'], { encoding: 'utf8' });
    if (!r.error && r.status === 0) return { cmd, pre: [...pre], version: r.stdout.trim().replace(/^v/, '') };
  }
  return undefined;
}

type Service = Record<string, any>;
interface Resolved {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** The python docker-compose v1 runs on (its shebang), which has PyYAML; python3 from PATH otherwise. */
function composePython(tool: ComposeTool): string {
  const path = whichOnPath(tool.cmd);
  const shebang = path ? /^#!\s*(\S*python\S*)/.exec(readFileSync(path, 'utf8').slice(0, 200)) : null;
  return shebang?.[1] ?? 'python3';
}

/**
 * `docker-compose config` in the repo with a clean environment (only PATH/HOME and `extraEnv`), so what is checked
 * is the file and the repo's .env, not this shell. Compose v1 prints YAML, read by the python3 + PyYAML that v1
 * itself runs on; v2 prints JSON.
 */
function composeConfig(tool: ComposeTool, extraEnv: Record<string, string> = {}): { config: Resolved; ms: number } {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...extraEnv };
  const v1 = tool.version.startsWith('1.');
  const args = [...tool.pre, '--project-directory', ROOT, '-f', COMPOSE_FILE, 'config', ...(v1 ? [] : ['--format', 'json'])];
  const started = Date.now();
  const r = spawnSync(tool.cmd, args, { cwd: ROOT, env, encoding: 'utf8' });
  const ms = Date.now() - started;
  if (r.error || r.status !== 0) throw new Error(`${tool.cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`);
  if (!v1) return { config: JSON.parse(r.stdout), ms };
  const py = spawnSync(composePython(tool), ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], {
    input: r.stdout,
    encoding: 'utf8',
  });
  if (py.error || py.status !== 0) throw new Error(`could not read docker-compose's YAML with python3: ${py.error?.message ?? py.stderr}`);
  return { config: JSON.parse(py.stdout), ms };
}

/** "127.0.0.1:7243:7233/tcp" (v1) or {host_ip, published, target} (v2) → "127.0.0.1:7243:7233". */
function portsOf(svc: Service): string[] {
  return (svc.ports ?? []).map((p: any) =>
    typeof p === 'string' ? p.replace(/\/tcp$/, '') : `${p.host_ip ?? ''}:${p.published}:${p.target}`,
  );
}

/** "src:dst:mode" (v1) or {source, target} (v2) → {source, target}. */
function volumesOf(svc: Service): Array<{ source: string; target: string }> {
  return (svc.volumes ?? []).map((v: any) => {
    if (typeof v !== 'string') return { source: v.source, target: v.target };
    const [source, target] = v.split(':');
    return { source, target };
  });
}

function envOf(svc: Service): Record<string, string | null> {
  return svc.environment ?? {};
}

function conditionOf(svc: Service, dependency: string): string | undefined {
  const d = svc.depends_on;
  return Array.isArray(d) ? (d.includes(dependency) ? 'service_started' : undefined) : d?.[dependency]?.condition;
}

function imageTag(svc: Service, repo: string): string {
  const image = String(svc.image);
  expect(image.startsWith(`${repo}:`)).toBe(true);
  return image.slice(repo.length + 1);
}

/** The dev server's versions from `temporal --version` ("... (Server 1.29.1, UI 2.42.1)"), when a CLI is found. */
function devServerVersions(): { server: string; ui: string; binary: string } | undefined {
  const found = findTemporalBinary({ root: ROOT });
  if (!found) return undefined;
  const m = /Server ([\d.]+), UI ([\d.]+)/.exec(temporalVersion(found.path));
  if (!m) throw new Error(`cannot read the server and UI versions from \`${found.path} --version\``);
  return { server: m[1], ui: m[2], binary: found.path };
}

/** Every environment variable `read` looks at (property reads on a recording environment). */
function envNamesRead(read: (env: NodeJS.ProcessEnv) => unknown): Set<string> {
  const seen = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_t, key) => (typeof key === 'string' && seen.add(key), undefined),
    has: (_t, key) => (typeof key === 'string' && seen.add(key), false),
  });
  read(env);
  return seen;
}

/**
 * Runs a setup script with fake binaries that append their arguments to a log (then run `extra`, shell code that
 * sees the arguments as $*); returns the logged lines.
 */
function runWithFakes(script: string, fakes: Record<string, string>, env: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'compose-fakes-'));
  try {
    const log = join(dir, 'calls.log');
    for (const [name, extra] of Object.entries(fakes)) {
      writeFileSync(join(dir, name), `#!/bin/sh\necho "${name} $*" >> '${log}'\n${extra}\n`);
      chmodSync(join(dir, name), 0o755);
    }
    writeFileSync(log, '');
    const r = spawnSync('sh', [join(ROOT, 'deploy', 'compose', script)], {
      env: { PATH: `${dir}:${process.env.PATH}`, ...env },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
    return readFileSync(log, 'utf8').trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EXPECTED_SERVICES = ['codec-server', 'postgresql', 'sandbox', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker'];
const SECRETS = ['EAS_BASE_URL', 'EAS_AUTH_URL', 'EAS_EMAIL', 'EAS_PASSWORD', 'GSTN_USERNAME', 'GST_CREDENTIALS_FILE', 'GST_PAYLOAD_KEYS', 'GST_GSTIN_INDEX_KEY', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS_KEY_DATA'];
const SA_LIST = SEARCH_ATTRIBUTES.map((k) => `${k.name}=${cliTypeName(k.type)}`).join(',');

// ---------------------------------------------------------------------------------------------
// docker-compose.yml
// ---------------------------------------------------------------------------------------------

const tool = findComposeTool();

if (!tool) {
  if (process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase())) {
    test('docker-compose is installed (CI)', () => {
      throw new Error(
        'docker-compose is not installed, so docker-compose.yml cannot be checked. CI installs it with ' +
          'scripts/ci/install-cluster.sh (Debian package docker-compose); or install Docker Compose v2.',
      );
    });
  } else {
    console.warn('NOTE: docker-compose not found: the docker-compose.yml checks are SKIPPED (apt-get install docker-compose to run them)');
    test.skip('docker-compose config (skipped: docker-compose not installed)', () => undefined);
  }
} else {
  describe(`docker-compose.yml (${tool.cmd} ${tool.version})`, () => {
    let resolved: Resolved;
    let svc: Record<string, Service>;
    beforeAll(() => {
      const first = composeConfig(tool);
      const again = composeConfig(tool);
      console.log(`${tool.cmd} config: ${first.ms} ms (first), ${again.ms} ms (again)`);
      resolved = again.config;
      svc = resolved.services;
    });

    test('`docker-compose config` accepts the file with the repo .env, and it has the expected services', () => {
      expect(Object.keys(svc).sort()).toEqual(EXPECTED_SERVICES);
      expect(svc.sandbox.profiles).toEqual(['sandbox']);
      expect(svc['codec-server'].profiles).toEqual(['codec']);
      expect(Object.keys(resolved.volumes ?? {}).sort()).toEqual(['postgres-data', 'worker-data']);
    });

    test('same Temporal server, admin tools and PostgreSQL major as .env / npm run cluster and the dev server', () => {
      const server = imageTag(svc.temporal, 'temporalio/server');
      expect(server).toBe(DOTENV.TEMPORAL_VERSION);
      expect(server).toBe(CLUSTER.temporalVersion);
      for (const name of ['temporal-schema', 'temporal-namespace']) {
        const tag = imageTag(svc[name], 'temporalio/admin-tools');
        // admin-tools tags are "<server>" or "<server>-tctl-<v>-cli-<v>": the tools of the same server release
        expect(tag === server || tag.startsWith(`${server}-`)).toBe(true);
      }
      expect(Number.parseInt(imageTag(svc.postgresql, 'postgres'), 10)).toBe(CLUSTER.postgresMajor);
      const dev = devServerVersions();
      if (dev) expect(server).toBe(dev.server);
      else console.warn('NOTE: no Temporal CLI found: compose server version not compared with the dev server');
    });

    test('the Web UI is the dev server’s UI version and passes TEMPORAL_CODEC_ENDPOINT through', () => {
      const ui = imageTag(svc['temporal-ui'], 'temporalio/ui');
      expect(ui).toBe(DOTENV.TEMPORAL_UI_VERSION);
      const dev = devServerVersions();
      if (dev) expect(ui).toBe(dev.ui);
      else console.warn('NOTE: no Temporal CLI found: compose UI version not compared with the dev server');
      expect(envOf(svc['temporal-ui'])).toMatchObject({
        TEMPORAL_ADDRESS: 'temporal:7233',
        TEMPORAL_DEFAULT_NAMESPACE: CLUSTER.namespace,
        TEMPORAL_CODEC_ENDPOINT: DOTENV.TEMPORAL_CODEC_ENDPOINT ?? '',
      });
      const codec = 'https://codec.example.test';
      const withCodec = composeConfig(tool, { TEMPORAL_CODEC_ENDPOINT: codec }).config;
      expect(envOf(withCodec.services['temporal-ui']).TEMPORAL_CODEC_ENDPOINT).toBe(codec);
    });

    test('ports (127.0.0.1 only), database credentials, shards and dynamic config are those of npm run cluster', () => {
      expect(portsOf(svc.temporal)).toEqual([`127.0.0.1:${CLUSTER.ports.frontend}:7233`]);
      expect(portsOf(svc.postgresql)).toEqual([`127.0.0.1:${CLUSTER.pg.port}:5432`]);
      expect(portsOf(svc['temporal-ui'])).toEqual([`127.0.0.1:${DOTENV.CLUSTER_UI_PORT}:8080`]);
      for (const name of ['temporal-schema', 'temporal-namespace', 'worker', 'sandbox']) expect(portsOf(svc[name])).toEqual([]);

      expect(envOf(svc.postgresql)).toEqual({ POSTGRES_USER: CLUSTER.pg.user, POSTGRES_PASSWORD: CLUSTER.pg.password });
      expect(envOf(svc.temporal)).toMatchObject({
        DB: 'postgres12',
        POSTGRES_SEEDS: 'postgresql',
        DB_PORT: '5432',
        POSTGRES_USER: CLUSTER.pg.user,
        POSTGRES_PWD: CLUSTER.pg.password,
        BIND_ON_IP: '0.0.0.0',
      });
      const shards = /^\s*numHistoryShards:\s*(\d+)/m.exec(readFileSync(join(CLUSTER.paths.configDir, `${CLUSTER.paths.configEnv}.yaml`), 'utf8'));
      expect(envOf(svc.temporal).NUM_HISTORY_SHARDS).toBe(shards?.[1]);

      const dynamic = envOf(svc.temporal).DYNAMIC_CONFIG_FILE_PATH;
      expect(volumesOf(svc.temporal)).toEqual([{ source: CLUSTER.paths.dynamicConfig, target: dynamic }]);
    });

    test('start order: PostgreSQL healthy → schema done → server healthy → namespace done → worker; UI after the server', () => {
      expect(conditionOf(svc['temporal-schema'], 'postgresql')).toBe('service_healthy');
      expect(conditionOf(svc.temporal, 'temporal-schema')).toBe('service_completed_successfully');
      expect(conditionOf(svc['temporal-namespace'], 'temporal')).toBe('service_healthy');
      expect(conditionOf(svc['temporal-ui'], 'temporal')).toBe('service_healthy');
      expect(conditionOf(svc.worker, 'temporal-namespace')).toBe('service_completed_successfully');
      expect(svc.postgresql.healthcheck?.test).toBeDefined();
      expect(svc.temporal.healthcheck?.test).toBeDefined();
    });

    test('the schema setup applies the same schema folders to the same databases as npm run cluster', () => {
      const env = envOf(svc['temporal-schema']) as Record<string, string>;
      expect(env).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgresql', SQL_PORT: '5432', SQL_USER: CLUSTER.pg.user, SQL_PASSWORD: CLUSTER.pg.password });
      expect(volumesOf(svc['temporal-schema'])).toEqual([{ source: join(ROOT, 'deploy', 'compose'), target: '/deploy' }]);
      const calls = runWithFakes('setup-schema.sh', { 'temporal-sql-tool': '', nc: '' }, env);
      const compose = calls
        .filter((c) => c.startsWith('temporal-sql-tool'))
        .map((c) => c.replace(/^temporal-sql-tool /, '').replace('/etc/temporal/', '<schema root>/'));

      // npm run cluster's ensureSchema, with a fake psql (every database looks new) and a fake temporal-sql-tool.
      if (!whichOnPath('go')) {
        console.warn('NOTE: no Go: the schema folders of npm run cluster (from the Go module) are not compared');
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'cluster-fakes-'));
      const savedPgBin = process.env.CLUSTER_PG_BIN;
      try {
        const log = join(dir, 'calls.log');
        writeFileSync(join(dir, 'psql'), '#!/bin/sh\nexit 0\n');
        writeFileSync(join(dir, 'sql-tool'), `#!/bin/sh\necho "$*" >> '${log}'\n`);
        chmodSync(join(dir, 'psql'), 0o755);
        chmodSync(join(dir, 'sql-tool'), 0o755);
        writeFileSync(log, '');
        process.env.CLUSTER_PG_BIN = dir;
        const s = loadClusterSettings({}, ROOT);
        s.paths.sqlToolBinary = join(dir, 'sql-tool');
        ensureSchema(s, () => undefined);
        const cluster = readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((c) => c.replace(/-d (\S+)/, (_m, d: string) => `-d <schema root>/${d.slice(d.indexOf('/schema/') + 1)}`));
        expect(compose).toEqual(cluster);
      } finally {
        if (savedPgBin === undefined) delete process.env.CLUSTER_PG_BIN;
        else process.env.CLUSTER_PG_BIN = savedPgBin;
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('the namespace setup creates the cluster namespace (same retention) with exactly workflows/search-attributes.ts', () => {
      const env = envOf(svc['temporal-namespace']) as Record<string, string>;
      expect(env).toEqual({ TEMPORAL_ADDRESS: 'temporal:7233', NAMESPACE: CLUSTER.namespace, NAMESPACE_RETENTION: '72h', SEARCH_ATTRIBUTES: SA_LIST });
      expect(72 * 3600).toBe(NAMESPACE_RETENTION_SECONDS);
      const commands = (describeExits: number) =>
        runWithFakes('setup-namespace.sh', { temporal: `case "$*" in *"namespace describe"*) exit ${describeExits};; esac` }, env).map((c) =>
          c.replace(' --address temporal:7233', ''),
        );
      const describe = `temporal operator namespace describe --namespace ${CLUSTER.namespace}`;
      const create = `temporal operator namespace create --namespace ${CLUSTER.namespace} --retention 72h`;
      // a new cluster: the namespace is created, then the attributes (the same command as scripts/temporal-server.ts prints)
      expect(commands(1)).toEqual(['temporal operator cluster health', describe, create, searchAttributeCreateCommand(CLUSTER.namespace)]);
      // a restart: the namespace exists and is left alone; the attribute command is idempotent
      expect(commands(0)).toEqual(['temporal operator cluster health', describe, searchAttributeCreateCommand(CLUSTER.namespace)]);
    });

    test('the worker gets exactly the settings worker/config.ts reads, secrets only from the shell', () => {
      const env = envOf(svc.worker);
      const read = envNamesRead((e) => workerConfigFromEnv(e));
      const given = Object.keys(env);
      // SANDBOX_PORT only shapes the default EAS URL outside production; NODE_ENV=production comes from the Dockerfile.
      const missing = [...read].filter((n) => !given.includes(n) && n !== 'SANDBOX_PORT' && n !== 'NODE_ENV');
      const unknown = given.filter((n) => !read.has(n));
      if (missing.length) {
        throw new Error(
          `worker/config.ts reads ${missing.join(', ')}, but docker-compose.yml does not pass ${missing.length > 1 ? 'them' : 'it'} ` +
            `to the worker: add "- NAME" lines (value from the shell) under services.worker.environment`,
        );
      }
      if (unknown.length) {
        throw new Error(`docker-compose.yml gives the worker ${unknown.join(', ')}, which worker/config.ts does not read (a typo, or a setting that was renamed?)`);
      }

      expect(env).toMatchObject({
        TEMPORAL_ADDRESS: 'temporal:7233',
        TEMPORAL_NAMESPACE: CLUSTER.namespace,
        TEMPORAL_TASK_QUEUE: TASK_QUEUE_DEFAULT,
        DATA_DIR: '/data',
      });
      // no sandbox default for the gateway: with nothing from the shell the production worker refuses, naming it all
      expect(() => workerConfigFromEnv({ ...(env as NodeJS.ProcessEnv), NODE_ENV: 'production' })).toThrow(
        /refusing to start with NODE_ENV=production: the EAS gateway is not set: EAS_BASE_URL, EAS_AUTH_URL; no credentials source/,
      );
      expect(DOTENV.WORKER_TASK_QUEUE).toBe(TASK_QUEUE_DEFAULT);
      expect(volumesOf(svc.worker)).toEqual([{ source: 'worker-data', target: '/data' }]);
      expect(svc.worker.build?.context ?? svc.worker.build).toBe(ROOT);
      expect(svc.worker.container_name).toBeUndefined();

      // secrets: no value in the file; unset in the shell → unset in the container; set → passed through
      const raw = readFileSync(COMPOSE_FILE, 'utf8');
      for (const name of SECRETS) {
        expect(raw).not.toMatch(new RegExp(`^\\s*-?\\s*${name}\\s*[:=]\\s*\\S`, 'm'));
        expect(env[name] ?? null).toBeNull();
      }
      const shell = Object.fromEntries(SECRETS.map((n) => [n, `shell-${n.toLowerCase()}`]));
      const withShell = envOf(composeConfig(tool, { ...shell, EAS_BASE_URL: 'https://eas.example.test' }).config.services.worker);
      expect(withShell).toMatchObject({ ...shell, EAS_BASE_URL: 'https://eas.example.test' });
    });

    test('the sandbox service runs the same image; sandbox/compose-tryout.env points the worker at it with the sandbox user', () => {
      expect(svc.sandbox.image).toBe(svc.worker.image);
      expect(svc.sandbox.command).toEqual(['node', 'dist/sandbox/main.js']);
      expect(envOf(svc.sandbox)).toEqual({ SANDBOX_HOST: '0.0.0.0', SANDBOX_PORT: '4010', SANDBOX_SESSIONS: 'all' });
      const tryout = parseEnvFile(readFileSync(join(ROOT, 'sandbox', 'compose-tryout.env'), 'utf8'));
      expect(tryout).toEqual({ ...sandboxEasEnv(`http://sandbox:${envOf(svc.sandbox).SANDBOX_PORT}`), GSTIN_CHECKSUM: 'off' });
      const resolvedEnv = envOf(composeConfig(tool, tryout).config.services.worker);
      const worker = Object.fromEntries(Object.entries(resolvedEnv).filter(([, v]) => v !== null)) as NodeJS.ProcessEnv;
      expect(worker).toMatchObject(tryout);
      expect(workerConfigFromEnv({ ...worker, NODE_ENV: 'production' }).eas.baseUrl).toBe('http://sandbox:4010');
    });

    test('the codec server (profile codec) runs the same image with the worker’s keys from the shell, for the UI’s origin', () => {
      const codec = svc['codec-server'];
      expect(codec.image).toBe(svc.worker.image);
      expect(codec.command).toEqual(['node', 'dist/temporal/codec-main.js']);
      expect(envOf(codec)).toEqual({
        CODEC_HOST: '0.0.0.0',
        CODEC_PORT: '8888',
        CODEC_CORS_ORIGINS: `http://127.0.0.1:${DOTENV.CLUSTER_UI_PORT},http://localhost:${DOTENV.CLUSTER_UI_PORT}`,
        GST_PAYLOAD_KEYS: null,
        CODEC_TOKEN: null,
      });
      expect(portsOf(codec)).toEqual([`127.0.0.1:${DOTENV.CODEC_PORT}:8888`]);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Dockerfile (no docker-compose needed)
// ---------------------------------------------------------------------------------------------

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const froms = text
    .split('\n')
    .filter((l) => /^FROM\s/i.test(l)).map((l) => l.split(/\s+/));

  test('every stage is on a Debian-based Node 20 image (not Alpine: the SDK’s native bridge needs glibc)', () => {
    const stages = new Set(froms.map((f) => (f[2]?.toUpperCase() === 'AS' ? f[3] : undefined)).filter(Boolean));
    const bases = froms.map((f) => f[1]).filter((b) => !stages.has(b));
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) {
      expect(base).toMatch(/^node:20(\.\d+){0,2}-(bookworm|bullseye|trixie)(-slim)?$/);
      expect(base).not.toMatch(/alpine/i);
    }
  });

  test('npm ci + npm run build, then a production stage that runs the worker as a non-root user with a data volume', () => {
    const build = text.slice(0, text.lastIndexOf('\nFROM '));
    expect(build).toMatch(/^RUN npm ci(?! .*--omit=dev)/m);
    expect(build).toMatch(/^RUN npm run build$/m);
    const last = text.slice(text.lastIndexOf('\nFROM '));
    expect(last).toMatch(/NODE_ENV=production/);
    expect(last).toMatch(/npm ci --omit=dev|COPY --from=\S+ \/app\/node_modules/);
    expect(last).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    const user = /^USER\s+(\S+)/m.exec(last)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(last).toMatch(/^CMD \["node", "dist\/worker\/main\.js"\]$/m);
    const dataDir = /DATA_DIR=(\S+)/.exec(last)?.[1];
    expect(dataDir).toBe('/data');
    // the process environment the worker needs before it starts, as worker/process-env.ts names it
    for (const [k, v] of Object.entries(WORKER_PROCESS_ENV)) expect(last).toMatch(new RegExp(`\\b${k}=${v}\\b`));
    expect(last).toMatch(new RegExp(`^VOLUME \\["${dataDir}"\\]$`, 'm'));
  });

  test('.dockerignore keeps host builds, caches, data and .env out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.temporal', 'data', '.env', '.git']) expect(ignored).toContain(entry);
  });
});

// ---------------------------------------------------------------------------------------------
// docs/operations.md (no docker-compose needed)
// ---------------------------------------------------------------------------------------------

describe('docs/operations.md', () => {
  const docs = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');

  test('shows the exact search-attribute command for the code’s list', () => {
    expect(docs).toContain(searchAttributeCreateCommand(CLUSTER.namespace));
  });

  test('names every WORKER_* / GST_* setting the worker reads, and no other', () => {
    // the worker's settings plus where it takes its workflows from (worker/bundle.ts)
    const readers = (e: NodeJS.ProcessEnv) => {
      workerConfigFromEnv(e);
      workflowSourceFromEnv(e, __filename);
    };
    const read = [...envNamesRead(readers)].filter((n) => /^(WORKER|GST)_/.test(n)).sort();
    const named = [...new Set(docs.match(/\b(WORKER|GST)_[A-Z_]+\b/g) ?? [])].sort();
    expect(named).toEqual(read);
  });
});
