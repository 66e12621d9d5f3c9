/**
 * The client library's connection: the same settings as the worker's (temporal/connection.ts: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_TLS_*, TEMPORAL_API_KEY) and the same payload encryption (GST_PAYLOAD_KEYS), so a
 * client configured like the worker reads and writes what the worker does.
 *
 *   const { client, close } = await connectClient();            // from process.env
 *   await startGstr2bDownload(client, { gstin, retPeriod });
 */
import { Client, Connection, type DataConverter } from '@temporalio/client';
import { payloadCodecFromEnv } from '../temporal/codec';
import { connectOptions, temporalConnectionFromEnv, type ConnectionOverrides, type TemporalConnectionSettings } from '../temporal/connection';

export interface ConnectedClient {
  client: Client;
  connection: Connection;
  settings: TemporalConnectionSettings;
  close(): Promise<void>;
}

/** The data converter GST_PAYLOAD_KEYS asks for (undefined = the SDK's default, plain JSON). */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const codec = payloadCodecFromEnv(env);
  return codec && { payloadCodecs: [codec] };
}

export async function connectClient(
  env: NodeJS.ProcessEnv = process.env,
  opts: ConnectionOverrides & { connectTimeoutMs?: number } = {},
): Promise<ConnectedClient> {
  const settings = temporalConnectionFromEnv(env, opts);
  const dataConverter = dataConverterFromEnv(env);
  const connection = await Connection.connect({ ...connectOptions(settings), ...(opts.connectTimeoutMs && { connectTimeout: opts.connectTimeoutMs }) });
  const client = new Client({ connection, namespace: settings.namespace, ...(dataConverter && { dataConverter }) });
  return { client, connection, settings, close: () => connection.close() };
}
