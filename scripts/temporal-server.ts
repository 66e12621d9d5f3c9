/**
 * The ONE place that provisions a Temporal server, used by `npm start`, the jest global setup and CI.
 *
 * - TEMPORAL_ADDRESS set      → use that server, start nothing (`provisionTemporal`).
 * - otherwise                 → run the Temporal CLI dev server (`startDevServer`), whose binary is found by
 *                               `ensureTemporalBinary`: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the
 *                               project's cache `<repo>/.temporal/bin/temporal`, else built once with `go install`.
 *
 * The SDK's own `TestWorkflowEnvironment.createLocal` cannot be used here: it downloads its server (no internet)
 * and gives it only a few seconds to start, which is not enough on a small CI machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { cliTypeName, SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/** The Go module the dev server is built from. v1.6+ cannot be `go install`ed (replace directives). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_READY_TIMEOUT_MS = 60_000;
export const DEFAULT_STOP_GRACE_MS = 10_000;

export type Logger = (message: string) => void;

// ---------------------------------------------------------------------------------------------
// Repo root
// ---------------------------------------------------------------------------------------------

/**
 * The folder holding package.json, found by walking up from `from` (this file's folder by default). Works both for
 * the sources (`scripts/`) and the compiled code (`dist/scripts/`), and does not depend on the cwd.
 */
export function findRepoRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json found in ${from} or any folder above it`);
    dir = parent;
  }
}

/** Where the project caches the binary it builds: `<repo>/.temporal/bin/temporal` (git-ignored). */
export function cachedBinaryPath(root: string = findRepoRoot()): string {
  return join(root, '.temporal', 'bin', exeName('temporal'));
}

// ---------------------------------------------------------------------------------------------
// Finding / building the binary
// ---------------------------------------------------------------------------------------------

export type BinarySource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache';

export interface BinaryLookupOptions {
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Repo root holding `.temporal/`; defaults to `findRepoRoot()`. */
  root?: string;
}

/** Raised when no binary can be found or built; the message names the ways out. */
export class TemporalBinaryUnavailableError extends Error {
  override name = 'TemporalBinaryUnavailableError';
}

function exeName(name: string): string {
  return process.platform === 'win32' ? `${name}.exe` : name;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable `name` on the env's PATH, or undefined. */
export function whichOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, exeName(name));
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds the Temporal CLI without building anything, in this order: TEMPORAL_CLI_PATH, `temporal` on PATH, the
 * project's cache. Returns undefined when none exists. A TEMPORAL_CLI_PATH that does not point at an executable
 * file is an error (it is never silently skipped).
 */
export function findTemporalBinary(opts: BinaryLookupOptions = {}): { path: string; source: BinarySource } | undefined {
  const env = opts.env ?? process.env;
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    const path = resolve(explicit);
    if (!isExecutableFile(path)) {
      throw new TemporalBinaryUnavailableError(
        `TEMPORAL_CLI_PATH is set to "${explicit}", but that is not an executable file. ` +
          'Point it at a Temporal CLI binary (`temporal`), or unset it to use `temporal` on PATH or the project cache.',
      );
    }
    return { path, source: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = whichOnPath('temporal', env);
  if (onPath) return { path: onPath, source: 'PATH' };
  const cached = cachedBinaryPath(opts.root ?? findRepoRoot());
  if (isExecutableFile(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

function noBinaryMessage(cache: string, why: string): string {
  return [
    `No Temporal CLI found (${why}). Ways out:`,
    '  1. set TEMPORAL_ADDRESS=host:port to use a Temporal server that is already running (nothing is started);',
    '  2. set TEMPORAL_CLI_PATH=/path/to/temporal to use a Temporal CLI binary you already have;',
    `  3. install Go (https://go.dev/dl/) and re-run: the dev server is then built once into ${cache}`,
    `     (CGO_ENABLED=0 go install ${TEMPORAL_CLI_MODULE}).`,
  ].join('\n');
}

/**
 * Builds the Temporal CLI from its Go module into `<repo>/.temporal/bin` (always builds; see ensureTemporalBinary).
 * Streams go's output. The binary is built into a scratch folder and renamed into place, so an interrupted build
 * never leaves a half-written `temporal` behind. Returns the binary's path.
 */
export async function installTemporal(opts: BinaryLookupOptions & { log?: Logger } = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((m: string) => console.log(m));
  const target = cachedBinaryPath(opts.root ?? findRepoRoot());
  const go = whichOnPath('go', env) ?? (env.GOROOT ? join(env.GOROOT, 'bin', exeName('go')) : undefined);
  if (!go || !isExecutableFile(go)) throw new TemporalBinaryUnavailableError(noBinaryMessage(target, 'and no `go` on PATH to build one'));

  const binDir = dirname(target);
  const scratch = join(dirname(binDir), `bin.partial-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  log(
    'first run only: building the Temporal dev server from its Go module, takes a few minutes\n' +
      `  CGO_ENABLED=0 GOBIN=${binDir} go install ${TEMPORAL_CLI_MODULE}`,
  );
  const started = Date.now();
  try {
    const code = await new Promise<number | null>((resolvePromise, reject) => {
      const child = spawn(go, ['install', '-v', TEMPORAL_CLI_MODULE], {
        env: { ...env, CGO_ENABLED: '0', GOBIN: scratch },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (c) => resolvePromise(c));
    });
    if (code !== 0) throw new TemporalBinaryUnavailableError(`go install ${TEMPORAL_CLI_MODULE} failed with exit code ${code}`);
    mkdirSync(binDir, { recursive: true });
    renameSync(join(scratch, exeName('temporal')), target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  log(`built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
  return target;
}

/** The binary to run: found by findTemporalBinary, or built once by installTemporal. */
export async function ensureTemporalBinary(opts: BinaryLookupOptions & { log?: Logger } = {}): Promise<string> {
  const found = findTemporalBinary(opts);
  if (found) return found.path;
  return installTemporal(opts);
}

/** `temporal --version`, e.g. "temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)". */
export function temporalVersion(binary: string): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${binary} --version failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout.trim();
}

// ---------------------------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------------------------

/** A TCP port that was free on `host` a moment ago. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

function assertPortFree(port: number, host: string, what: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `${what} port ${host}:${port} is already in use (${err.code}). Is another dev server running? ` +
            `Stop it, or set TEMPORAL_ADDRESS=${host}:${port} to use it instead of starting a new one.`,
        ),
      ),
    );
    srv.listen(port, host, () => srv.close(() => resolvePromise()));
  });
}

// ---------------------------------------------------------------------------------------------
// Dev server
// ---------------------------------------------------------------------------------------------

export interface DevServerOptions {
  /** Frontend gRPC port; a free one when not given. */
  port?: number;
  /** Web UI port; a free one when not given (ignored when headless). */
  uiPort?: number;
  /** No Web UI. Default false. */
  headless?: boolean;
  /** SQLite file, so history survives restarts; in-memory when not given. Its folder is created. */
  dbFile?: string;
  /** Default "default" (always created by the dev server; another name is created as well). */
  namespace?: string;
  /** `--dynamic-config-value KEY=JSON` each. */
  dynamicConfig?: Record<string, unknown>;
  /** Server log level: debug | info | warn | error | never. Default warn. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** Bind address. Default 127.0.0.1. */
  ip?: string;
  /** The binary; default `ensureTemporalBinary()`. */
  binary?: string;
  /** How long to wait for the frontend to answer. Default 60 s. */
  readyTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace in stop(). Default 10 s. */
  stopGraceMs?: number;
  /**
   * Run the server in its own process group, so a terminal Ctrl-C reaches only us and we stop the server in order
   * (after the worker). Default false: a Ctrl-C on jest then also stops the server. Either way the server is
   * SIGKILLed if this process exits without calling stop().
   */
  detached?: boolean;
  /** Receives each line the server writes (stdout and stderr). Lines are kept for error messages regardless. */
  onLog?: Logger;
  /** Progress messages (e.g. the first-run build). Default console.log. */
  log?: Logger;
}

export interface TemporalServer {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  /** The Web UI, when one was started. */
  uiUrl?: string;
  /** Stops what this handle started (a no-op for a server given by TEMPORAL_ADDRESS). Idempotent. */
  stop(): Promise<void>;
}

export interface DevServer extends TemporalServer {
  pid: number;
  /** Time from spawn to the frontend answering, in ms. */
  readyMs: number;
}

/** `--search-attribute Name=Type` for every attribute in workflows/search-attributes.ts. */
export function searchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeName(key.type)}`]);
}

/** The full argument list for `temporal`, exported for tests and docs. */
export function devServerArgs(o: {
  ip: string;
  port: number;
  uiPort?: number;
  headless: boolean;
  dbFile?: string;
  namespace: string;
  dynamicConfig?: Record<string, unknown>;
  logLevel: string;
}): string[] {
  const args = ['server', 'start-dev', '--ip', o.ip, '--port', String(o.port)];
  if (o.headless) args.push('--headless');
  else if (o.uiPort !== undefined) args.push('--ui-port', String(o.uiPort));
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  args.push('--namespace', o.namespace);
  args.push(...searchAttributeArgs());
  for (const [key, value] of Object.entries(o.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  args.push('--log-level', o.logLevel);
  return args;
}

/** Keeps the last `max` lines of a stream, for error messages. */
class TailBuffer {
  private lines: string[] = [];
  private partial = '';
  constructor(
    private readonly max: number,
    private readonly onLine?: Logger,
  ) {}
  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }
  private add(line: string): void {
    if (!line.trim()) return;
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    this.onLine?.(line);
  }
  text(): string {
    if (this.partial) {
      this.add(this.partial);
      this.partial = '';
    }
    return this.lines.join('\n');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The environment for the server process: without TEMPORAL_* client settings, which are not meant for it. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TEMPORAL_')) env[k] = v;
  return env;
}

/**
 * Starts `temporal server start-dev` and resolves once its frontend answers RPCs for the namespace.
 * Registers every custom search attribute and the given dynamic config.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const headless = opts.headless ?? false;
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const binary = opts.binary ?? (await ensureTemporalBinary({ log: opts.log }));
  if (opts.port !== undefined) await assertPortFree(opts.port, ip, 'Temporal frontend');
  if (!headless && opts.uiPort !== undefined) await assertPortFree(opts.uiPort, ip, 'Temporal Web UI');
  const port = opts.port ?? (await freePort(ip));
  const uiPort = headless ? undefined : (opts.uiPort ?? (await freePort(ip)));
  if (opts.dbFile) mkdirSync(dirname(resolve(opts.dbFile)), { recursive: true });

  const args = devServerArgs({
    ip,
    port,
    uiPort,
    headless,
    dbFile: opts.dbFile,
    namespace,
    dynamicConfig: opts.dynamicConfig,
    logLevel: opts.logLevel ?? 'warn',
  });
  const address = `${ip}:${port}`;
  const output = new TailBuffer(40, opts.onLog);
  const started = Date.now();
  const child: ChildProcess = spawn(binary, args, {
    env: serverEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  child.stdout?.on('data', (c) => output.push(c));
  child.stderr?.on('data', (c) => output.push(c));

  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolveExit();
    });
    child.once('error', (err) => {
      spawnError = err;
      if (child.pid === undefined) {
        exit = { code: null, signal: null };
        resolveExit();
      }
    });
  });
  // If this process exits without stop() (crash, process.exit), do not leave a server behind.
  const killOnExit = () => {
    if (!exit) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (exit) return;
      child.kill('SIGTERM');
      const grace = opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
      const timedOut = await Promise.race([exited.then(() => false), sleep(grace).then(() => true)]);
      if (timedOut && !exit) {
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };

  const describe = () =>
    `\n  command: ${binary} ${args.join(' ')}\n  last server output:\n${indent(output.text() || '(none)')}`;
  const deadline = started + (opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  let lastError: unknown;
  for (;;) {
    if (exit || spawnError) {
      await stop();
      const how = spawnError
        ? `could not be started: ${spawnError.message}`
        : `exited early (code ${exit?.code}, signal ${exit?.signal})`;
      throw new Error(`Temporal dev server ${how}${describe()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `Temporal dev server at ${address} did not answer within ${Math.round((Date.now() - started) / 1000)} s ` +
          `(last error: ${errorText(lastError)})${describe()}`,
      );
    }
    // Race the probe against the process exiting, so a server that dies is reported at once.
    const probe = checkFrontend(address, namespace, 2_000).then(
      () => true,
      (err: unknown) => {
        lastError = err;
        return false;
      },
    );
    if (await Promise.race([probe, exited.then(() => false)])) break;
    if (!exit) await Promise.race([sleep(250), exited]);
  }

  return {
    address,
    namespace,
    uiUrl: uiPort !== undefined ? `http://${ip}:${uiPort}` : undefined,
    pid: child.pid!,
    readyMs: Date.now() - started,
    stop,
  };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Connects (getSystemInfo) and describes the namespace; throws if either fails. */
export async function checkFrontend(address: string, namespace: string, timeoutMs = 5_000): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
  try {
    await connection.withDeadline(Date.now() + timeoutMs, () =>
      connection.workflowService.describeNamespace({ namespace }),
    );
  } finally {
    await connection.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Search attributes on an existing server
// ---------------------------------------------------------------------------------------------

/** temporal.api.enums.v1.IndexedValueType, by SearchAttributeType. */
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

/**
 * Registers every custom search attribute of workflows/search-attributes.ts in `namespace` that is not there yet.
 * Attributes that already exist are left alone (and an already-exists race is ignored); an existing attribute with
 * a different type is an error. Returns the names it added.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = existing.customAttributes ?? {};
  const missing: Record<string, number> = {};
  for (const key of SEARCH_ATTRIBUTES) {
    const want = INDEXED_VALUE_TYPE[key.type];
    const have = custom[key.name];
    if (have === undefined || have === null) missing[key.name] = want;
    else if (Number(have) !== want) {
      throw new Error(
        `search attribute ${key.name} exists in namespace ${namespace} with another type (${have}); expected ${key.type}`,
      );
    }
  }
  const names = Object.keys(missing);
  if (names.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (err) {
    if ((err as { code?: number }).code !== 6 /* ALREADY_EXISTS */) throw err;
  }
  return names;
}

/** The `temporal operator search-attribute create` line for an operator, e.g. for Temporal Cloud docs. */
export function searchAttributeCreateCommand(namespace: string): string {
  const flags = SEARCH_ATTRIBUTES.map((k) => `--name ${k.name} --type ${cliTypeName(k.type)}`).join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${flags}`;
}

// ---------------------------------------------------------------------------------------------
// Entry point for npm start / tests / CI
// ---------------------------------------------------------------------------------------------

export interface ProvisionOptions extends DevServerOptions {
  /** Defaults to process.env: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE. */
  env?: NodeJS.ProcessEnv;
}

/**
 * TEMPORAL_ADDRESS set → that server (checked reachable, search attributes ensured; stop() is a no-op).
 * Otherwise → a dev server started with `opts`. The namespace is TEMPORAL_NAMESPACE, else opts.namespace, else
 * "default".
 */
export async function provisionTemporal(opts: ProvisionOptions = {}): Promise<TemporalServer> {
  const env = opts.env ?? process.env;
  const namespace = env.TEMPORAL_NAMESPACE || opts.namespace || DEFAULT_NAMESPACE;
  const address = env.TEMPORAL_ADDRESS;
  if (!address) return startDevServer({ ...opts, namespace });

  const log = opts.log ?? ((m: string) => console.log(m));
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: opts.readyTimeoutMs ?? 10_000 });
  } catch (err) {
    throw new Error(`TEMPORAL_ADDRESS=${address}: cannot reach a Temporal server there (${errorText(err)})`);
  }
  try {
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length) log(`registered search attributes in ${namespace} on ${address}: ${added.join(', ')}`);
  } catch (err) {
    // e.g. Temporal Cloud, where the operator service cannot add them: say how, and carry on.
    log(
      `warning: could not check/register search attributes on ${address} (${errorText(err)}); register them with\n` +
        `  ${searchAttributeCreateCommand(namespace)}`,
    );
  } finally {
    await connection.close();
  }
  return { address, namespace, stop: async () => {} };
}
