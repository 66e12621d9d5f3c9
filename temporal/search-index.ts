/**
 * What is indexed as `GstGstin`. Search attributes are NOT encrypted by a payload codec: Temporal indexes them in
 * clear. With GST_GSTIN_INDEX_KEY (base64 of at least 16 bytes) set on the worker AND every client, `GstGstin`
 * holds `hmac-` + 32 hex characters of HMAC-SHA256(key, GSTIN) instead of the GSTIN: the list can still be
 * filtered by GSTIN (clients compute the same value), but the index does not name the taxpayer.
 * Unset = the GSTIN itself (as before).
 */
import { createHmac } from 'node:crypto';

export const GSTIN_INDEX_KEY_VAR = 'GST_GSTIN_INDEX_KEY';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export type GstinIndex = (gstin: string) => string;

/** The GSTIN itself (no key). */
export const plainGstinIndex: GstinIndex = (gstin) => gstin;

export function hmacGstinIndex(key: Buffer): GstinIndex {
  return (gstin) => `hmac-${createHmac('sha256', key).update(gstin.toUpperCase()).digest('hex').slice(0, 32)}`;
}

/** From GST_GSTIN_INDEX_KEY; an unusable key is an error naming the variable (never the key). */
export function gstinIndexFromEnv(env: NodeJS.ProcessEnv = process.env): GstinIndex {
  const v = env[GSTIN_INDEX_KEY_VAR]?.trim();
  if (!v) return plainGstinIndex;
  const key = BASE64.test(v) ? Buffer.from(v, 'base64') : Buffer.alloc(0);
  if (key.length < 16) throw new Error(`${GSTIN_INDEX_KEY_VAR} must be base64 of at least 16 bytes (e.g. \`openssl rand -base64 32\`)`);
  return hmacGstinIndex(key);
}
