/** Refuse to start wrong: a production worker names what it lacks instead of falling back to the sandbox. */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, workerConfigFromEnv } from '../../worker/config';

const READY = {
  NODE_ENV: 'production',
  EAS_BASE_URL: 'https://eas.example',
  EAS_AUTH_URL: 'https://auth.example',
  EAS_EMAIL: 'ops@example.com',
  EAS_PASSWORD: 'pw',
  GSTN_USERNAME: 'gstn.user',
};
const without = (...names: string[]) => Object.fromEntries(Object.entries(READY).filter(([k]) => !names.includes(k)));
const refusal = (env: NodeJS.ProcessEnv) => {
  try {
    workerConfigFromEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('the worker config was accepted');
};

test('production with gateway and single-tenant credentials starts; none of them defaults to the sandbox', () => {
  const c = workerConfigFromEnv(READY);
  expect(c.eas).toMatchObject({ baseUrl: 'https://eas.example', authUrl: 'https://auth.example', email: 'ops@example.com', gstnUsername: 'gstn.user' });
});

test('production with a credentials file instead of EAS_EMAIL/EAS_PASSWORD/GSTN_USERNAME starts', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'gst-prod-')), 'gst.json');
  writeFileSync(file, JSON.stringify({ tenants: { acme: { eas: { email: 'ops@acme.in', password: 'pw' }, gstins: { '27AAPFU0939F1ZV': 'acme.mh' } } } }));
  chmodSync(file, 0o600);
  const c = workerConfigFromEnv({ ...without('EAS_EMAIL', 'EAS_PASSWORD', 'GSTN_USERNAME'), GST_CREDENTIALS_FILE: file });
  expect(c.credentials?.source.kind).toBe('file');
});

test('production with GSTN_USERNAMES (per GSTIN) instead of GSTN_USERNAME starts', () => {
  const c = workerConfigFromEnv({ ...without('GSTN_USERNAME'), GSTN_USERNAMES: '27AAPFU0939F1ZV=acme.mh' });
  expect(c.credentials?.source).toEqual({ kind: 'env', detail: 'EAS_EMAIL ops@example.com, 1 GSTIN(s) in GSTN_USERNAMES' });
});

test('production with nothing names the gateway and both ways to give credentials', () => {
  expect(refusal({ NODE_ENV: 'production' })).toBe(
    'refusing to start with NODE_ENV=production: the EAS gateway is not set: EAS_BASE_URL, EAS_AUTH_URL; ' +
      'no credentials source: set GST_CREDENTIALS_FILE, or EAS_EMAIL + EAS_PASSWORD + GSTN_USERNAME (or GSTN_USERNAMES)',
  );
});

test.each([
  [['EAS_BASE_URL'], /the EAS gateway is not set: EAS_BASE_URL$/],
  [['EAS_AUTH_URL'], /the EAS gateway is not set: EAS_AUTH_URL$/],
  [['EAS_PASSWORD'], /single-tenant settings is incomplete: EAS_PASSWORD missing$/],
  [['EAS_EMAIL', 'GSTN_USERNAME'], /incomplete: EAS_EMAIL, GSTN_USERNAME missing$/],
])('production without %j names exactly that', (names, message) => {
  expect(refusal(without(...names))).toMatch(message);
});

test('an empty value counts as missing', () => {
  expect(refusal({ ...READY, EAS_PASSWORD: '' })).toMatch(/EAS_PASSWORD missing/);
});

test('outside production nothing is required, and there are no default credentials (sandbox/ holds them)', () => {
  const c = workerConfigFromEnv({});
  expect(c.eas).toMatchObject({ email: '', password: '', gstnUsername: '' });
  expect(c.eas.baseUrl).toBe('http://127.0.0.1:4010');
});

const MAIN = join(__dirname, '..', '..', 'dist', 'worker', 'main.js');
(existsSync(MAIN) ? test : test.skip)('the worker process exits 1 with that line before connecting anywhere (dist/worker/main.js)', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|EAS_|GST_|GSTN_|NODE_ENV)/.test(k)));
  const r = spawnSync(process.execPath, [MAIN], { env: { ...env, NODE_ENV: 'production', EAS_BASE_URL: 'https://eas.example' }, encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(1);
  expect(r.stderr.trim()).toBe(
    'gst-download-worker: refusing to start with NODE_ENV=production: the EAS gateway is not set: EAS_AUTH_URL; ' +
      'no credentials source: set GST_CREDENTIALS_FILE, or EAS_EMAIL + EAS_PASSWORD + GSTN_USERNAME (or GSTN_USERNAMES)',
  );
  expect(r.stdout).not.toMatch(/serving/);
});
