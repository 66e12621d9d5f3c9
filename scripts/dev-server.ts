/**
 * The Temporal CLI dev server (`temporal server start-dev`) on free or given ports, with our search attributes and
 * dynamic config, supervised as a child process (supervise.ts) until its frontend answers.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { ensureTemporalBinary } from './temporal-cli';
import { checkFrontend, searchAttributeArgs } from './temporal-frontend';
import { envWithout, errorText, indent, startChild, waitFor, type Logger } from './supervise';

export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_READY_TIMEOUT_MS = 60_000;
export const DEFAULT_STOP_GRACE_MS = 10_000;

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

export interface DevServerOptions {
  /** Frontend gRPC port; a free one when not given. */
  port?: number;
  /** Web UI port; a free one when not given (ignored when headless). */
  uiPort?: number;
  /** The codec server the Web UI decodes payloads with (`--ui-codec-endpoint`), when payload encryption is on. */
  uiCodecEndpoint?: string;
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

/** The full argument list for `temporal`, exported for tests and docs. */
export function devServerArgs(o: {
  ip: string;
  port: number;
  uiPort?: number;
  headless: boolean;
  uiCodecEndpoint?: string;
  dbFile?: string;
  namespace: string;
  dynamicConfig?: Record<string, unknown>;
  logLevel: string;
}): string[] {
  const args = ['server', 'start-dev', '--ip', o.ip, '--port', String(o.port)];
  if (o.headless) args.push('--headless');
  else if (o.uiPort !== undefined) args.push('--ui-port', String(o.uiPort));
  if (!o.headless && o.uiCodecEndpoint) args.push('--ui-codec-endpoint', o.uiCodecEndpoint);
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  args.push('--namespace', o.namespace);
  args.push(...searchAttributeArgs());
  for (const [key, value] of Object.entries(o.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  args.push('--log-level', o.logLevel);
  return args;
}

/**
 * Starts `temporal server start-dev` and resolves once its frontend answers RPCs for the namespace.
 * Registers every custom search attribute and the given dynamic config.
 */
/**
 * Task queue priority and fairness (a sync's children at priority 4 behind downloads started by hand, one fairness
 * key per GSTIN). Server 1.29.1 applies neither unless these are on: measured with `npm run bench -- priority`
 * (bench/README.md). `npm start` sets them; deploy/temporal/dynamicconfig/cluster.yaml carries the same two keys.
 */
export const PRIORITY_DYNAMIC_CONFIG: Record<string, unknown> = {
  'matching.useNewMatcher': true,
  'matching.enableFairness': true,
};

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
    uiCodecEndpoint: opts.uiCodecEndpoint,
    dbFile: opts.dbFile,
    namespace,
    dynamicConfig: opts.dynamicConfig,
    logLevel: opts.logLevel ?? 'warn',
  });
  const address = `${ip}:${port}`;
  const started = Date.now();
  // The server does not get our TEMPORAL_* client settings, which are not meant for it.
  const child = startChild(binary, args, { env: envWithout('TEMPORAL_'), detached: opts.detached ?? false, onLine: opts.onLog, keepLines: 40 });
  const stop = () => child.stop(opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);

  const describe = () => `\n  command: ${binary} ${args.join(' ')}\n  last server output:\n${indent(child.output() || '(none)')}`;
  const ended = (): Error | undefined => {
    const spawnError = child.spawnError();
    const exit = child.exit();
    if (!spawnError && !exit) return undefined;
    const how = spawnError ? `could not be started: ${spawnError.message}` : `exited early (code ${exit?.code}, signal ${exit?.signal})`;
    return new Error(`Temporal dev server ${how}${describe()}`);
  };
  try {
    // Each probe races the process exiting, so a server that dies is reported at once.
    await waitFor(() => checkFrontend(address, namespace, 2_000).then(() => true), {
      timeoutMs: opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      failIf: ended,
      interrupt: child.exited,
      timeoutError: (last) =>
        new Error(
          `Temporal dev server at ${address} did not answer within ${Math.round((Date.now() - started) / 1000)} s ` +
            `(last error: ${errorText(last)})${describe()}`,
        ),
    });
  } catch (err) {
    await stop();
    throw err;
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
