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

const USER = SANDBOX_USER.gstnUsername;
/** The OTP the taxpayer's phone shows for the GSTIN's latest request. */
const phoneOtp = async (gstin: string, harness: Harness = h) => (await harness.admin.phone(gstin)).otp;

async function otpSession(gstin: string): Promise<string> {
  const otpReq = await v1('OTPREQUEST', { gstin, username: USER }, gstin);
  expect(otpReq.status).toBe(200);
  const auth = await v1('AUTHTOKEN', { 'otp-request-id': otpReq.json.data['otp-request-id'], otp: await phoneOtp(gstin) }, gstin);
  expect(auth.status).toBe(200);
  return auth.json.data['gst-session-id'];
}

describe('v1.0 session routes (legacy envelope)', () => {
  it('OTPREQUEST → AUTHTOKEN opens a session; data calls then pass', async () => {
    expect(gstnCode(await dataCall(GSTIN_A))).toBe(GSTN_ERRORS.unauthorized.code);
    const otpReq = await v1('OTPREQUEST', { gstin: GSTIN_A, username: USER });
    expect(otpReq.json).toEqual({ data: { 'otp-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    const phone = await h.admin.phone(GSTIN_A);
    expect(phone).toEqual({ otpRequestId: otpReq.json.data['otp-request-id'], otp: expect.stringMatching(/^[0-9]{6}$/) });
    const auth = await v1('AUTHTOKEN', { 'otp-request-id': otpReq.json.data['otp-request-id'], otp: phone.otp });
    expect(auth.json).toEqual({ data: { 'gst-session-id': expect.any(String) } });
    expect((await dataCall(GSTIN_A)).status).toBe(200);
    const list = await h.admin.sessions();
    expect(list.sessions.find((s) => s.gstin === GSTIN_A)).toMatchObject({ live: true, refreshable: true });
  });

  it('a wrong OTP or an unknown otp-request-id → 502 AUTH4033', async () => {
    const otpReq = await v1('OTPREQUEST', { gstin: GSTIN_B, username: USER }, GSTIN_B);
    const right = await phoneOtp(GSTIN_B);
    const wrongOtp = right === '000000' ? '000001' : '000000';
    const wrong = await v1('AUTHTOKEN', { 'otp-request-id': otpReq.json.data['otp-request-id'], otp: wrongOtp }, GSTIN_B);
    expect(wrong.status).toBe(502);
    expect(wrong.json.error).toMatchObject({ message: 'err-gstn-returned-error', type: 'Gstn' });
    expect(gstnCode(wrong)).toBe(GSTN_ERRORS.invalidOtp.code);
    const unknown = await v1('AUTHTOKEN', { 'otp-request-id': 'nope', otp: right }, GSTIN_B);
    expect(gstnCode(unknown)).toBe(GSTN_ERRORS.invalidOtp.code);
    expect(gstnCode(await dataCall(GSTIN_B))).toBe(GSTN_ERRORS.unauthorized.code);
  });

  it('each request has its own OTP; only the latest request of a GSTIN can be verified, once', async () => {
    const gstin = '24AAACC1206D1ZM';
    const first = await v1('OTPREQUEST', { gstin, username: USER }, gstin);
    const firstOtp = await phoneOtp(gstin);
    const second = await v1('OTPREQUEST', { gstin, username: USER }, gstin);
    const secondPhone = await h.admin.phone(gstin);
    expect(secondPhone.otpRequestId).toBe(second.json.data['otp-request-id']);
    expect(secondPhone.otpRequestId).not.toBe(first.json.data['otp-request-id']);
    // the older request is refused even with its own (correct) OTP, or with the newer one
    for (const otp of [firstOtp, secondPhone.otp]) {
      const old = await v1('AUTHTOKEN', { 'otp-request-id': first.json.data['otp-request-id'], otp }, gstin);
      expect(old.status).toBe(502);
      expect(gstnCode(old)).toBe(GSTN_ERRORS.otpSuperseded.code);
    }
    const ok = await v1('AUTHTOKEN', { 'otp-request-id': secondPhone.otpRequestId, otp: secondPhone.otp }, gstin);
    expect(ok.status).toBe(200);
    expect((await dataCall(gstin)).status).toBe(200);
    const again = await v1('AUTHTOKEN', { 'otp-request-id': secondPhone.otpRequestId, otp: secondPhone.otp }, gstin);
    expect(gstnCode(again)).toBe(GSTN_ERRORS.invalidOtp.code);
  });

  it("OTPREQUEST checks the GSTIN's GSTN username (per GSTIN, configurable)", async () => {
    const gstin = '19AAACI1681G1ZM';
    const wrong = await v1('OTPREQUEST', { gstin, username: 'someone.else' }, gstin);
    expect(wrong.status).toBe(502);
    expect(gstnCode(wrong)).toBe(GSTN_ERRORS.invalidUsername.code);
    await h.admin.config({ gstnUsernames: { [gstin]: 'tenant.b' } });
    expect(gstnCode(await v1('OTPREQUEST', { gstin, username: USER }, gstin))).toBe(GSTN_ERRORS.invalidUsername.code);
    expect((await v1('OTPREQUEST', { gstin, username: 'tenant.b' }, gstin)).status).toBe(200);
    await expect(h.admin.config({ gstnUsernames: { 'not-a-gstin': 'x' } })).rejects.toThrow(/not a GSTIN/);
  });

  it('counts OTP requests per GSTIN; reset clears the counts; the phone view 404s for a GSTIN never asked', async () => {
    const s = await start();
    try {
      const t = await login(s.url);
      const req = (gstin: string) => eas(s.url, t, ROUTES.gstnAuthV1('v0.2', 'OTPREQUEST'), { gstin, body: { gstin, username: USER } });
      await req(GSTIN_A);
      await req(GSTIN_A);
      await req(GSTIN_B);
      expect(await s.admin.otpRequests()).toEqual({ [GSTIN_A]: 2, [GSTIN_B]: 1 });
      await expect(s.admin.phone('07AAACR5055K1ZG')).rejects.toThrow(/404/);
      await s.admin.reset();
      expect(await s.admin.otpRequests()).toEqual({});
    } finally {
      await s.sandbox.close();
    }
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
    const otpReq = await v3('OTPREQUEST', { gstin, username: USER }, gstin);
    expect(otpReq.json).toMatchObject({ status: '1', error: null, data: { 'otp-request-id': expect.any(String) } });
    const auth = await v3('AUTHTOKEN', { 'otp-request-id': otpReq.json.data['otp-request-id'], otp: await phoneOtp(gstin) }, gstin);
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
      const otp = await call('OTPREQUEST', { gstin: GSTIN_A, username: USER });
      const auth = await call('AUTHTOKEN', { 'otp-request-id': otp.json.data['otp-request-id'], otp: await phoneOtp(GSTIN_A, s) });
      expect(auth.status).toBe(200);
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

  it('the maximum age is configurable (sessionMaxAgeMs)', async () => {
    const s = await start({ sessionMaxAgeMs: 2 * HOUR });
    try {
      const t = await login(s.url, { tokenDurationInMins: 360 });
      const call = (action: 'OTPREQUEST' | 'AUTHTOKEN' | 'REFRESHTOKEN', body: unknown) =>
        eas(s.url, t, ROUTES.gstnAuthV1('v0.2', action), { gstin: GSTIN_A, body });
      const otp = await call('OTPREQUEST', { gstin: GSTIN_A, username: USER });
      await call('AUTHTOKEN', { 'otp-request-id': otp.json.data['otp-request-id'], otp: await phoneOtp(GSTIN_A, s) });
      const info = (await s.admin.sessions()).sessions[0]!;
      expect(info.liveUntil).toBe(info.maxAgeAt); // a session never lives past its maximum age
      await s.admin.advanceClock(HOUR);
      expect((await call('REFRESHTOKEN', { gstin: GSTIN_A })).status).toBe(200);
      await s.admin.advanceClock(HOUR + 1000);
      expect(gstnCode(await call('REFRESHTOKEN', { gstin: GSTIN_A }))).toBe(GSTN_ERRORS.sessionMaxAge.code);
      await s.admin.config({ sessionMaxAgeMs: 48 * HOUR });
      expect((await call('REFRESHTOKEN', { gstin: GSTIN_A })).status).toBe(200);
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
