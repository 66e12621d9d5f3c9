/**
 * `npm run codec-server`: the codec server for the Web UI and the `temporal` CLI (`--codec-endpoint`).
 *
 *   GST_PAYLOAD_KEYS        the worker's keys (required)
 *   CODEC_HOST, CODEC_PORT  where it listens (default 127.0.0.1:8888)
 *   CODEC_CORS_ORIGINS      comma-separated Web UI origins (default http://127.0.0.1:8233,http://localhost:8233)
 *   CODEC_TOKEN             when set, callers must send `Authorization: Bearer <token>`
 */
import { payloadCodecFromEnv, PAYLOAD_KEYS_VAR } from './codec';
import { startCodecServer } from './codec-server';

export const CODEC_PORT_DEFAULT = 8888;
export const CORS_DEFAULT = ['http://127.0.0.1:8233', 'http://localhost:8233'];

async function main(): Promise<void> {
  const env = process.env;
  const codec = payloadCodecFromEnv(env);
  if (!codec) throw new Error(`${PAYLOAD_KEYS_VAR} is not set: the codec server needs the keys the worker encrypts with`);
  const port = Number(env.CODEC_PORT || CODEC_PORT_DEFAULT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`CODEC_PORT must be a port number, got "${env.CODEC_PORT}"`);
  const corsOrigins = env.CODEC_CORS_ORIGINS ? env.CODEC_CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean) : CORS_DEFAULT;
  const server = await startCodecServer({
    codec,
    port,
    host: env.CODEC_HOST || '127.0.0.1',
    corsOrigins,
    ...(env.CODEC_TOKEN && { token: env.CODEC_TOKEN }),
    log: (line) => console.log(`codec-server: ${line}`),
  });
  console.log(
    `codec-server: listening ${JSON.stringify({ url: server.url, keyIds: codec.keyIds, encryptsWith: codec.encryptKeyId, corsOrigins, token: env.CODEC_TOKEN ? 'required' : 'off' })}`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.close().then(() => process.exit(0)));
  }
}

main().catch((e) => {
  console.error(`codec-server: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
