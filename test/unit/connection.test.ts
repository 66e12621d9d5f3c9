/** Connection settings from the `temporal` CLI's variable names: TLS, mTLS, API key, and the errors naming them. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectOptions, describeConnection, temporalConnectionFromEnv } from '../../temporal/connection';

const dir = mkdtempSync(join(tmpdir(), 'gst-conn-'));
const PEM = (what: string) => `-----BEGIN ${what}-----\nMIIB\n-----END ${what}-----\n`;
const ca = join(dir, 'ca.pem');
const crt = join(dir, 'client.pem');
const key = join(dir, 'client.key');
writeFileSync(ca, PEM('CERTIFICATE'));
writeFileSync(crt, PEM('CERTIFICATE'));
writeFileSync(key, PEM('PRIVATE KEY'));
writeFileSync(join(dir, 'not.pem'), 'hello');

test('nothing set: the local dev server, plain TCP', () => {
  const s = temporalConnectionFromEnv({});
  expect(s).toEqual({ address: '127.0.0.1:7233', namespace: 'default' });
  expect(connectOptions(s)).toEqual({ address: '127.0.0.1:7233' });
  expect(describeConnection(s)).toEqual({ address: '127.0.0.1:7233', namespace: 'default', tls: 'off' });
});

test('mTLS: CA, server name, client cert and key are read from their files', () => {
  const s = temporalConnectionFromEnv({
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    TEMPORAL_NAMESPACE: 'gst',
    TEMPORAL_TLS_CA: ca,
    TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal',
    TEMPORAL_TLS_CERT: crt,
    TEMPORAL_TLS_KEY: key,
  });
  expect(s.address).toBe('temporal.internal:7233');
  expect(s.namespace).toBe('gst');
  expect(s.tls?.serverNameOverride).toBe('frontend.temporal');
  expect(Buffer.from(s.tls!.serverRootCACertificate!).toString()).toContain('BEGIN CERTIFICATE');
  expect(Buffer.from(s.tls!.clientCertPair!.key).toString()).toContain('BEGIN PRIVATE KEY');
  expect(describeConnection(s)).toEqual({ address: 'temporal.internal:7233', namespace: 'gst', tls: 'mTLS', tlsCa: 'custom', tlsServerName: 'frontend.temporal' });
});

test('API key (Temporal Cloud) implies TLS with the system CAs and is never described', () => {
  const s = temporalConnectionFromEnv({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key' });
  expect(connectOptions(s)).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'secret-key' });
  expect(JSON.stringify(describeConnection(s))).not.toContain('secret-key');
  expect(describeConnection(s)).toMatchObject({ tls: 'TLS', apiKey: 'set' });
  expect(temporalConnectionFromEnv({ TEMPORAL_TLS: 'true' }).tls).toEqual({});
});

test('PEM given inline (_DATA) works like a file', () => {
  const s = temporalConnectionFromEnv({ TEMPORAL_TLS_CERT_DATA: PEM('CERTIFICATE'), TEMPORAL_TLS_KEY_DATA: PEM('PRIVATE KEY') });
  expect(describeConnection(s).tls).toBe('mTLS');
});

test('flags override the environment', () => {
  expect(temporalConnectionFromEnv({ TEMPORAL_ADDRESS: 'a:1', TEMPORAL_NAMESPACE: 'x' }, { address: 'b:2', namespace: 'y' })).toMatchObject({ address: 'b:2', namespace: 'y' });
});

test.each([
  ['a cert without its key', { TEMPORAL_TLS_CERT: crt }, /needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY; only TEMPORAL_TLS_CERT/],
  ['a key without its cert', { TEMPORAL_TLS_KEY: key }, /only TEMPORAL_TLS_KEY is set/],
  ['a missing file', { TEMPORAL_TLS_CA: join(dir, 'nope.pem') }, /TEMPORAL_TLS_CA: cannot read ".*nope.pem" \(ENOENT\)/],
  ['a file that is not PEM', { TEMPORAL_TLS_CA: join(dir, 'not.pem') }, /TEMPORAL_TLS_CA: ".*not.pem" is not a PEM file/],
  ['both file and data', { TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_CA_DATA: PEM('CERTIFICATE') }, /set TEMPORAL_TLS_CA or TEMPORAL_TLS_CA_DATA, not both/],
  ['TLS off with an API key', { TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }, /TEMPORAL_TLS=false contradicts/],
  ['TEMPORAL_TLS not a boolean', { TEMPORAL_TLS: 'yes please' }, /TEMPORAL_TLS must be "true" or "false"/],
])('refuses %s, naming the variable', (_label, env, message) => {
  expect(() => temporalConnectionFromEnv(env)).toThrow(message);
});
