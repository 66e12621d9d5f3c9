/** EasError → ApplicationFailure mapping through real HTTP: the types and retry flags the workflows branch on. */
import { MockActivityEnvironment } from '@temporalio/testing';
import { SANDBOX_USER } from '../../sandbox/user';
import type { DownloadLocation } from '../../store/store';
import { failure, listFolder, run, setup, type Env, mockEnv } from './helpers';

const GSTIN = '27AAPFU0939F1ZV';
const IRN = 'c3'.repeat(32);
const loc: DownloadLocation = { gstin: GSTIN, period: '2025-02-01', kind: 'irn' };

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(() => env.close());
afterEach(() => env.admin.reset());

test('a malformed GSTIN → EasRequestRefused, non-retryable, with the gateway code in message and details', async () => {
  const f = await failure(run(env.acts.fetchGstr2b, { gstin: '27-bad', retPeriod: '012024' }, { ...loc, kind: 'gstr2b', period: '012024' }));
  expect(f.type).toBe('EasRequestRefused');
  expect(f.nonRetryable).toBe(true);
  expect(f.message).toContain('err-invalid-gstin-format');
  expect(f.details?.[0]).toEqual({ kind: 'client', code: 'err-invalid-gstin-format', httpStatus: 400, gstnCode: null, route: 'gstr2b' });
});

test('a lapsed GSTN session → GstnSessionExpired (non-retryable); refreshGstnSession then revives it', async () => {
  await run(env.acts.fetchIrnDetails, GSTIN, IRN, loc);
  await env.admin.expireSessions([GSTIN]);
  const f = await failure(run(env.acts.fetchIrnDetails, GSTIN, IRN, loc));
  expect(f.type).toBe('GstnSessionExpired');
  expect(f.nonRetryable).toBe(true);
  expect(f.details?.[0]).toMatchObject({ kind: 'gstn-session', gstnCode: 'RET11402' });
  await run(env.acts.refreshGstnSession, GSTIN);
  const stored = await run(env.acts.fetchIrnDetails, GSTIN, IRN, loc);
  const truth = await env.admin.truth('irn', { irn: IRN });
  expect({ name: stored.name, sha256: stored.sha256, bytes: stored.bytes }).toEqual({
    name: truth.files[0]!.name,
    sha256: truth.files[0]!.sha256,
    bytes: truth.files[0]!.bytes,
  });
});

test('a session past its maximum age → refreshGstnSession fails GstnSessionEnded, non-retryable', async () => {
  const gstin = '33AABCT1332L1ZZ';
  await env.admin.openSessions([gstin]);
  await env.admin.endSessions([gstin]);
  const f = await failure(run(env.acts.refreshGstnSession, gstin));
  expect(f.type).toBe('GstnSessionEnded');
  expect(f.nonRetryable).toBe(true);
  expect(f.details?.[0]).toMatchObject({ kind: 'gstn-session-expired', gstnCode: 'AUTH4038' });
});

test('429 with Retry-After → EasTransient, retryable, nextRetryDelay from the header', async () => {
  await env.admin.addFaults({ route: 'irnDetails', kind: 'rateLimit', next: 1, retryAfterSeconds: 3 });
  const other = { ...loc, section: 'rate' };
  const f = await failure(run(env.acts.fetchIrnDetails, GSTIN, IRN, other));
  expect(f.type).toBe('EasTransient');
  expect(f.nonRetryable).toBe(false);
  expect(f.nextRetryDelay).toBe(3000);
  expect(await listFolder(env, other)).toEqual([]);
});

test('500, reset and truncated bodies → EasTransient, retryable, without nextRetryDelay', async () => {
  for (const kind of ['http500', 'reset', 'truncate'] as const) {
    await env.admin.addFaults({ route: 'irnDetails', kind, next: 1 });
    const f = await failure(run(env.acts.fetchIrnDetails, GSTIN, IRN, { ...loc, section: kind }));
    expect({ kind, type: f.type, nonRetryable: f.nonRetryable, delay: f.nextRetryDelay }).toEqual({
      kind,
      type: 'EasTransient',
      nonRetryable: false,
      delay: undefined,
    });
  }
});

test('an unknown task → EasNotFound, non-retryable', async () => {
  const f = await failure(run(env.acts.checkTask, 'no-such-task'));
  expect(f.type).toBe('EasNotFound');
  expect(f.nonRetryable).toBe(true);
});

test('failure messages and details carry no token or password', async () => {
  await env.admin.addFaults({ route: 'irnDetails', kind: 'http500', next: 1 });
  const f = await failure(mockEnv().run(env.acts.fetchIrnDetails, GSTIN, IRN, loc));
  const { token } = await env.eas.token();
  const text = JSON.stringify({ message: f.message, details: f.details });
  expect(text).not.toContain(token);
  expect(text).not.toContain(SANDBOX_USER.password);
});
