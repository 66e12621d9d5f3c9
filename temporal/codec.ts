/**
 * Payload encryption: an AES-256-GCM PayloadCodec with key ids.
 *
 * GST_PAYLOAD_KEYS = `<id>:<base64 of 32 bytes>[,<id>:<base64>…]`. The FIRST key encrypts; every key listed
 * decrypts (a payload names its key id in its metadata), so keys rotate without breaking running downloads: put the
 * new key first, keep the old ones until no open history holds a payload they encrypted.
 *
 * An encrypted payload: metadata `encoding` = `binary/encrypted`, `encryption-key-id` = the key id,
 * `encryption-cipher` = `AES-256-GCM`; data = 12-byte IV ‖ ciphertext ‖ 16-byte tag, where the plaintext is the
 * original Payload in its protobuf form (the layout of Temporal's encryption samples). The key id is bound to the
 * ciphertext as additional authenticated data, so a payload cannot be relabelled to another key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';
export const PAYLOAD_KEYS_VAR = 'GST_PAYLOAD_KEYS';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** A key setting that cannot be used. The message names the setting and the key id, never key material. */
export class PayloadKeyError extends Error {
  override readonly name = 'PayloadKeyError';
}

/** Parses GST_PAYLOAD_KEYS. Errors name the entry by position and id, never the key bytes. */
export function parsePayloadKeys(value: string, name = PAYLOAD_KEYS_VAR): PayloadKey[] {
  const entries = value.split(',').map((s) => s.trim());
  if (entries.every((e) => e === '')) throw new PayloadKeyError(`${name} is empty; expected <id>:<base64 of 32 bytes>[,…]`);
  const keys: PayloadKey[] = [];
  entries.forEach((entry, i) => {
    const where = `${name} entry ${i + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new PayloadKeyError(`${where} must be <id>:<base64 of 32 bytes>`);
    const id = entry.slice(0, colon).trim();
    const material = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) throw new PayloadKeyError(`${where}: key id must be 1-64 of A-Z a-z 0-9 . _ -`);
    const key = BASE64.test(material) ? Buffer.from(material, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) {
      throw new PayloadKeyError(`${where} (key id "${id}"): the key must be base64 of exactly ${KEY_BYTES} bytes (e.g. \`openssl rand -base64 32\`)`);
    }
    if (keys.some((k) => k.id === id)) throw new PayloadKeyError(`${name}: key id "${id}" appears twice`);
    keys.push({ id, key });
  });
  return keys;
}

const text = (s: string) => Buffer.from(s, 'utf8');
const meta = (p: Payload, key: string) => (p.metadata?.[key] ? Buffer.from(p.metadata[key]).toString('utf8') : undefined);

export function isEncrypted(p: Payload): boolean {
  return meta(p, 'encoding') === ENCRYPTED_ENCODING;
}

export class AesGcmCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  /** The key new payloads are encrypted with. */
  readonly encryptKeyId: string;

  constructor(keys: PayloadKey[]) {
    if (keys.length === 0) throw new PayloadKeyError('AesGcmCodec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    this.encryptKeyId = keys[0].id;
  }

  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.encryptKeyId;
    const key = this.byId.get(id)!;
    return payloads.map((p) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(text(id));
      const plain = temporal.api.common.v1.Payload.encode(p).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text(id), [CIPHER_METADATA]: text(CIPHER) },
        data,
      };
    });
  }

  /** Payloads that are not encrypted (written before the codec was turned on) pass through unchanged. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      if (!isEncrypted(p)) return p;
      const id = meta(p, KEY_ID_METADATA) ?? '';
      const key = this.byId.get(id);
      if (!key) throw new PayloadKeyError(`payload encrypted with key id "${id}", which ${PAYLOAD_KEYS_VAR} does not hold (it holds ${this.keyIds.join(', ')})`);
      const data = Buffer.from(p.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadKeyError(`encrypted payload (key id "${id}") is too short`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(text(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new PayloadKeyError(`encrypted payload (key id "${id}") failed authentication: wrong key or altered data`);
      }
      const inner = temporal.api.common.v1.Payload.decode(plain);
      return { metadata: { ...inner.metadata }, data: inner.data };
    });
  }
}

/** The codec GST_PAYLOAD_KEYS asks for, or undefined when it is unset or empty (payloads stay plain JSON). */
export function payloadCodecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmCodec | undefined {
  const v = env[PAYLOAD_KEYS_VAR];
  if (v === undefined || v.trim() === '') return undefined;
  return new AesGcmCodec(parsePayloadKeys(v));
}
