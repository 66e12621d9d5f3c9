/** GSTN session routes (v1.0 and v3.0 forms) and the session check on GSTN data calls. */
import { GSTN_ERRORS, HEADERS, ROUTES } from '../../eas/contract';
import { SANDBOX_USER } from '../../sandbox/user';
import { eas, GSTIN_A, GSTIN_B, login, start, type Harness } from './helpers';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await start();
  token = await login(h.url);
});
afterAll(() => h.sandbox.close());

const HOUR = 3600_000;
const v1 = (action: 'OTPREQUEST' | 'AUTHTOKEN' | 'REFRESHTOKEN' | 'LOGOUT', body: unknown, gstin = GSTIN_A) =>
  eas(h.url, token, ROUTES.gstnAuthV1('v0.2', action), { gstin, body });
const v3 = (action: string, body: unknown, gstin = GSTIN_A) =>
  eas(h.url, token, ROUTES.gstnAuthV3('v0.2'), { gstin, body, headers: { [HEADERS.action]: action } });
/** A GSTN data call (IRN details) that needs a live session for the GSTIN. */
const dataCall = (gstin: string) => eas(h.url, token, ROUTES.irnDetails('v1.0', 'a'.repeat(64)), { gstin });
const gstnCode = (r: { json: any }) => r.json.error?.args?.['gstn-err']?.['error-code'];

async function otpSession(gstin: string): Promise<string> {
  const otpReq = await v1('OTPREQUEST', { gstin, username: SANDBOX_USER.gstnUsername }, gstin);
  expect(otpReq.status).toBe(200);
  const auth = await v1('AUTHTOKEN', { 'otp-request-id': otpReq.json.data['otp-request-id'], otp: SANDBOX_USER.otp }, gstin);
  expect(auth.status).toBe(200);
  return auth.json.data['gst-session-id'];
}

describe('v1.0 session routes (legacy envelope)', () => {
  it('OTPREQUEST → AUTHTOKEN opens a session; data calls then pass', async () => {
    expect(gstnCode(await dataCall(GSTIN_A))).toBe(GSTN_ERRORS.unauthorized.code);
    const otpReq = await v1('OTPREQUEST', { gstin: GSTIN_A, username: SANDBOX_USER.gstnUsername });
    expect(otpReq.json).toEqual({ data: { 'otp-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    const auth = await v1('AUTHTOKEN', { 'otp-request-id': otpReq.json.data['otp-request-id'], otp: SANDBOX_USER.otp });
    expect(auth.json).toEqual({ data: { 'gst-session-id': expect.any(String) } });
    expect((await dataCall(GSTIN_A)).status).toBe(200);
    const list = await h.admin.sessions();
    expect(list.sessions.find((s) => s.gstin === GSTIN_A)).toMatchObject({ live: true, refreshable: true });
  });

  it('a wrong OTP or an unknown otp-request-id → 502 AUTH4033', async () => {
    const otpReq = await v1('OTPREQUEST', { gstin: GSTIN_B, username: 'u' }, GSTIN_B);
    const wrong = await v1('AUTHTOKEN', { 'otp-request-id': otpReq.json.data['otp-request-id'], otp: '000000' }, GSTIN_B);
    expect(wrong.status).toBe(502);
    expect(wrong.json.error).toMatchObject({ message: 'err-gstn-returned-error', type: 'Gstn' });
    expect(gstnCode(wrong)).toBe(GSTN_ERRORS.invalidOtp.code);
    const unknown = await v1('AUTHTOKEN', { 'otp-request-id': 'nope', otp: SANDBOX_USER.otp }, GSTIN_B);
    expect(gstnCode(unknown)).toBe(GSTN_ERRORS.invalidOtp.code);
    expect(gstnCode(await dataCall(GSTIN_B))).toBe(GSTN_ERRORS.unauthorized.code);
  });

  it('validates bodies: missing fields, GSTIN format, api version', async () => {
    const missing = await v1('OTPREQUEST', { username: 'u' });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toEqual({ message: 'err-param-is-mandatory', type: 'ClientRequest', args: { 'parameter-name': 'gstin' } });
    const bad = await v1('OTPREQUEST', { gstin: '27-bad', username: 'u' });
    expect(bad.json.error).toMatchObject({ message: 'err-invalid-gstin-format', args: { 'parameter-name': 'gstin' } });
    const version = await eas(h.url, token, ROUTES.gstnAuthV1('v8.0', 'OTPREQUEST'), { gstin: GSTIN_A, body: { gstin: GSTIN_A, username: 'u' } });
    expect(version.status).toBe(400);
    expect(version.json.error).toMatchObject({ message: 'err-invalid-gst-returns-api-version', args: { version: 'v8.0' } });
  });

  it('REFRESHTOKEN by id or by GSTIN gives a new id; LOGOUT ends the session', async () => {
    const id = await otpSession(GSTIN_B);
    const byId = await v1('REFRESHTOKEN', { 'gst-session-id': id }, GSTIN_B);
    expect(byId.status).toBe(200);
    const newId = byId.json.data['gst-session-id'];
    expect(newId).not.toBe(id);
    const byGstin = await v1('REFRESHTOKEN', { gstin: GSTIN_B }, GSTIN_B);
    expect(byGstin.status).toBe(200);
    expect((await v1('LOGOUT', { 'gst-session-id': newId }, GSTIN_B)).status).toBe(200);
    expect(gstnCode(await dataCall(GSTIN_B))).toBe(GSTN_ERRORS.unauthorized.code);
    const after = await v1('REFRESHTOKEN', { 'gst-session-id': newId }, GSTIN_B);
    expect(after.status).toBe(502);
    expect(gstnCode(after)).toBe(GSTN_ERRORS.invalidSessionId.code);
    expect(gstnCode(await v1('REFRESHTOKEN', { 'gst-session-id': 'unknown' }, GSTIN_B))).toBe(GSTN_ERRORS.invalidSessionId.code);
  });
});

describe('v3.0 session routes (action header, v3 envelope)', () => {
  it('runs the same flow with the action header', async () => {
    const gstin = '07AAACR5055K1ZG';
    const otpReq = await v3('OTPREQUEST', { gstin, username: 'u' }, gstin);
    expect(otpReq.json).toMatchObject({ status: '1', error: null, data: { 'otp-request-id': expect.any(String) } });
    const auth = await v3('AUTHTOKEN', { 'otp-request-id': otpReq.json.data['otp-request-id'], otp: SANDBOX_USER.otp }, gstin);
    expect(auth.json.status).toBe('1');
    const id = auth.json.data['gst-session-id'];
    expect((await dataCall(gstin)).status).toBe(200);
    const refreshed = await v3('REFRESHTOKEN', { 'gst-session-id': id }, gstin);
    expect(refreshed.json.status).toBe('1');
    const out = await v3('LOGOUT', { 'gst-session-id': refreshed.json.data['gst-session-id'] }, gstin);
    expect(out.json).toMatchObject({ status: '1' });
    expect((await dataCall(gstin)).status).toBe(502);
  });

  it('a missing or unknown action header is a 400', async () => {
    const none = await eas(h.url, token, ROUTES.gstnAuthV3('v0.2'), { gstin: GSTIN_A, body: {} });
    expect(none.json).toMatchObject({ status: '0', error: { message: 'err-param-is-mandatory', args: { 'parameter-name': 'action' } } });
    const bad = await v3('DANCE', {});
    expect(bad.json.error).toMatchObject({ message: 'err-invalid-param-value', args: { 'parameter-name': 'action' } });
  });
});

describe('session lifetime on the sandbox clock', () => {
  it('lapses after 6 h, refreshes until 24 h after the OTP, then needs a new OTP', async () => {
    const s = await start();
    try {
      const t = await login(s.url, { tokenDurationInMins: 360 });
      const call = (action: 'OTPREQUEST' | 'AUTHTOKEN' | 'REFRESHTOKEN', body: unknown) =>
        eas(s.url, t, ROUTES.gstnAuthV1('v0.2', action), { gstin: GSTIN_A, body });
      const data = () => eas(s.url, t, ROUTES.irnDetails('v1.0', 'b'.repeat(64)), { gstin: GSTIN_A });
      const refreshToken = async () => (await fetch(`${s.url}${ROUTES.authTokens}`, { method: 'PUT', headers: { authorization: `Bearer ${t}` } })).status;
      const otp = await call('OTPREQUEST', { gstin: GSTIN_A, username: 'u' });
      await call('AUTHTOKEN', { 'otp-request-id': otp.json.data['otp-request-id'], otp: SANDBOX_USER.otp });
      expect((await data()).status).toBe(200);
      await s.admin.advanceClock(6 * HOUR + 1000);
      expect(await refreshToken()).toBe(200);
      expect(gstnCode(await data())).toBe(GSTN_ERRORS.unauthorized.code);
      expect((await call('REFRESHTOKEN', { gstin: GSTIN_A })).status).toBe(200);
      expect((await data()).status).toBe(200);
      await s.admin.advanceClock(5 * HOUR);
      expect(await refreshToken()).toBe(200);
      expect((await call('REFRESHTOKEN', { gstin: GSTIN_A })).status).toBe(200);
      await s.admin.advanceClock(5 * HOUR);
      // 16 h after the OTP: the session may not live past the 24 h maximum age.
      const info = (await s.admin.sessions()).sessions[0]!;
      expect(Date.parse(info.liveUntil)).toBeLessThanOrEqual(Date.parse(info.maxAgeAt));
      await s.admin.advanceClock(5 * HOUR);
      expect(await refreshToken()).toBe(200);
      await s.admin.advanceClock(4 * HOUR);
      expect(await refreshToken()).toBe(200);
      const late = await call('REFRESHTOKEN', { gstin: GSTIN_A });
      expect(late.status).toBe(502);
      expect(gstnCode(late)).toBe(GSTN_ERRORS.sessionMaxAge.code);
    } finally {
      await s.sandbox.close();
    }
  });

  it('admin session expiry (lapse) is refreshable; session end needs an OTP', async () => {
    const gstin = '33AAACT2727Q1ZW';
    await otpSession(gstin);
    await h.admin.expireSessions([gstin]);
    expect(gstnCode(await dataCall(gstin))).toBe(GSTN_ERRORS.unauthorized.code);
    expect((await v1('REFRESHTOKEN', { gstin }, gstin)).status).toBe(200);
    expect((await dataCall(gstin)).status).toBe(200);
    await h.admin.endSessions([gstin]);
    expect(gstnCode(await dataCall(gstin))).toBe(GSTN_ERRORS.unauthorized.code);
    expect(gstnCode(await v1('REFRESHTOKEN', { gstin }, gstin))).toBe(GSTN_ERRORS.sessionMaxAge.code);
    await otpSession(gstin);
    expect((await dataCall(gstin)).status).toBe(200);
  });

  it("sessions: 'all' gives every GSTIN a live session, which admin calls can still lapse or end", async () => {
    const s = await start({ sessions: 'all' });
    try {
      const t = await login(s.url);
      const data = (g: string) => eas(s.url, t, ROUTES.irnDetails('v1.0', 'c'.repeat(64)), { gstin: g });
      expect((await data(GSTIN_A)).status).toBe(200);
      await s.admin.expireSessions();
      expect((await data(GSTIN_A)).status).toBe(502);
      expect((await data(GSTIN_B)).status).toBe(502); // never seen before: starts lapsed too
      const r = await eas(s.url, t, ROUTES.gstnAuthV1('v0.2', 'REFRESHTOKEN'), { gstin: GSTIN_B, body: { gstin: GSTIN_B } });
      expect(r.status).toBe(200);
      expect((await data(GSTIN_B)).status).toBe(200);
    } finally {
      await s.sandbox.close();
    }
  });

  it('sessions: [list] opens exactly those GSTINs', async () => {
    const s = await start({ sessions: [GSTIN_A] });
    try {
      const t = await login(s.url);
      expect((await eas(s.url, t, ROUTES.irnDetails('v1.0', 'd'.repeat(64)), { gstin: GSTIN_A })).status).toBe(200);
      expect((await eas(s.url, t, ROUTES.irnDetails('v1.0', 'd'.repeat(64)), { gstin: GSTIN_B })).status).toBe(502);
    } finally {
      await s.sandbox.close();
    }
  });
});
