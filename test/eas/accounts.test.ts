/**
 * EAS accounts per tenant against a real sandbox with two EAS users: one client (one token) per user and org,
 * each GSTIN served with its tenant's GSTN username, tokens logged out on shutdown, and the token limit typed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Scratch } from '../../activities/scratch';
import { EasAccounts } from '../../eas/accounts';
import { accountKey } from '../../eas/token-keeper';
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

describe('tokens that outlive a crashed worker (eas/token-keeper.ts, kept in the scratch folder)', () => {
  /** A process id that no longer runs (a child that has exited and been reaped). */
  const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid;

  test('eleven crashes in a row: each new process goes on with the token the dead one left; one login in all, no refusal', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gst-scratch-'));
    const before = (await admin.tokens()).byUser[BETA.email] ?? { active: 0, logins: 0 };
    let lastDir = '';
    for (let crash = 0; crash <= TOKEN_RULES.maxActiveTokens; crash++) {
      // the previous "process" died without logging out: its folder is named after a pid that no longer runs
      if (lastDir) await rename(lastDir, join(root, `w-${deadPid()}-${randomBytes(4).toString('hex')}`));
      const scratch = await Scratch.open(root);
      lastDir = scratch.dir;
      const accounts = new EasAccounts(base(), provider);
      accounts.keepTokensWith(scratch.tokenKeeper());
      const b = await accounts.forGstin(B);
      await b.client.irnDetails(B, IRN);
      // what the process holds is on disk for the next one, readable by this user only
      const file = join(scratch.dir, 'eas-tokens.json');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await readFile(file, 'utf8')).not.toContain(BETA.email);
    }
    const after = (await admin.tokens()).byUser[BETA.email]!;
    expect(after.logins - before.logins).toBe(1);
    expect(after.active - before.active).toBe(1);
    // a graceful stop logs the token out and leaves no token file behind
    await rename(lastDir, join(root, `w-${deadPid()}-${randomBytes(4).toString('hex')}`));
    const last = new EasAccounts(base(), provider);
    const scratch = await Scratch.open(root);
    last.keepTokensWith(scratch.tokenKeeper());
    await (await last.forGstin(B)).client.irnDetails(B, IRN);
    expect(await last.logoutAll()).toBe(1);
    expect((await admin.tokens()).byUser[BETA.email]!).toMatchObject({ logins: after.logins, active: after.active - 1 });
    expect(existsSync(join(scratch.dir, 'eas-tokens.json'))).toBe(false);
    await rm(root, { recursive: true, force: true });
  });

  test('two dead processes left tokens for one account: one is used, the other logged out (its place freed)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gst-scratch-'));
    const dirs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const s = await Scratch.open(root);
      const a = new EasAccounts(base(), provider);
      a.keepTokensWith(s.tokenKeeper());
      await (await a.forGstin(B)).client.irnDetails(B, IRN);
      dirs.push(s.dir);
    }
    for (const d of dirs) await rename(d, join(root, `w-${deadPid()}-${randomBytes(4).toString('hex')}`));
    const active = (await admin.tokens()).byUser[BETA.email]!.active;
    const s = await Scratch.open(root);
    const a = new EasAccounts(base(), provider);
    a.keepTokensWith(s.tokenKeeper());
    await (await a.forGstin(B)).client.irnDetails(B, IRN);
    await waitUntil(async () => (await admin.tokens()).byUser[BETA.email]!.active === active - 1);
    expect((await readdir(root)).filter((n) => n !== basename(s.dir))).toEqual([]);
    expect(await a.logoutAll()).toBe(1);
    await rm(root, { recursive: true, force: true });
  });

  test('a worker restarted in its container (pid 1 again) takes over the folder its predecessor left under the same pid', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gst-scratch-'));
    const first = await Scratch.open(root);
    const a = new EasAccounts(base(), provider);
    a.keepTokensWith(first.tokenKeeper());
    await (await a.forGstin(B)).client.irnDetails(B, IRN);
    const logins = (await admin.tokens()).byUser[BETA.email]!.logins;
    // the predecessor: a folder named with this very pid that this process did not open (renamed, as if left by
    // the previous incarnation of pid 1)
    const left = join(root, `w-${process.pid}-${randomBytes(4).toString('hex')}`);
    await rename(first.dir, left);
    const next = await Scratch.open(root);
    expect(existsSync(left)).toBe(false);
    const b = new EasAccounts(base(), provider);
    b.keepTokensWith(next.tokenKeeper());
    await (await b.forGstin(B)).client.irnDetails(B, IRN);
    expect((await admin.tokens()).byUser[BETA.email]!.logins).toBe(logins);
    // a folder this process opened is never taken for a dead one's
    const third = await Scratch.open(root);
    expect(existsSync(next.dir)).toBe(true);
    expect(await b.logoutAll()).toBe(1);
    await third.close();
    await rm(root, { recursive: true, force: true });
  });

  test('a left token EAS no longer takes (an EAS restart) costs one login, not a failure', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gst-scratch-'));
    const dead = join(root, `w-${deadPid()}-${randomBytes(4).toString('hex')}`);
    await mkdir(dead);
    const far = Date.now() + 3_600_000;
    const account = accountKey(BETA.email, undefined);
    await writeFile(join(dead, 'eas-tokens.json'), JSON.stringify({ [account]: { token: 'gone-token', orgId: BETA.orgId, expiry: far, hardExpiry: far } }));
    const s = await Scratch.open(root);
    const a = new EasAccounts(base(), provider);
    a.keepTokensWith(s.tokenKeeper());
    await expect((await a.forGstin(B)).client.irnDetails(B, IRN)).resolves.toBeDefined();
    expect(await a.logoutAll()).toBe(1);
    await rm(root, { recursive: true, force: true });
  });
});

async function waitUntil(ok: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
