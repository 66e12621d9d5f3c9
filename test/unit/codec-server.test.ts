/** The codec server over HTTP: Temporal's /decode and /encode protocol, CORS for the Web UI, the bearer token. */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmCodec, parsePayloadKeys } from '../../temporal/codec';
import { startCodecServer, type CodecServer } from '../../temporal/codec-server';

const codec = new AesGcmCodec(parsePayloadKeys(`k1:${randomBytes(32).toString('base64')}`));
const UI = 'http://127.0.0.1:8233';
const TOKEN = 'codec-test-token';
let open: CodecServer;
let guarded: CodecServer;

beforeAll(async () => {
  open = await startCodecServer({ codec, corsOrigins: [UI] });
  guarded = await startCodecServer({ codec, corsOrigins: [UI], token: TOKEN });
});
afterAll(async () => {
  await open?.close();
  await guarded?.close();
});

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const wire = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
  data: b64(p.data ?? new Uint8Array()),
});
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body: JSON.stringify(body) });

test('/decode answers the plain payload of what the worker encrypted; /encode round-trips', async () => {
  const value = { gstin: '29HJKPS9689A8Z4', retPeriod: '082023' };
  const [enc] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
  const r = await post(`${open.url}/decode`, { payloads: [wire(enc)] });
  expect(r.status).toBe(200);
  const { payloads } = (await r.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
  expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
  expect(JSON.parse(Buffer.from(payloads[0].data, 'base64').toString())).toEqual(value);

  const e = await post(`${open.url}/encode`, { payloads });
  const encoded = ((await e.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> }).payloads[0];
  expect(Buffer.from(encoded.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
  expect(Buffer.from(encoded.data, 'base64').toString()).not.toContain('29HJKPS9689A8Z4');
  const back = await post(`${open.url}/decode`, { payloads: [encoded] });
  expect(JSON.parse(Buffer.from(((await back.json()) as { payloads: Array<{ data: string }> }).payloads[0].data, 'base64').toString())).toEqual(value);
});

test('CORS: the Web UI origin gets a preflight answer and allow-origin; another origin gets none', async () => {
  const pre = await fetch(`${open.url}/decode`, {
    method: 'OPTIONS',
    headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
  });
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-origin')).toBe(UI);
  expect(pre.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
  const other = await post(`${open.url}/decode`, { payloads: [] }, { origin: 'http://evil.example' });
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
});

test('bearer token: missing or wrong → 401, right → 200; preflight needs none', async () => {
  const [enc] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
  expect((await post(`${guarded.url}/decode`, { payloads: [wire(enc)] })).status).toBe(401);
  expect((await post(`${guarded.url}/decode`, { payloads: [wire(enc)] }, { authorization: 'Bearer nope' })).status).toBe(401);
  expect((await post(`${guarded.url}/decode`, { payloads: [wire(enc)] }, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  expect((await fetch(`${guarded.url}/decode`, { method: 'OPTIONS', headers: { origin: UI } })).status).toBe(204);
});

test('bad requests are 4xx with a reason, not a crash', async () => {
  expect((await fetch(`${open.url}/decode`)).status).toBe(405);
  expect((await post(`${open.url}/other`, {})).status).toBe(404);
  const notJson = await fetch(`${open.url}/decode`, { method: 'POST', body: '{' });
  expect(notJson.status).toBe(400);
  expect((await post(`${open.url}/decode`, { nope: 1 })).status).toBe(400);
  const foreign = new AesGcmCodec(parsePayloadKeys(`other:${randomBytes(32).toString('base64')}`));
  const [enc] = await foreign.encode([defaultPayloadConverter.toPayload('x')]);
  const r = await post(`${open.url}/decode`, { payloads: [wire(enc)] });
  expect(r.status).toBe(400);
  expect(((await r.json()) as { error: string }).error).toMatch(/key id "other"/);
});
