/**
 * How the worker, the client library and the CLI connect to Temporal: ONE reading of the environment, with the
 * names the `temporal` CLI uses, so one set of variables serves both tools:
 *
 *   TEMPORAL_ADDRESS            host:port (default 127.0.0.1:7233)
 *   TEMPORAL_NAMESPACE          namespace (default "default")
 *   TEMPORAL_TLS                "true" = TLS with the system's CAs (implied by any setting below)
 *   TEMPORAL_TLS_CA             PEM file of the CA that signed the server's certificate (or TEMPORAL_TLS_CA_DATA)
 *   TEMPORAL_TLS_SERVER_NAME    the name to verify the server's certificate against (SNI), when not the host
 *   TEMPORAL_TLS_CERT, _KEY     PEM files of the client certificate and its key: mTLS (or TEMPORAL_TLS_CERT_DATA,
 *                               TEMPORAL_TLS_KEY_DATA with the PEM itself)
 *   TEMPORAL_API_KEY            API key (Temporal Cloud); sent as a bearer token, over TLS
 *
 * The result feeds both `Connection.connect` (client) and `NativeConnection.connect` (worker). Files are read
 * here, once, so a wrong path is one line at start-up naming the variable.
 */
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';

export const ADDRESS_DEFAULT = '127.0.0.1:7233';
export const NAMESPACE_DEFAULT = 'default';

export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  /** undefined = plain TCP. */
  tls?: TLSConfig;
  apiKey?: string;
}

/** A connection setting that cannot be used; the message names the variable (never a key's contents). */
export class ConnectionConfigError extends Error {
  override readonly name = 'ConnectionConfigError';
}

function set(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** A PEM from `<NAME>` (a file path) or `<NAME>_DATA` (the PEM itself). */
function pem(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const file = set(env, name);
  const data = set(env, `${name}_DATA`);
  if (file && data) throw new ConnectionConfigError(`set ${name} or ${name}_DATA, not both`);
  if (data) return Buffer.from(data.replace(/\\n/g, '\n'));
  if (!file) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new ConnectionConfigError(`${name}: cannot read "${file}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!bytes.toString('utf8').includes('-----BEGIN ')) throw new ConnectionConfigError(`${name}: "${file}" is not a PEM file`);
  return bytes;
}

function bool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = set(env, name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConnectionConfigError(`${name} must be "true" or "false", got "${env[name]}"`);
}

export interface ConnectionOverrides {
  address?: string;
  namespace?: string;
}

/** Reads the settings above; `overrides` (CLI flags) win over the environment. */
export function temporalConnectionFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: ConnectionOverrides = {}): TemporalConnectionSettings {
  const address = overrides.address ?? set(env, 'TEMPORAL_ADDRESS') ?? ADDRESS_DEFAULT;
  const namespace = overrides.namespace ?? set(env, 'TEMPORAL_NAMESPACE') ?? NAMESPACE_DEFAULT;
  const ca = pem(env, 'TEMPORAL_TLS_CA');
  const crt = pem(env, 'TEMPORAL_TLS_CERT');
  const key = pem(env, 'TEMPORAL_TLS_KEY');
  const serverName = set(env, 'TEMPORAL_TLS_SERVER_NAME');
  const apiKey = set(env, 'TEMPORAL_API_KEY');
  if (!!crt !== !!key) {
    throw new ConnectionConfigError(`mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY; only ${crt ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY'} is set`);
  }
  const implied = !!(ca || crt || serverName || apiKey);
  const wanted = bool(env, 'TEMPORAL_TLS');
  if (wanted === false && implied) {
    throw new ConnectionConfigError('TEMPORAL_TLS=false contradicts the TLS settings or TEMPORAL_API_KEY that are set');
  }
  const tls: TLSConfig | undefined =
    wanted || implied
      ? {
          ...(ca && { serverRootCACertificate: ca }),
          ...(serverName && { serverNameOverride: serverName }),
          ...(crt && key && { clientCertPair: { crt, key } }),
        }
      : undefined;
  return { address, namespace, ...(tls && { tls }), ...(apiKey && { apiKey }) };
}

/** What `Connection.connect` / `NativeConnection.connect` take (both accept these three). */
export function connectOptions(s: TemporalConnectionSettings): { address: string; tls?: TLSConfig; apiKey?: string } {
  return { address: s.address, ...(s.tls && { tls: s.tls }), ...(s.apiKey && { apiKey: s.apiKey }) };
}

/** The settings without secrets, for a startup line: which kind of security, never a key. */
export function describeConnection(s: TemporalConnectionSettings): Record<string, unknown> {
  const tls = !s.tls ? 'off' : s.tls.clientCertPair ? 'mTLS' : 'TLS';
  return {
    address: s.address,
    namespace: s.namespace,
    tls,
    ...(s.tls?.serverRootCACertificate && { tlsCa: 'custom' }),
    ...(s.tls?.serverNameOverride && { tlsServerName: s.tls.serverNameOverride }),
    ...(s.apiKey && { apiKey: 'set' }),
  };
}
