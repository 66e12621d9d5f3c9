/**
 * The EAS client against a real sandbox over HTTP: the token cache (login once, refresh before expiry, log in
 * again after hard expiry, one refresh-and-retry on err-expired-token), typed errors for every class the
 * sandbox produces, the GSTN session dance, and ZIP streaming to disk.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EasClient } from '../../eas/client';
import { easConfigFromEnv, type EasConfig } from '../../eas/config';
import { GSTN_ERRORS, ROUTES, type RouteName } from '../../eas/contract';
import { SANDBOX_USER, sandboxEasEnv } from '../../sandbox/user';
import { EasError } from '../../eas/errors';
import { SandboxAdmin } from '../../sandbox/admin';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';

const MIN = 60_000;
/** GSTIN_A has a live GSTN session from the start; the others get theirs in the tests that need one. */
const GSTIN_A = '27AAPFU0939F1ZV';
const GSTIN_B = '29AAGCB7383J1Z4';
const GSTIN_C = '24AAACC1206D1ZM';
const GSTIN_D = '33AABCT1332L1ZZ';
const GSTIN_BIG = '06AAACH7409R1ZZ';
const IRN = 'b7'.repeat(32);

let sandbox: RunningSandbox;
let admin: SandboxAdmin;
let dir: string;
/** The sandbox clock's offset from real time, mirrored so a client's injected clock agrees with the sandbox. */
let offset = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, sessions: [GSTIN_A], taskSeconds: 0 });
  admin = new SandboxAdmin(sandbox.url);
  dir = await mkdtemp(path.join(tmpdir(), 'eas-client-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => admin.reset());

function config(over: Partial<EasConfig> = {}): EasConfig {
  return { ...easConfigFromEnv(sandboxEasEnv(sandbox.url)), timeoutMs: 5000, ...over };
}

/** A client whose clock follows the sandbox clock. */
function client(over: Partial<EasConfig> = {}): EasClient {
  return new EasClient(config(over), { now: () => Date.now() + offset });
}

async function advance(ms: number): Promise<void> {
  offset += ms;
  await admin.advanceClock(ms);
}

async function count(route: RouteName, status?: number): Promise<number> {
  const r = (await admin.requests()).byRoute[route];
  if (!r) return 0;
  return status === undefined ? r.total : (r.byStatus[String(status)] ?? 0);
}

/** The error a promise rejects with, checked to be an EasError. */
async function easError(p: Promise<unknown>): Promise<EasError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EasError);
  return e as EasError;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('EAS user token', () => {
  it('logs in once and reuses the token for many calls, also concurrent ones', async () => {
    const eas = client();
    await eas.irnDetails(GSTIN_A, IRN);
    await Promise.all([1, 2, 3, 4].map(() => eas.irnDetails(GSTIN_A, IRN)));
    await eas.irnDetails(GSTIN_A, IRN);
    expect(await count('login')).toBe(1);
    expect(await count('refresh')).toBe(0);
    expect(await count('irnDetails', 200)).toBe(6);
    expect(eas.calls.get('login')).toBe(1);
  });

  it('concurrent first calls share one login', async () => {
    const eas = client();
    await Promise.all([1, 2, 3, 4, 5].map(() => eas.irnDetails(GSTIN_A, IRN)));
    expect(await count('login')).toBe(1);
  });

  it('a wrong password is a non-retryable auth-config error that does not echo the password', async () => {
    const password = 'not-the-sandbox-password-42';
    const e = await easError(client({ password }).irnDetails(GSTIN_A, IRN));
    expect(e).toMatchObject({ kind: 'auth-config', code: 'err-invalid-credentials', httpStatus: 401, retryable: false, route: 'login' });
    expect(e.message).toContain('err-invalid-credentials');
    expect(e.message).not.toContain(password);
    expect(await count('irnDetails')).toBe(0);
  });

  it('refreshes (PUT) when the token is within the refresh margin, not a new login; logs in again after hard expiry', async () => {
    const eas = client({ tokenDurationMins: 20 });
    await eas.irnDetails(GSTIN_A, IRN);
    const first = await eas.token();

    await advance(20 * MIN - 30_000); // 30 s left: inside the 60 s margin, still valid at the sandbox
    await eas.irnDetails(GSTIN_A, IRN);
    expect(await count('refresh', 200)).toBe(1);
    expect(await count('login')).toBe(1);
    const refreshed = await eas.token();
    expect(refreshed.token).toBe(first.token); // theodore refresh keeps the token and moves the expiry
    expect(refreshed.expiry).toBeGreaterThan(first.expiry);

    await eas.irnDetails(GSTIN_A, IRN); // the refreshed token is cached again
    expect(await count('refresh')).toBe(1);

    await advance(25 * MIN); // past expiry, before hard expiry (6 × 20 min): refresh again
    await eas.irnDetails(GSTIN_A, IRN);
    expect(await count('refresh', 200)).toBe(2);
    expect(await count('login')).toBe(1);

    await advance(2 * 60 * MIN); // past hard expiry: a refresh cannot help, log in
    await admin.openSessions([GSTIN_A]);
    await eas.irnDetails(GSTIN_A, IRN);
    expect(await count('login', 200)).toBe(2);
    expect(await count('refresh')).toBe(2);
    expect((await eas.token()).token).not.toBe(first.token);
    expect(await count('irnDetails', 403)).toBe(0); // every call went out with a valid token
  });

  it('err-expired-token from the gateway: refreshes once and retries the call once', async () => {
    const eas = client();
    await eas.irnDetails(GSTIN_A, IRN);
    await admin.expireTokens();
    const { data } = await eas.irnDetails(GSTIN_A, IRN);
    expect(data.data).toBeTruthy();
    expect(await count('irnDetails', 403)).toBe(1);
    expect(await count('irnDetails', 200)).toBe(2);
    expect(await count('refresh', 200)).toBe(1);
    expect(await count('login')).toBe(1);
  });

  it('err-invalid-token from the gateway: logs in again and retries once', async () => {
    const eas = client();
    await eas.irnDetails(GSTIN_A, IRN);
    const { token } = await eas.token();
    const out = await fetch(`${sandbox.url}${ROUTES.logout}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBe(200);
    await eas.irnDetails(GSTIN_A, IRN);
    expect(await count('irnDetails', 403)).toBe(1);
    expect(await count('login', 200)).toBe(2);
    expect(await count('refresh')).toBe(0);
  });

  it('a token refused again after the retry surfaces as auth-token, after exactly one retry', async () => {
    const eas = client();
    await eas.irnDetails(GSTIN_A, IRN);
    // Every token the sandbox knows is expired right after the client picks one, so each attempt is refused.
    const original = eas.token.bind(eas);
    const spy = jest.spyOn(eas, 'token').mockImplementation(async () => {
      const t = await original();
      await admin.expireTokens();
      return t;
    });
    const e = await easError(eas.irnDetails(GSTIN_A, IRN));
    spy.mockRestore();
    expect(e).toMatchObject({ kind: 'auth-token', code: 'err-expired-token', httpStatus: 403, retryable: true });
    expect(await count('irnDetails', 403)).toBe(2);
    expect(await count('irnDetails', 200)).toBe(1);
    expect(await count('refresh', 200)).toBe(1);
  });
});

describe('typed errors through the client', () => {
  let eas: EasClient;
  beforeAll(() => {
    eas = client();
  });

  async function noSecrets(e: EasError): Promise<void> {
    const { token } = await eas.token();
    expect(e.message).not.toContain(token);
    expect(e.message).not.toContain(SANDBOX_USER.password);
    expect(e.message).toMatch(/^EAS [a-zA-Z]+: /);
  }

  it('a malformed GSTIN → client / err-invalid-gstin-format / 400', async () => {
    const e = await easError(eas.irnDetails('27-bad', IRN));
    expect(e).toMatchObject({ kind: 'client', code: 'err-invalid-gstin-format', httpStatus: 400, retryable: false, route: 'irnDetails' });
    expect(e.args).toEqual({ 'parameter-name': 'X-FLYNN-N-GSTIN' });
    expect(e.message).toContain('parameter-name=X-FLYNN-N-GSTIN');
    await noSecrets(e);
  });

  it('an unknown task → not-found / 404', async () => {
    const e = await easError(eas.taskStatus('no-such-task'));
    expect(e).toMatchObject({ kind: 'not-found', code: 'err-resource-not-found', httpStatus: 404, retryable: false, route: 'taskStatus' });
    expect(e.message).toContain('task-id=no-such-task');
    await noSecrets(e);
  });

  it('no GSTN session → gstn-session with GSTN code RET11402', async () => {
    const e = await easError(eas.irnDetails(GSTIN_B, IRN));
    expect(e).toMatchObject({ kind: 'gstn-session', code: 'err-gstn-returned-error', httpStatus: 502, gstnCode: 'RET11402', retryable: false });
    expect(e.message).toContain('GSTN RET11402 Unauthorized User');
    await noSecrets(e);
  });

  it('a session past its maximum age cannot be refreshed → gstn-session-expired (AUTH4038)', async () => {
    await admin.openSessions([GSTIN_C]);
    await eas.irnDetails(GSTIN_C, IRN);
    await admin.endSessions([GSTIN_C]);
    const e = await easError(eas.refreshSession(GSTIN_C));
    expect(e).toMatchObject({ kind: 'gstn-session-expired', gstnCode: GSTN_ERRORS.sessionMaxAge.code, httpStatus: 502, retryable: false });
    expect((await easError(eas.irnDetails(GSTIN_C, IRN))).kind).toBe('gstn-session');
  });

  it('a wrong OTP → invalid-otp (AUTH4033), and does not echo the OTP', async () => {
    const reqId = await eas.requestOtp(GSTIN_B);
    const e = await easError(eas.verifyOtp(GSTIN_B, reqId, '000111'));
    expect(e).toMatchObject({ kind: 'invalid-otp', gstnCode: GSTN_ERRORS.invalidOtp.code, retryable: false, route: 'gstnAuth' });
    expect(e.message).not.toContain('000111');
    expect((await easError(eas.irnDetails(GSTIN_B, IRN))).gstnCode).toBe('RET11402');
  });

  it('500 → server, retryable', async () => {
    await admin.addFaults({ route: 'irnDetails', kind: 'http500', next: 1 });
    const e = await easError(eas.irnDetails(GSTIN_A, IRN));
    expect(e).toMatchObject({ kind: 'server', code: 'err-internal-server-error', httpStatus: 500, retryable: true });
    await noSecrets(e);
    await expect(eas.irnDetails(GSTIN_A, IRN)).resolves.toBeTruthy();
  });

  it('GSTN down (502 GEN5001) → server, retryable', async () => {
    await admin.addFaults({ route: 'irnDetails', kind: 'gstnDown', next: 1 });
    const e = await easError(eas.irnDetails(GSTIN_A, IRN));
    expect(e).toMatchObject({ kind: 'server', gstnCode: 'GEN5001', httpStatus: 502, retryable: true });
  });

  it('429 with Retry-After: 2 → rate-limited, retryAfterMs 2000', async () => {
    await admin.addFaults({ route: 'irnDetails', kind: 'rateLimit', next: 1, retryAfterSeconds: 2 });
    const e = await easError(eas.irnDetails(GSTIN_A, IRN));
    expect(e).toMatchObject({ kind: 'rate-limited', code: 'err-too-many-requests', httpStatus: 429, retryAfterMs: 2000, retryable: true });
    await noSecrets(e);
  });

  it('a connection reset → network, retryable, no HTTP status', async () => {
    await admin.addFaults({ route: 'irnDetails', kind: 'reset', next: 1 });
    const e = await easError(eas.irnDetails(GSTIN_A, IRN));
    expect(e).toMatchObject({ kind: 'network', code: 'network', retryable: true, route: 'irnDetails' });
    expect(e.httpStatus).toBeUndefined();
    await noSecrets(e);
  });

  it('a truncated JSON body → bad-response, retryable', async () => {
    await admin.addFaults({ route: 'irnDetails', kind: 'truncate', next: 1 });
    const e = await easError(eas.irnDetails(GSTIN_A, IRN));
    expect(e).toMatchObject({ kind: 'bad-response', code: 'bad-response', retryable: true, route: 'irnDetails' });
    expect(e.message).toContain('not JSON');
    await noSecrets(e);
  });

  it('a 5xx on the login itself is a retryable server error', async () => {
    await admin.addFaults({ route: 'login', kind: 'http500', next: 1 });
    const e = await easError(client().irnDetails(GSTIN_A, IRN));
    expect(e).toMatchObject({ kind: 'server', route: 'login', httpStatus: 500, retryable: true });
  });
});

describe('GSTN session', () => {
  it('OTP request → verify opens a session; data calls for the GSTIN then work; refresh gives a new id', async () => {
    const eas = client();
    expect((await easError(eas.irnDetails(GSTIN_D, IRN))).gstnCode).toBe('RET11402');
    const reqId = await eas.requestOtp(GSTIN_D);
    expect(reqId).toMatch(/^[0-9a-f-]{36}$/);
    const sessionId = await eas.verifyOtp(GSTIN_D, reqId, (await admin.phone(GSTIN_D)).otp);
    expect(typeof sessionId).toBe('string');

    const { body } = await eas.irnDetails(GSTIN_D, IRN);
    const truth = await admin.truth('irn', { irn: IRN });
    expect(sha256(body)).toBe(truth.files[0]!.sha256);

    await admin.expireSessions([GSTIN_D]);
    expect((await easError(eas.irnDetails(GSTIN_D, IRN))).kind).toBe('gstn-session');
    const refreshed = await eas.refreshSession(GSTIN_D);
    expect(refreshed).not.toBe(sessionId);
    await expect(eas.irnDetails(GSTIN_D, IRN)).resolves.toBeTruthy();
    // The refresh went by the id the client held (a second refresh by that new id works too).
    expect(await eas.refreshSession(GSTIN_D)).not.toBe(refreshed);
    const live = (await admin.sessions()).sessions.find((s) => s.gstin === GSTIN_D);
    expect(live).toMatchObject({ live: true, refreshable: true });
  });

  it('a session re-opened elsewhere (a new OTP verified by another client) is refreshed by GSTIN once the old id is refused', async () => {
    const worker = client();
    await admin.openSessions([GSTIN_BIG]);
    await worker.refreshSession(GSTIN_BIG); // the worker now holds this session's id
    await admin.endSessions([GSTIN_BIG]); // that session reaches its maximum age
    expect((await easError(worker.refreshSession(GSTIN_BIG))).kind).toBe('gstn-session-expired');
    const cli = client(); // gst-download session verify-otp
    await cli.verifyOtp(GSTIN_BIG, await cli.requestOtp(GSTIN_BIG), (await admin.phone(GSTIN_BIG)).otp);
    await admin.expireSessions([GSTIN_BIG]);
    await expect(worker.refreshSession(GSTIN_BIG)).resolves.toEqual(expect.any(String));
    await expect(worker.irnDetails(GSTIN_BIG, IRN)).resolves.toBeTruthy();
    // the sandbox allows 10 active tokens per user, as EAS does; give these two back
    await Promise.all([worker.logout(), cli.logout()]);
  });

  it('a worker that never saw the OTP refreshes by GSTIN', async () => {
    await admin.openSessions([GSTIN_C]);
    await admin.expireSessions([GSTIN_C]);
    const eas = client();
    await expect(eas.refreshSession(GSTIN_C)).resolves.toEqual(expect.any(String));
    await expect(eas.irnDetails(GSTIN_C, IRN)).resolves.toBeTruthy();
  });
});

describe('e-invoice ZIP streaming', () => {
  /** A type literal (not the interface) so it also serves as the truth query. */
  type EinvReq = { gstin: string; retPeriod: string; supplyType: string; supplierGstin?: string; recipientGstin?: string };
  const req: EinvReq = { gstin: GSTIN_A, retPeriod: '042024', supplyType: 'B2B', supplierGstin: GSTIN_A };

  async function completedTask(eas: EasClient, r: EinvReq): Promise<string> {
    const id = await eas.submitEinvoiceDownload(r);
    for (let i = 0; i < 50; i++) {
      const s = await eas.taskStatus(id);
      if (s.status === 'completed') return id;
      expect(s.status).toBe('processing');
    }
    throw new Error('task never completed');
  }

  it('waits for completed, then streams the ZIP to a file whose bytes and sha256 are the truth', async () => {
    const eas = client();
    await admin.config({ taskPolls: 2 });
    const id = await eas.submitEinvoiceDownload(req);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await eas.taskStatus(id)).status).toBe('processing');
    const early = await easError(eas.downloadTaskZip(id, path.join(dir, 'early.zip')));
    expect(early).toMatchObject({ kind: 'not-ready', code: 'err-task-not-completed', httpStatus: 400, retryable: false });
    expect(existsSync(path.join(dir, 'early.zip'))).toBe(false);
    expect((await eas.taskStatus(id)).status).toBe('processing');
    expect((await eas.taskStatus(id)).status).toBe('completed');

    const dest = path.join(dir, 'a.zip');
    const got = await eas.downloadTaskZip(id, dest);
    const truth = await admin.truth('einvoice', req);
    const zip = truth.files.find((f) => f.name === 'einvoice.zip')!;
    expect(got).toEqual({ bytes: zip.bytes, sha256: zip.sha256 });
    const onDisk = await readFile(dest);
    expect(onDisk.length).toBe(zip.bytes);
    expect(sha256(onDisk)).toBe(zip.sha256);
  });

  it('a big ZIP is streamed to disk whole (size and sha256 equal the truth)', async () => {
    await admin.config({ gstins: { [GSTIN_BIG]: { einvoiceFiles: 2, einvoiceRecordsPerFile: 20_000 } } });
    await admin.openSessions([GSTIN_BIG]);
    const eas = client();
    const big = { gstin: GSTIN_BIG, retPeriod: '052024', supplyType: 'B2B', recipientGstin: GSTIN_A };
    const id = await completedTask(eas, big);
    const truth = await admin.truth('einvoice', big);
    const zip = truth.files.find((f) => f.name === 'einvoice.zip')!;
    expect(zip.bytes).toBeGreaterThan(1024 * 1024);
    const dest = path.join(dir, 'big.zip');
    const got = await eas.downloadTaskZip(id, dest);
    expect(got).toEqual({ bytes: zip.bytes, sha256: zip.sha256 });
    expect((await stat(dest)).size).toBe(zip.bytes);
  });

  it('a body cut short of its Content-Length: the partial file is removed and a retryable EasError is thrown', async () => {
    // A gateway stand-in for the download route only: it announces 4000 bytes, sends 1500 and drops the connection.
    const fake = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': 4000 });
      res.write(Buffer.alloc(1500, 0x50), () => setTimeout(() => res.destroy(), 20));
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    try {
      const eas = client({ baseUrl: `http://127.0.0.1:${(fake.address() as AddressInfo).port}` });
      const dest = path.join(dir, 'cut.zip');
      const e = await easError(eas.downloadTaskZip('some-task', dest));
      expect(['bad-response', 'network']).toContain(e.kind);
      expect(e).toMatchObject({ retryable: true, route: 'taskDownload' });
      expect(existsSync(dest)).toBe(false);
      expect((await readdir(dir)).filter((f) => f.startsWith('cut'))).toEqual([]);
    } finally {
      fake.closeAllConnections();
      await new Promise((r) => fake.close(r));
    }
  });

  it('the sandbox truncate fault (half the ZIP, no Content-Length) is never passed off as the real ZIP', async () => {
    // Without a Content-Length the cut is invisible at the HTTP level; the client then reports what it got, and
    // the archive check is the caller's (test/activities: the activity turns it into CorruptDownload).
    const eas = client();
    const r = { ...req, retPeriod: '062024' };
    const id = await completedTask(eas, r);
    const zip = (await admin.truth('einvoice', r)).files.find((f) => f.name === 'einvoice.zip')!;
    await admin.addFaults({ route: 'taskDownload', kind: 'truncate', next: 1 });
    const dest = path.join(dir, 'truncated.zip');
    const got = await eas.downloadTaskZip(id, dest).catch((e: unknown) => e);
    if (got instanceof EasError) {
      expect(got.retryable).toBe(true);
      expect(existsSync(dest)).toBe(false);
    } else {
      expect(got).toEqual({ bytes: Math.floor(zip.bytes / 2), sha256: expect.any(String) });
      expect((got as { sha256: string }).sha256).not.toBe(zip.sha256);
    }
    // The next download is whole.
    await expect(eas.downloadTaskZip(id, dest)).resolves.toEqual({ bytes: zip.bytes, sha256: zip.sha256 });
  });

  it('a reset during the download → network error, no file', async () => {
    const eas = client();
    const id = await completedTask(eas, { ...req, retPeriod: '072024' });
    await admin.addFaults({ route: 'taskDownload', kind: 'reset', next: 1 });
    const dest = path.join(dir, 'reset.zip');
    const e = await easError(eas.downloadTaskZip(id, dest));
    expect(e).toMatchObject({ kind: 'network', retryable: true });
    expect(existsSync(dest)).toBe(false);
  });

  it('expired token on the ZIP route: refreshed once and the download still completes', async () => {
    const eas = client();
    const id = await completedTask(eas, { ...req, retPeriod: '082024' });
    await admin.expireTokens();
    const dest = path.join(dir, 'refreshed.zip');
    const got = await eas.downloadTaskZip(id, dest);
    const truth = await admin.truth('einvoice', { ...req, retPeriod: '082024' });
    expect(got.sha256).toBe(truth.files.find((f) => f.name === 'einvoice.zip')!.sha256);
    expect(await count('taskDownload', 403)).toBe(1);
    expect(await count('refresh', 200)).toBe(1);
  });
});
