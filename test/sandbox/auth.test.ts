/** theodore login/refresh/logout and the EAS header checks, over HTTP. */
import { ERRORS, HEADERS, ROUTES, TOKEN_RULES } from '../../eas/contract';
import { SANDBOX_USER } from '../../sandbox/user';
import { call, eas, login, start, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(() => h.sandbox.close());

const loginBody = (extra: Record<string, unknown> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ handle: SANDBOX_USER.email, password: SANDBOX_USER.password, handleType: 'email', ...extra }),
});
const bearer = (method: string, token: string): RequestInit => ({ method, headers: { [HEADERS.authorization]: `Bearer ${token}` } });
const minutes = (n: number): number => n * 60_000;

/** Any authenticated EAS call: an unknown task's status (404 once the headers pass). */
const probe = (token: string, headers?: Record<string, string>) =>
  eas(h.url, token, ROUTES.taskStatus('no-such-task'), { headers });

describe('login', () => {
  it('answers the legacy envelope with token, expiry and the sandbox org', async () => {
    const clock = await h.admin.clock();
    const r = await call(`${h.url}${ROUTES.authTokens}`, loginBody({ tokenDurationInMins: 30 }));
    expect(r.status).toBe(200);
    expect(r.json.error).toBeUndefined();
    const d = r.json.data;
    expect(typeof d.token).toBe('string');
    expect(d.token.length).toBeGreaterThan(20);
    expect(d.email).toBe(SANDBOX_USER.email);
    expect(typeof d.userId).toBe('string');
    expect(d.expiry).toBeGreaterThanOrEqual(clock.now + minutes(30) - 1000);
    expect(d.expiry).toBeLessThanOrEqual(clock.now + minutes(30) + 5000);
    const org = d.associatedOrgs[0];
    expect(org.organisation).toMatchObject({ id: SANDBOX_USER.orgId, taxIdentifierType: 'PAN', country: 'IN' });
    expect(org.organisation.services).toContainEqual(expect.objectContaining({ serviceCode: 'eapi' }));
    expect(org.userAccessInfo).toEqual({ primary: true, admin: true });
  });

  it('defaults the duration to 20 minutes and clamps it to 360', async () => {
    const now = (await h.admin.clock()).now;
    const def = await call(`${h.url}${ROUTES.authTokens}`, loginBody());
    expect(def.json.data.expiry - now).toBeGreaterThanOrEqual(minutes(TOKEN_RULES.defaultDurationMins) - 1000);
    expect(def.json.data.expiry - now).toBeLessThan(minutes(TOKEN_RULES.defaultDurationMins) + 5000);
    const big = await call(`${h.url}${ROUTES.authTokens}`, loginBody({ tokenDurationInMins: 5000 }));
    expect(big.json.data.expiry - now).toBeLessThan(minutes(TOKEN_RULES.maxDurationMins) + 5000);
    expect(big.json.data.expiry - now).toBeGreaterThanOrEqual(minutes(TOKEN_RULES.maxDurationMins) - 1000);
  });

  it('rejects wrong credentials with 401 err-invalid-credentials', async () => {
    const r = await call(`${h.url}${ROUTES.authTokens}`, loginBody({ password: 'wrong' }));
    expect(r.status).toBe(401);
    expect(r.json.error).toMatchObject({ message: ERRORS.invalidCredentials.message, type: ERRORS.invalidCredentials.type });
    const other = await call(`${h.url}${ROUTES.authTokens}`, loginBody({ handle: 'someone@else.dev' }));
    expect(other.json.error.message).toBe('err-invalid-credentials');
  });

  it.each([
    ['handle', { handle: '' }],
    ['password', { password: 42 }],
    ['handleType', { handleType: 'phone' }],
    ['tokenDurationInMins', { tokenDurationInMins: -5 }],
  ])('rejects a bad %s with 400 err-issue-with-parameter', async (name, extra) => {
    const r = await call(`${h.url}${ROUTES.authTokens}`, loginBody(extra));
    expect(r.status).toBe(400);
    expect(r.json.error).toEqual({ message: 'err-issue-with-parameter', type: 'ClientError', args: { 'parameter-name': name } });
  });

  it('allows at most 10 active tokens, then 401 err-active-tokens-limit-exceeded', async () => {
    const s = await start();
    try {
      for (let i = 0; i < TOKEN_RULES.maxActiveTokens; i++) await login(s.url);
      const r = await call(`${s.url}${ROUTES.authTokens}`, loginBody());
      expect(r.status).toBe(401);
      expect(r.json.error.message).toBe(ERRORS.activeTokensLimit.message);
      // Expired tokens no longer count as active.
      await s.admin.expireTokens();
      expect((await call(`${s.url}${ROUTES.authTokens}`, loginBody())).status).toBe(200);
    } finally {
      await s.sandbox.close();
    }
  });
});

describe('refresh and logout', () => {
  it('refresh keeps the token and moves the expiry, never past the hard expiry', async () => {
    const s = await start();
    try {
      const first = await call(`${s.url}${ROUTES.authTokens}`, loginBody({ tokenDurationInMins: 10 }));
      const token = first.json.data.token;
      const issued = first.json.data.expiry - minutes(10);
      await s.admin.advanceClock(minutes(8));
      const r = await call(`${s.url}${ROUTES.authTokens}`, bearer('PUT', token));
      expect(r.status).toBe(200);
      expect(r.json.data.token).toBe(token);
      expect(r.json.data.expiry).toBeGreaterThan(first.json.data.expiry);
      // Hard expiry is 6 × 10 min after issue: refreshing at 55 min gives 60 min, not 65.
      await s.admin.advanceClock(minutes(47));
      const late = await call(`${s.url}${ROUTES.authTokens}`, bearer('PUT', token));
      expect(late.status).toBe(200);
      expect(late.json.data.expiry).toBeLessThanOrEqual(issued + minutes(60) + 1000);
      expect(late.json.data.expiry).toBeGreaterThan(issued + minutes(58));
      await s.admin.advanceClock(minutes(6));
      const dead = await call(`${s.url}${ROUTES.authTokens}`, bearer('PUT', token));
      expect(dead.status).toBe(403);
      expect(dead.json.error.message).toBe('err-expired-token');
    } finally {
      await s.sandbox.close();
    }
  });

  it('refresh or logout with an unknown token is 403 err-invalid-token', async () => {
    for (const [method, path] of [['PUT', ROUTES.authTokens], ['POST', ROUTES.logout]] as const) {
      const r = await call(`${h.url}${path}`, bearer(method, 'not-a-token'));
      expect(r.status).toBe(403);
      expect(r.json.error.message).toBe('err-invalid-token');
    }
    expect((await call(`${h.url}${ROUTES.authTokens}`, { method: 'PUT' })).status).toBe(403);
  });

  it('logout ends the token for EAS calls and refresh', async () => {
    const token = await login(h.url);
    expect((await probe(token)).status).toBe(404);
    expect((await call(`${h.url}${ROUTES.logout}`, bearer('POST', token))).status).toBe(200);
    const after = await probe(token);
    expect(after.status).toBe(403);
    expect(after.json.error.message).toBe('err-invalid-token');
    expect((await call(`${h.url}${ROUTES.authTokens}`, bearer('PUT', token))).status).toBe(403);
  });
});

describe('EAS headers', () => {
  it('missing or unknown org → 403 err-invalid-org', async () => {
    const token = await login(h.url);
    const r = await probe(token, { [HEADERS.orgId]: 'another-org' });
    expect(r.status).toBe(403);
    expect(r.json.error).toMatchObject({ message: 'err-invalid-org', type: 'Authorization' });
    const none = await call(`${h.url}${ROUTES.taskResult('x')}`, { headers: { [HEADERS.userToken]: token } });
    expect(none.status).toBe(403);
    expect(none.json).toMatchObject({ status: '0', data: null, error: { message: 'err-invalid-org' } });
  });

  it('missing or unknown token → 403 err-invalid-token (v3 envelope on v3 routes)', async () => {
    const r = await call(`${h.url}${ROUTES.taskResult('x')}`, { headers: { [HEADERS.orgId]: SANDBOX_USER.orgId } });
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ status: '0', data: null, error: { message: 'err-invalid-token', type: 'Authorization' } });
    expect((await probe('bogus')).json.error.message).toBe('err-invalid-token');
  });

  it('a token past its expiry → 403 err-expired-token; refresh revives it', async () => {
    const s = await start();
    try {
      const token = await login(s.url, { tokenDurationInMins: 5 });
      await s.admin.advanceClock(minutes(6));
      const r = await eas(s.url, token, ROUTES.taskStatus('x'));
      expect(r.status).toBe(403);
      expect(r.json.error.message).toBe('err-expired-token');
      expect((await call(`${s.url}${ROUTES.authTokens}`, bearer('PUT', token))).status).toBe(200);
      expect((await eas(s.url, token, ROUTES.taskStatus('x'))).status).toBe(404);
    } finally {
      await s.sandbox.close();
    }
  });

  it('admin token expiry: every token expired at once, still refreshable', async () => {
    const a = await login(h.url);
    const b = await login(h.url);
    await h.admin.expireTokens();
    for (const t of [a, b]) expect((await probe(t)).json.error.message).toBe('err-expired-token');
    expect((await call(`${h.url}${ROUTES.authTokens}`, bearer('PUT', a))).status).toBe(200);
    expect((await probe(a)).status).toBe(404);
    expect((await probe(b)).status).toBe(403);
  });
});

describe('tenants: several EAS users, each with its own org and token limit', () => {
  const TENANT = { email: 'tenant-b@example.in', password: 'tenant-b-password', orgId: '0d9c2b77-1b7e-4d1a-9b0e-6c2f1e2d3b40', orgName: 'Tenant B' };

  it("logs each user in to its own org; a token works only with its user's org; limits and counts are per user", async () => {
    const s = await start({ users: [TENANT] });
    try {
      const r = await call(`${s.url}${ROUTES.authTokens}`, loginBody({ handle: TENANT.email, password: TENANT.password }));
      expect(r.status).toBe(200);
      expect(r.json.data.associatedOrgs[0].organisation).toMatchObject({ id: TENANT.orgId, name: 'Tenant B' });
      const b = r.json.data.token as string;
      const own = await call(`${s.url}${ROUTES.taskStatus('x')}`, { headers: { [HEADERS.orgId]: TENANT.orgId, [HEADERS.userToken]: b } });
      expect(own.status).toBe(404);
      // B's token under A's org (or A's under B's) is refused
      expect((await eas(s.url, b, ROUTES.taskStatus('x'))).json.error.message).toBe('err-invalid-org');
      const a = await login(s.url);
      const cross = await call(`${s.url}${ROUTES.taskStatus('x')}`, { headers: { [HEADERS.orgId]: TENANT.orgId, [HEADERS.userToken]: a } });
      expect(cross.json.error.message).toBe('err-invalid-org');
      // A's ten tokens do not use up B's
      for (let i = 1; i < TOKEN_RULES.maxActiveTokens; i++) await login(s.url);
      expect((await call(`${s.url}${ROUTES.authTokens}`, loginBody())).status).toBe(401);
      expect((await call(`${s.url}${ROUTES.authTokens}`, loginBody({ handle: TENANT.email, password: TENANT.password }))).status).toBe(200);
      const report = await s.admin.tokens();
      expect(report.byUser[SANDBOX_USER.email]).toEqual({ active: 10, logins: 10, logouts: 0 });
      expect(report.byUser[TENANT.email]).toEqual({ active: 2, logins: 2, logouts: 0 });
      expect(report.active).toBe(12);
      // a logout drops the active count and is counted
      expect((await call(`${s.url}${ROUTES.logout}`, bearer('POST', b))).status).toBe(200);
      const after = await s.admin.tokens();
      expect(after.byUser[TENANT.email]).toEqual({ active: 1, logins: 2, logouts: 1 });
      expect(after).toMatchObject({ active: 11, logouts: 1 });
      expect(JSON.stringify(after)).not.toContain(b);
    } finally {
      await s.sandbox.close();
    }
  });
});
