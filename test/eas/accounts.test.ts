/**
 * EAS accounts per tenant against a real sandbox with two EAS users: one client (one token) per user and org,
 * each GSTIN served with its tenant's GSTN username, tokens logged out on shutdown, and the token limit typed.
 */
import { EasAccounts } from '../../eas/accounts';
import { EasClient } from '../../eas/client';
import { easConfigFromEnv, type EasConfig } from '../../eas/config';
import { TOKEN_RULES } from '../../eas/contract';
import { SANDBOX_USER, sandboxEasEnv } from '../../sandbox/user';
import type { CredentialsProvider, GstinCredentials } from '../../eas/credentials';
import { UnknownGstinError } from '../../eas/credentials';
import { EasError } from '../../eas/errors';
import { SandboxAdmin } from '../../sandbox/admin';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';

const A = '27AAPFU0939F1ZV'; // tenant "main": the sandbox's first user
const B = '29AAGCB7383J1Z4'; // tenant "beta": another EAS user, its own org
const BETA = { email: 'ops@beta.in', password: 'beta-password', orgId: '3b1f3c9e-5f0e-4c83-9d2a-0a7e5d1c2b44' };
const IRN = 'c4'.repeat(32);

let sandbox: RunningSandbox;
let admin: SandboxAdmin;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, sessions: [A, B], taskSeconds: 0, users: [BETA], gstnUsernames: { [A]: 'main.mh', [B]: 'beta.ka' } });
  admin = new SandboxAdmin(sandbox.url);
});
afterAll(() => sandbox.close());

const base = (): EasConfig => ({ ...easConfigFromEnv(sandboxEasEnv(sandbox.url)), timeoutMs: 5000 });

const table: Record<string, GstinCredentials> = {
  [A]: { tenant: 'main', gstnUsername: 'main.mh', eas: { email: SANDBOX_USER.email, password: SANDBOX_USER.password, orgId: SANDBOX_USER.orgId } },
  [B]: { tenant: 'beta', gstnUsername: 'beta.ka', eas: { email: BETA.email, password: BETA.password } },
};
const provider: CredentialsProvider = {
  source: { kind: 'file', detail: 'test table' },
  forGstin: async (g) => {
    const c = table[g];
    if (!c) throw new UnknownGstinError(g, 'the test table');
    return c;
  },
};

test('two tenants side by side: each GSTIN through its own EAS user, org and GSTN username; one token per user; logoutAll ends them', async () => {
  const accounts = new EasAccounts(base(), provider);
  const a = await accounts.forGstin(A);
  const b = await accounts.forGstin(B);
  expect(a.client).not.toBe(b.client);
  expect((await accounts.forGstin(A)).client).toBe(a.client);
  expect([a.tenant, a.gstnUsername, b.tenant, b.gstnUsername]).toEqual(['main', 'main.mh', 'beta', 'beta.ka']);
  await Promise.all([a.client.irnDetails(A, IRN), b.client.irnDetails(B, IRN), a.client.irnDetails(A, IRN), b.client.irnDetails(B, IRN)]);
  expect((await a.client.token()).orgId).toBe(SANDBOX_USER.orgId);
  expect((await b.client.token()).orgId).toBe(BETA.orgId);
  // each tenant's GSTN username opens an OTP request for its GSTIN; the other's is refused
  await expect(b.client.requestOtp(B, b.gstnUsername)).resolves.toEqual(expect.any(String));
  const wrong = await a.client.requestOtp(B, a.gstnUsername).catch((e) => e);
  expect(wrong).toBeInstanceOf(EasError);
  expect(wrong).toMatchObject({ kind: 'auth-config', gstnCode: 'AUTH4031', retryable: false });
  const before = await admin.tokens();
  expect(before.byUser[SANDBOX_USER.email]).toMatchObject({ active: 1, logins: 1 });
  expect(before.byUser[BETA.email]).toMatchObject({ active: 1, logins: 1 });
  expect(await accounts.logoutAll()).toBe(2);
  const after = await admin.tokens();
  expect(after.active).toBe(before.active - 2);
  expect(after.logouts).toBe(before.logouts + 2);
  expect(await accounts.logoutAll()).toBe(0);
});

test('an unknown GSTIN is refused by name before any EAS call', async () => {
  const accounts = new EasAccounts(base(), provider);
  await expect(accounts.forGstin('07AAACR5055K1ZG')).rejects.toThrow('no credentials for GSTIN 07AAACR5055K1ZG: add it to a tenant in the test table');
});

test('an org the user is not associated with is a configuration error, not a retry', async () => {
  const c = new EasClient({ ...base(), orgId: BETA.orgId });
  const e = await c.irnDetails(A, IRN).catch((x) => x);
  expect(e).toMatchObject({ kind: 'auth-config', retryable: false });
  expect(e.message).toContain(`EAS user ${SANDBOX_USER.email} is not associated with org ${BETA.orgId}`);
  await c.logout();
});

test('past the 10 active tokens a login fails as token-limit (its own kind, retryable), and a logout makes room', async () => {
  const clients = Array.from({ length: TOKEN_RULES.maxActiveTokens }, () => new EasClient({ ...base(), email: BETA.email, password: BETA.password }));
  for (const c of clients) await c.token();
  const eleventh = new EasClient({ ...base(), email: BETA.email, password: BETA.password });
  const e = await eleventh.token().catch((x) => x);
  expect(e).toMatchObject({ kind: 'token-limit', code: 'err-active-tokens-limit-exceeded', httpStatus: 401, retryable: true });
  expect(await clients[0]!.logout()).toBe(true);
  await expect(eleventh.token()).resolves.toMatchObject({ orgId: BETA.orgId });
  await Promise.all([...clients, eleventh].map((c) => c.logout()));
  expect((await admin.tokens()).byUser[BETA.email]!.active).toBe(0);
});
