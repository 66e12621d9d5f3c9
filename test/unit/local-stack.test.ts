/**
 * client/stack.ts: npm start publishes its settings per Temporal address; the CLI talking to that address
 * adopts those its own environment does not set (GSTIN check, task queue, DATA_DIR, sandbox).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { findStack, publishStack, withdrawStack, withStackDefaults, type LocalStack } from '../../client/stack';

let root: string;
beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), 'stack-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

const stack = (o: Partial<LocalStack> = {}): LocalStack => ({
  pid: process.pid, address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'gst-downloads', gstinChecksum: 'off',
  dataDir: '/srv/data', sandboxUrl: 'http://127.0.0.1:4010', ...o,
});

test('found at its address while its process runs; gone when withdrawn; another address finds nothing', () => {
  publishStack(stack(), root);
  expect(findStack('127.0.0.1:7233', root)).toEqual(stack());
  expect(findStack('127.0.0.1:7234', root)).toBeUndefined();
  withdrawStack('127.0.0.1:7233', root);
  expect(findStack('127.0.0.1:7233', root)).toBeUndefined();
});

test('a file left by an npm start that died is ignored', () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  publishStack(stack({ pid: Number(dead) }), root);
  expect(findStack('127.0.0.1:7233', root)).toBeUndefined();
});

test("the stack's settings fill what the environment leaves unset; the environment wins", () => {
  expect(withStackDefaults({ PATH: '/bin' }, stack())).toEqual({
    PATH: '/bin', TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 'gst-downloads', GSTIN_CHECKSUM: 'off', DATA_DIR: '/srv/data',
    EAS_BASE_URL: 'http://127.0.0.1:4010', EAS_AUTH_URL: 'http://127.0.0.1:4010',
  });
  const env = withStackDefaults({ GSTIN_CHECKSUM: 'strict', EAS_BASE_URL: 'https://eas.example' }, stack());
  expect(env).toMatchObject({ GSTIN_CHECKSUM: 'strict', EAS_BASE_URL: 'https://eas.example' });
  expect(env.EAS_AUTH_URL).toBeUndefined(); // a real gateway's auth URL is never pointed at the sandbox
  expect(withStackDefaults({ A: '1' }, undefined)).toEqual({ A: '1' });
});

test('with the sandbox, npm start publishes its test user for the CLI; a real gateway in the environment gets none of it', () => {
  const user = { email: 'sandbox@x.dev', password: 'sandbox-pw', gstnUsername: 'sandbox.u' };
  expect(withStackDefaults({}, stack({ sandboxUser: user }))).toMatchObject({
    EAS_BASE_URL: 'http://127.0.0.1:4010', EAS_EMAIL: 'sandbox@x.dev', EAS_PASSWORD: 'sandbox-pw', GSTN_USERNAME: 'sandbox.u',
  });
  const real = withStackDefaults({ EAS_BASE_URL: 'https://eas.example' }, stack({ sandboxUser: user }));
  expect([real.EAS_EMAIL, real.EAS_PASSWORD, real.GSTN_USERNAME]).toEqual([undefined, undefined, undefined]);
});
