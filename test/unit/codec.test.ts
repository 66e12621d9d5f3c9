/** The AES-256-GCM payload codec: keys from GST_PAYLOAD_KEYS, ciphertext on the wire, rotation, tampering. */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmCodec, isEncrypted, parsePayloadKeys, payloadCodecFromEnv, PayloadKeyError } from '../../temporal/codec';

const b64 = () => randomBytes(32).toString('base64');
const K1 = b64();
const K2 = b64();
const SECRET = { gstin: '29HJKPS9689A8Z4', otp: '575757', note: 'GST data' };
const toPayload = (v: unknown): Payload => defaultPayloadConverter.toPayload(v);
const fromPayload = (p: Payload): unknown => defaultPayloadConverter.fromPayload(p);
const str = (u: Uint8Array | null | undefined) => Buffer.from(u ?? new Uint8Array()).toString('utf8');

describe('parsePayloadKeys', () => {
  test('reads <id>:<base64> entries in order; the first one encrypts', () => {
    const keys = parsePayloadKeys(`k2:${K2}, k1:${K1}`);
    expect(keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(keys[0].key).toEqual(Buffer.from(K2, 'base64'));
    expect(new AesGcmCodec(keys).encryptKeyId).toBe('k2');
  });

  test.each([
    ['empty', '', /GST_PAYLOAD_KEYS is empty/],
    ['no id', K1, /entry 1 must be <id>:<base64/],
    ['16-byte key', `k1:${randomBytes(16).toString('base64')}`, /key id "k1".*exactly 32 bytes/],
    ['not base64', `k1:not base64!`, /key id "k1".*exactly 32 bytes/],
    ['bad id', `bad id:${K1}`, /entry 1: key id must be/],
    ['duplicate id', `k1:${K1},k1:${K2}`, /key id "k1" appears twice/],
    ['trailing comma', `k1:${K1},`, /entry 2 must be/],
  ])('rejects %s, naming the entry and never the key', (_label, value, message) => {
    let err: unknown;
    try {
      parsePayloadKeys(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PayloadKeyError);
    expect((err as Error).message).toMatch(message);
    for (const k of [K1, K2]) expect((err as Error).message).not.toContain(k);
  });

  test('unset or blank GST_PAYLOAD_KEYS = no codec', () => {
    expect(payloadCodecFromEnv({})).toBeUndefined();
    expect(payloadCodecFromEnv({ GST_PAYLOAD_KEYS: '  ' })).toBeUndefined();
    expect(payloadCodecFromEnv({ GST_PAYLOAD_KEYS: `a:${K1}` })?.keyIds).toEqual(['a']);
  });
});

describe('AesGcmCodec', () => {
  const codec = new AesGcmCodec(parsePayloadKeys(`k1:${K1}`));

  test('the encoded payload is ciphertext naming its key; decoding gives back the exact payload', async () => {
    const plain = toPayload(SECRET);
    const [enc] = await codec.encode([plain]);
    expect(isEncrypted(enc)).toBe(true);
    expect(str(enc.metadata!['encryption-key-id'])).toBe('k1');
    expect(str(enc.metadata!['encryption-cipher'])).toBe('AES-256-GCM');
    const wire = `${JSON.stringify(enc)}${str(enc.data)}${Buffer.from(enc.data!).toString('base64')}`;
    for (const s of [SECRET.gstin, SECRET.otp, 'json/plain', 'GST data']) expect(wire).not.toContain(s);
    const [dec] = await codec.decode([enc]);
    expect(fromPayload(dec)).toEqual(SECRET);
    expect(str(dec.metadata!.encoding)).toBe('json/plain');
  });

  test('the same value encrypts differently each time (random IV)', async () => {
    const [a, b] = await codec.encode([toPayload(SECRET), toPayload(SECRET)]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  test('rotation: a new first key encrypts, payloads of the old key still decode; a dropped key is named', async () => {
    const [old] = await codec.encode([toPayload(SECRET)]);
    const rotated = new AesGcmCodec(parsePayloadKeys(`k2:${K2},k1:${K1}`));
    const [fresh] = await rotated.encode([toPayload(SECRET)]);
    expect(str(fresh.metadata!['encryption-key-id'])).toBe('k2');
    expect((await rotated.decode([old, fresh])).map(fromPayload)).toEqual([SECRET, SECRET]);
    const onlyNew = new AesGcmCodec(parsePayloadKeys(`k2:${K2}`));
    await expect(onlyNew.decode([old])).rejects.toThrow(/key id "k1", which GST_PAYLOAD_KEYS does not hold \(it holds k2\)/);
  });

  test('tampered ciphertext, a relabelled key id or a wrong key fail authentication', async () => {
    const [enc] = await codec.encode([toPayload(SECRET)]);
    const flipped = Buffer.from(enc.data!);
    flipped[20] ^= 1;
    await expect(codec.decode([{ ...enc, data: flipped }])).rejects.toThrow(/failed authentication/);
    const twoKeys = new AesGcmCodec(parsePayloadKeys(`k1:${K1},k2:${K1}`));
    const relabelled = { ...enc, metadata: { ...enc.metadata, 'encryption-key-id': Buffer.from('k2') } };
    await expect(twoKeys.decode([relabelled])).rejects.toThrow(/key id "k2".*failed authentication/);
    const wrongKey = new AesGcmCodec(parsePayloadKeys(`k1:${K2}`));
    await expect(wrongKey.decode([enc])).rejects.toThrow(/failed authentication/);
  });

  test('plain payloads (written before encryption was on) pass through decode', async () => {
    const plain = toPayload(SECRET);
    expect(await codec.decode([plain])).toEqual([plain]);
  });
});
