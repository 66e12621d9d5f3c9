/**
 * TLS on the cluster's frontend (optional): with CLUSTER_TLS_CERT set, the server's frontend speaks only TLS and
 * requires a client certificate signed by CLUSTER_TLS_CA (mTLS). The files are PEM paths:
 *
 *   CLUSTER_TLS_CA            CA of the server's and the clients' certificates
 *   CLUSTER_TLS_CERT, _KEY    the frontend's certificate and key
 *   CLUSTER_TLS_SERVER_NAME   the name in the frontend's certificate (what clients verify)
 *   CLUSTER_TLS_CLIENT_CERT, CLUSTER_TLS_CLIENT_KEY
 *                             the client certificate the server's own system worker and this script use
 *
 * deploy/temporal/config/cluster.yaml turns them into `global.tls`; workers and the CLI connect with the
 * TEMPORAL_TLS_* variables of temporal/connection.ts.
 */
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';

export interface ClusterTls {
  ca: string;
  cert: string;
  key: string;
  serverName: string;
  clientCert: string;
  clientKey: string;
}

const NAMES = {
  ca: 'CLUSTER_TLS_CA',
  cert: 'CLUSTER_TLS_CERT',
  key: 'CLUSTER_TLS_KEY',
  serverName: 'CLUSTER_TLS_SERVER_NAME',
  clientCert: 'CLUSTER_TLS_CLIENT_CERT',
  clientKey: 'CLUSTER_TLS_CLIENT_KEY',
} as const;

/** The TLS settings among `values` (CLUSTER_* from .env and the environment); undefined when CLUSTER_TLS_CERT is unset. */
export function clusterTlsFrom(values: Record<string, string | undefined>): ClusterTls | undefined {
  if (!values.CLUSTER_TLS_CERT) return undefined;
  const missing = Object.values(NAMES).filter((n) => !values[n]);
  if (missing.length) throw new Error(`TLS on the cluster's frontend needs ${missing.join(', ')} as well as CLUSTER_TLS_CERT`);
  return Object.fromEntries(Object.entries(NAMES).map(([k, n]) => [k, values[n]])) as unknown as ClusterTls;
}

/** The variables the server's config template reads for TLS (none when TLS is off). */
export function clusterTlsEnv(tls: ClusterTls | undefined): Record<string, string> {
  return tls ? Object.fromEntries(Object.entries(NAMES).map(([k, n]) => [n, tls[k as keyof ClusterTls]])) : {};
}

/** What this script's own connections need: the CA, the server name and the client certificate. */
export function clusterClientTls(tls: ClusterTls | undefined): TLSConfig | undefined {
  if (!tls) return undefined;
  return {
    serverRootCACertificate: readFileSync(tls.ca),
    serverNameOverride: tls.serverName,
    clientCertPair: { crt: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) },
  };
}
