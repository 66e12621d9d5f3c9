/**
 * Picks the store from STORE_URL: `file:///abs/path` or a plain path = the file store; `s3://bucket/prefix` = an
 * S3-compatible store, configured by S3_ENDPOINT (e.g. http://127.0.0.1:9000 for MinIO/moto; unset = AWS),
 * S3_REGION (else AWS_REGION, else us-east-1), S3_FORCE_PATH_STYLE=true (most self-hosted servers) and the usual
 * AWS credential variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, …, read by the SDK itself).
 * Without STORE_URL, DATA_DIR (default ./data) is the file store's root, as before.
 */
import { fileURLToPath } from 'node:url';
import { FileStore } from './file-store';
import { S3Store } from './s3-store';
import type { Store } from './store';

export class StoreUrlError extends Error {}

export function describeStore(env: NodeJS.ProcessEnv = process.env): string {
  return env.STORE_URL || env.DATA_DIR || './data';
}

export function storeFromEnv(env: NodeJS.ProcessEnv = process.env): Store {
  const url = env.STORE_URL;
  if (!url) return new FileStore(env.DATA_DIR ?? './data');
  if (url.startsWith('file:')) return new FileStore(fileURLToPath(url));
  if (url.startsWith('s3://')) return s3StoreFromUrl(url, env);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new StoreUrlError(`STORE_URL must be file:///path, a plain path or s3://bucket/prefix, not ${url}`);
  return new FileStore(url);
}

export function s3StoreFromUrl(url: string, env: NodeJS.ProcessEnv = process.env): S3Store {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new StoreUrlError(`STORE_URL ${url}: expected s3://bucket[/prefix] with a valid bucket name`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  const force = (env.S3_FORCE_PATH_STYLE ?? '').toLowerCase();
  if (force && !['true', 'false', '1', '0'].includes(force)) throw new StoreUrlError('S3_FORCE_PATH_STYLE must be true or false');
  return new S3Store({
    bucket: m[1]!,
    prefix: prefix ? `${prefix}/` : '',
    client: {
      region: env.S3_REGION || env.AWS_REGION || 'us-east-1',
      ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
      forcePathStyle: force === 'true' || force === '1',
      // From the env handed in (tests, tools); otherwise the SDK's own chain reads process.env, profiles, roles…
      ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? {
            credentials: {
              accessKeyId: env.AWS_ACCESS_KEY_ID,
              secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
              ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
            },
          }
        : {}),
    },
  });
}
