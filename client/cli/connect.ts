/**
 * The CLI's Temporal connection: --address / TEMPORAL_ADDRESS (default 127.0.0.1:7233), --namespace /
 * TEMPORAL_NAMESPACE (default "default"), TLS / mTLS / API key and payload encryption from the same variables as
 * the worker (client/connection.ts). A server that does not answer is one readable line, not a stack.
 */
import type { Client } from '@temporalio/client';
import { connect as tcpConnect } from 'node:net';
import { connectClient } from '../connection';
import { ADDRESS_DEFAULT, str, type Parsed } from './args';
import { CliError, oneLine } from './errors';

export interface Connected {
  client: Client;
  address: string;
  close(): Promise<void>;
}

export async function connect(p: Parsed, env: NodeJS.ProcessEnv = process.env): Promise<Connected> {
  const address = str(p, 'address') ?? env.TEMPORAL_ADDRESS ?? ADDRESS_DEFAULT;
  const namespace = str(p, 'namespace');
  const refused = await probe(address);
  if (refused) throw new CliError(`cannot reach Temporal at ${address} (${refused}); set TEMPORAL_ADDRESS or --address`);
  try {
    const c = await connectClient(env, { address, ...(namespace && { namespace }), connectTimeoutMs: Number(env.TEMPORAL_CONNECT_TIMEOUT_MS ?? 5000) });
    return { client: c.client, address, close: c.close };
  } catch (e) {
    if (e instanceof Error && /^(ConnectionConfigError|PayloadKeyError)$/.test(e.name)) throw new CliError(e.message);
    throw new CliError(`cannot reach Temporal at ${address} (${oneLine(e)}); set TEMPORAL_ADDRESS or --address`);
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * A plain TCP connect first: a server that is not running is reported at once (gRPC would retry until its
 * deadline). Returns why the address refused, or undefined when it accepted or did not answer in time.
 */
function probe(address: string, timeoutMs = 3000): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(`tcp://${address}`);
  } catch {
    return Promise.resolve(`"${address}" is not host:port`);
  }
  const port = Number(url.port || 7233);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (why: string | undefined) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('connect', () => done(undefined));
    socket.once('error', (e: NodeJS.ErrnoException) => done(REASONS[e.code ?? ''] ?? e.code ?? e.message));
  });
}
