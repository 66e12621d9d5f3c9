/**
 * When the GSTN session is gone for good: a download asks for an OTP, waits durably in AWAITING_OTP, and resumes
 * when the session is back — by the verify-then-signal path (the OTP never enters Temporal), by the `provideOtp`
 * update (wrong OTPs rejected, the download keeps waiting), or by noticing a session restored elsewhere. Without
 * a session it fails, readable, after the configured wait.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { findAwaitingOtp, verifyOtpAndResume } from '../../client/session';
import { EasClient } from '../../eas/client';
import { provideOtpUpdate, progressQuery } from '../../workflows/messages';
import type { DownloadSummary } from '../../workflows/types';
import { CLI_ENTRY, Harness, waitFor } from './harness';

jest.setTimeout(180_000);

let h: Harness;
/** The OTP the taxpayer's phone shows for the GSTIN's latest request (the sandbox's phone view). */
const phoneOtp = async (gstin: string) => (await h.admin.phone(gstin)).otp;

beforeAll(async () => {
  h = await Harness.create({ download: { otp: { waitMs: 60_000, checkInitialMs: 60_000, checkMaxMs: 60_000 } } });
  await h.startWorker();
});
afterAll(() => h?.close());
beforeEach(() => h.admin.reset());

/** A history as text with every payload decoded (payload bytes are base64 in the JSON form). */
async function historyText(handle: WorkflowHandle): Promise<string> {
  const json = JSON.stringify(await handle.fetchHistory());
  const decoded: string[] = [];
  JSON.parse(json, (key, value) => {
    if (key === 'data' && typeof value === 'string') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
    return value;
  });
  return `${json}\n${decoded.join('\n')}`;
}

/** The OTP as a value of its own (not a run of digits inside a random hex id or hash). */
const otpAlone = (otp: string) => new RegExp(`(^|[^0-9a-f])${otp}([^0-9a-f]|$)`, 'i');

const awaitingOtp = (handle: WorkflowHandle) =>
  waitFor(async () => {
    const p = await handle.query(progressQuery);
    return p.stage === 'AWAITING_OTP' && p.otpRequestId ? p : undefined;
  }, `${handle.workflowId} in AWAITING_OTP`);

test('verify-then-signal: one OTP resumes every waiting download of the GSTIN, and no history holds the OTP', async () => {
  const gstin = '07AAGFF2194N1Z1'; // used by no other test file: the visibility query below spans the shared server
  await h.admin.endSessions([gstin]);
  const ims = { gstin, section: 'B2B' };
  const gstr2b = { gstin, retPeriod: '102025' };
  const a = await h.start('downloadImsInvoices', ims);
  const b = await h.start('downloadGstr2b', gstr2b);
  const pa = await awaitingOtp(a);
  await awaitingOtp(b);
  expect(pa.lastError).toMatch(/GSTN session .* has ended/);

  // Both are found by the visibility query the CLI uses (eventually consistent).
  const mine = [a.workflowId, b.workflowId].sort();
  await waitFor(async () => {
    const ids = await findAwaitingOtp(h.client, gstin);
    return mine.every((id) => ids.includes(id)) ? ids : undefined;
  }, 'both downloads listed as AWAITING_OTP');

  const eas = new EasClient(h.workerConfig().eas);
  // A wrong OTP signals nobody and the downloads keep waiting.
  await expect(verifyOtpAndResume(h.client, eas, gstin, '111111')).rejects.toThrow(/Invalid OTP|AUTH4033|otp/i);
  expect((await a.query(progressQuery)).stage).toBe('AWAITING_OTP');

  const OTP = await phoneOtp(gstin);
  const r = await verifyOtpAndResume(h.client, eas, gstin, OTP);
  expect(r.signalled).toEqual(expect.arrayContaining(mine));
  expect(r.skipped).toEqual([]);
  await h.expectTruth((await a.result()) as DownloadSummary, 'ims', ims);
  await h.expectTruth((await b.result()) as DownloadSummary, 'gstr2b', { gstin, rtnprd: '102025' });

  for (const handle of [a, b]) {
    const text = await historyText(handle);
    expect(text).not.toMatch(otpAlone(OTP));
    expect(text).toContain('requestGstnOtp');
    expect(text).not.toContain('verifyGstnOtp');
    expect(text).toContain('gstnSessionRestored');
    expect(text).toContain('"AWAITING_OTP"');
  }
  const finalProgress = await a.query(progressQuery);
  expect(finalProgress).toMatchObject({ stage: 'DONE', otpWaits: 1 });
  expect(finalProgress.otpRequestId).toBeUndefined();
});

test('the CLI: gst-download session verify-otp resumes a waiting download, without the OTP in its output', async () => {
  const gstin = '27AAPFU0939F1ZV';
  await h.admin.endSessions([gstin]);
  const input = { gstin, section: 'B2BCN' };
  const handle = await h.start('downloadImsInvoices', input);
  await awaitingOtp(handle);
  await waitFor(async () => ((await findAwaitingOtp(h.client, gstin)).length ? true : undefined), 'visible as AWAITING_OTP');
  const OTP = await phoneOtp(gstin);
  const run = await promisify(execFile)(process.execPath, [CLI_ENTRY, 'session', 'verify-otp', '--gstin', gstin, '--otp', OTP], { env: h.cliEnv() });
  expect(run.stdout).toContain(handle.workflowId);
  expect(run.stdout + run.stderr).not.toContain(OTP);
  await h.expectTruth((await handle.result()) as DownloadSummary, 'ims', input);
  expect(await historyText(handle)).not.toMatch(otpAlone(OTP));
});

test('provideOtp update: malformed and wrong OTPs are rejected while the download waits; the right one resumes it', async () => {
  const gstin = '29AAACW4202F1ZM';
  await h.admin.endSessions([gstin]);
  const input = { gstin, section: 'B2BA' };
  const handle = await h.start('downloadImsInvoices', input);
  await awaitingOtp(handle);

  const provide = (otp: string) => handle.executeUpdate(provideOtpUpdate, { args: [{ otp }] });
  const malformed = await provide('12ab').catch((e) => e);
  expect(malformed).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(String(malformed.cause?.message)).toMatch(/6 digits/);

  const OTP = await phoneOtp(gstin);
  const wrong = await provide(OTP === '000000' ? '000001' : '000000').catch((e) => e);
  expect(wrong).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((wrong.cause as ApplicationFailure).type).toBe('InvalidOtp');
  expect((await handle.query(progressQuery)).stage).toBe('AWAITING_OTP');

  expect(await provide(OTP)).toEqual({ restored: true });
  await h.expectTruth((await handle.result()) as DownloadSummary, 'ims', input);
  // The validator rejected the malformed one before it was recorded; the accepted update keeps the OTP in history
  // in clear (the README says so) — which also shows historyText would find an OTP that got in.
  const text = await historyText(handle);
  expect(text).not.toContain('"otp":"12ab"');
  expect(text).toContain(`"otp":"${OTP}"`);
  expect(text).toMatch(otpAlone(OTP));
});

test('a session restored by other means (a new OTP verified elsewhere) is noticed by the periodic check of the same worker', async () => {
  await h.stopWorkers();
  await h.startWorker({ otp: { waitMs: 60_000, checkInitialMs: 300, checkMaxMs: 1000 } });
  const gstin = '33GSPTN0791G1Z5';
  // First the worker refreshes a lapsed session, so it holds that session's id…
  await h.admin.expireSessions([gstin]);
  await (await h.start('downloadGstr2b', { gstin, retPeriod: '082025' })).result();
  // …then the session ends for good and a download waits for an OTP.
  await h.admin.endSessions([gstin]);
  const handle = await h.start('downloadGstr2b', { gstin, retPeriod: '092025' });
  await awaitingOtp(handle);
  // Someone verifies a new OTP with EAS outside this worker and tells nobody.
  const elsewhere = new EasClient(h.workerConfig().eas);
  const otpRequestId = await elsewhere.requestOtp(gstin);
  await elsewhere.verifyOtp(gstin, otpRequestId, await phoneOtp(gstin));
  await h.expectTruth((await handle.result()) as DownloadSummary, 'gstr2b', { gstin, rtnprd: '092025' });
  const names = ((await handle.fetchHistory()).events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
  expect(names).toContain('checkGstnSession');
  expect(names).not.toContain('verifyGstnOtp');
});

test('no OTP within the configured wait: the download fails, non-retryable, saying what to do', async () => {
  await h.stopWorkers();
  await h.startWorker({ otp: { waitMs: 2_000, checkInitialMs: 500, checkMaxMs: 500 } });
  const gstin = '24AAACC1206D1ZM';
  await h.admin.endSessions([gstin]);
  const handle = await h.start('downloadImsInvoices', { gstin, section: 'ECOM' });
  const err = await handle.result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = err.cause as ApplicationFailure;
  expect(cause.type).toBe('GstnSessionEnded');
  expect(cause.nonRetryable).toBe(true);
  expect(cause.message).toMatch(/not restored within .* verify a new OTP/);
  expect((await handle.query(progressQuery)).stage).toBe('FAILED');
});

test('a session that is restored yet keeps being refused fails the download instead of asking for OTP after OTP', async () => {
  await h.stopWorkers();
  await h.startWorker({ otp: { waitMs: 60_000, checkInitialMs: 300, checkMaxMs: 1000 } });
  const gstin = '29AAGCB7383J1Z4';
  // every GSTR-2B call finds the session lapsed: refreshes work, the call never does
  await h.admin.addFaults({ route: 'gstr2b', kind: 'expireSessions', rate: 1 });
  const handle = await h.start('downloadGstr2b', { gstin, retPeriod: '072025' });
  const err = await handle.result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err.cause as ApplicationFailure).type).toBe('GstnSessionEnded');
  expect((err.cause as ApplicationFailure).message).toMatch(/still refused after a new OTP restored it/);
  const names = ((await handle.fetchHistory()).events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
  expect(names.filter((n) => n === 'requestGstnOtp')).toHaveLength(1);
});
