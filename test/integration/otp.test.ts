/**
 * When the GSTN session is gone for good: the GSTIN's session workflow asks GSTN for ONE OTP, waits in AWAITING_OTP
 * (notifying GST_NOTIFY_URL), and every download of the GSTIN waits on it; a verified OTP (outside Temporal) or a
 * session restored elsewhere resumes them all. Without a session they fail, readable, after the configured wait.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { findAwaitingOtp, pendingSessions, sessionOf, verifyOtpAndResume } from '../../client/session';
import { sessionWorkflowId } from '../../domain/session';
import { EasClient } from '../../eas/client';
import { progressQuery, provideOtpUpdate } from '../../workflows/messages';
import type { DownloadSummary } from '../../workflows/types';
import { CLI_ENTRY, Harness, waitFor } from './harness';
import { decodedHistory, otpAlone } from './history-text';

jest.setTimeout(180_000);

let h: Harness;
/** The OTP the taxpayer's phone shows for the GSTIN's latest request (the sandbox's phone view). */
const phoneOtp = async (gstin: string) => (await h.admin.phone(gstin)).otp;

/** A GST_NOTIFY_URL receiver that refuses its first POST (so the retry shows). */
let notify: { server: Server; url: string; events: Array<Record<string, unknown>>; refused: number };

beforeAll(async () => {
  const events: Array<Record<string, unknown>> = [];
  const state = { refused: 0 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      if (state.refused === 0) {
        state.refused++;
        res.writeHead(503).end();
        return;
      }
      events.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  notify = {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/otp-needed`,
    events,
    get refused() {
      return state.refused;
    },
  };
  h = await Harness.create({ download: { otp: { waitMs: 60_000, checkInitialMs: 60_000, checkMaxMs: 60_000 } } });
  await h.startWorker({}, { notifyUrl: notify.url });
});
afterAll(async () => {
  await h?.close();
  notify?.server.close();
});
beforeEach(() => h.admin.reset());

const awaitingOtp = (handle: WorkflowHandle) =>
  waitFor(async () => {
    const p = await handle.query(progressQuery);
    return p.stage === 'AWAITING_OTP' && p.otpRequestId ? p : undefined;
  }, `${handle.workflowId} in AWAITING_OTP`);

const activityNames = async (handle: WorkflowHandle) =>
  ((await handle.fetchHistory()).events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);

test('one OTP for the GSTIN: its downloads wait on the session workflow; one verified OTP resumes them all; no history holds it', async () => {
  const gstin = '07AAGFF2194N1Z1'; // used by no other test file: the visibility queries span the shared server
  await h.admin.endSessions([gstin]);
  const ims = { gstin, section: 'B2B' };
  const gstr2b = { gstin, retPeriod: '102025' };
  const a = await h.start('downloadImsInvoices', ims);
  const b = await h.start('downloadGstr2b', gstr2b);
  const pa = await awaitingOtp(a);
  const pb = await awaitingOtp(b);
  const session = await waitFor(async () => {
    const v = await sessionOf(h.client, gstin);
    return v?.state === 'AWAITING_OTP' && v.waiting.length === 2 ? v : undefined;
  }, 'the session workflow waiting with both downloads');
  // exactly one OTP request, the session's, and both downloads show its id
  expect(await h.admin.otpRequests()).toEqual({ [gstin]: 1 });
  expect(pa.otpRequestId).toBe(session.otpRequestId);
  expect(pb.otpRequestId).toBe(session.otpRequestId);
  expect((await h.admin.phone(gstin)).otpRequestId).toBe(session.otpRequestId);
  expect(session.waiting.sort()).toEqual([a.workflowId, b.workflowId].sort());
  // visible to operators: `session pending` and the downloads' own AWAITING_OTP stage
  await waitFor(async () => ((await pendingSessions(h.client)).some((s) => s.gstin === gstin) ? true : undefined), 'listed by pendingSessions');
  await waitFor(async () => ((await findAwaitingOtp(h.client, gstin)).length === 2 ? true : undefined), 'both downloads listed as AWAITING_OTP');
  // the notification: refused once, retried, then delivered with what an operator needs
  const event = await waitFor(async () => notify.events.find((e) => e.gstin === gstin), 'the OTP-needed notification');
  expect(notify.refused).toBeGreaterThanOrEqual(1);
  expect(event).toEqual({
    type: 'gstn-otp-needed',
    gstin,
    otpRequestId: session.otpRequestId,
    since: session.awaitingOtpSince,
    waitingDownloads: expect.any(Number),
    command: `gst-download session verify-otp --gstin ${gstin} --otp -`,
  });

  const eas = new EasClient(h.workerConfig().eas);
  const OTP = await phoneOtp(gstin);
  // A wrong OTP tells nobody and the downloads keep waiting.
  await expect(verifyOtpAndResume(h.client, eas, gstin, OTP === '111111' ? '111112' : '111111')).rejects.toThrow(/Invalid OTP|AUTH4033/);
  expect((await a.query(progressQuery)).stage).toBe('AWAITING_OTP');

  const r = await verifyOtpAndResume(h.client, eas, gstin, OTP);
  expect(r.otpRequestId).toBe(session.otpRequestId);
  expect(r.waiting.sort()).toEqual([a.workflowId, b.workflowId].sort());
  await h.expectTruth((await a.result()) as DownloadSummary, 'ims', ims);
  await h.expectTruth((await b.result()) as DownloadSummary, 'gstr2b', { gstin, rtnprd: '102025' });
  await eas.logout();
  expect(await h.admin.otpRequests()).toEqual({ [gstin]: 1 });

  const sessionHandle = h.client.workflow.getHandle(sessionWorkflowId(gstin));
  for (const handle of [a, b, sessionHandle]) expect((await decodedHistory(handle)).all).not.toMatch(otpAlone(OTP));
  for (const handle of [a, b]) {
    const names = await activityNames(handle);
    expect(names).toContain('askGstnSession');
    expect(names).not.toContain('requestGstnOtp');
    expect(names).not.toContain('verifyGstnOtp');
  }
  const sessionActs = await activityNames(sessionHandle);
  expect(sessionActs.filter((n) => n === 'requestGstnOtp')).toHaveLength(1);
  expect(sessionActs).not.toContain('verifyGstnOtp');
  expect(await a.query(progressQuery)).toMatchObject({ stage: 'DONE', otpWaits: 1 });
  expect((await a.query(progressQuery)).otpRequestId).toBeUndefined();
  expect(await sessionHandle.query('session')).toMatchObject({ state: 'LIVE', otpRequests: 1, waiting: [] });
});

test('the CLI: session pending lists the GSTIN; verify-otp --otp - (stdin) resumes it, without the OTP in any output', async () => {
  const gstin = '27AAPFU0939F1ZV';
  await h.admin.endSessions([gstin]);
  const input = { gstin, section: 'B2BCN' };
  const handle = await h.start('downloadImsInvoices', input);
  const p = await awaitingOtp(handle);
  const cli = (args: string[], stdin?: string) =>
    new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      const child = execFile(process.execPath, [CLI_ENTRY, ...args], { env: h.cliEnv() }, (err, stdout, stderr) => (err ? reject(Object.assign(err, { stdout, stderr })) : resolve({ stdout, stderr })));
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
  const pending = await waitFor(async () => {
    const out = await cli(['session', 'pending', '--json']);
    return out.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((s) => s.gstin === gstin);
  }, 'session pending lists the GSTIN');
  expect(pending).toEqual({ gstin, otpRequestId: p.otpRequestId, since: p.awaitingOtpSince, waiting: [handle.workflowId] });
  const human = await cli(['session', 'pending']);
  expect(human.stdout).toContain(`${gstin}  request ${p.otpRequestId}  since ${p.awaitingOtpSince}  1 download(s) waiting`);

  const OTP = await phoneOtp(gstin);
  const tokensBefore = await h.admin.tokens();
  const run = await cli(['session', 'verify-otp', '--gstin', gstin, '--otp', '-'], `${OTP}\n`);
  expect(run.stdout).toBe(`GSTN session for ${gstin} restored\nresumed 1 waiting download(s): ${handle.workflowId}\n`);
  for (const out of [run, human]) expect(out.stdout + out.stderr).not.toContain(OTP);
  // the CLI logged in once and logged its token out before it ended
  const tokensAfter = await h.admin.tokens();
  expect(tokensAfter.logouts).toBe(tokensBefore.logouts + 1);
  expect(tokensAfter.active).toBe(tokensBefore.active);
  await h.expectTruth((await handle.result()) as DownloadSummary, 'ims', input);
  expect((await decodedHistory(handle)).all).not.toMatch(otpAlone(OTP));
});

test('provideOtp is gone: a new download refuses the update (the OTP would have entered its history)', async () => {
  const gstin = '29AAACW4202F1ZM';
  await h.admin.endSessions([gstin]);
  const handle = await h.start('downloadImsInvoices', { gstin, section: 'B2BA' });
  await awaitingOtp(handle);
  const OTP = await phoneOtp(gstin);
  const refused = await handle.executeUpdate(provideOtpUpdate, { args: [{ otp: OTP }] }).catch((e) => e);
  expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((await handle.query(progressQuery)).stage).toBe('AWAITING_OTP');
  expect((await decodedHistory(handle)).all).not.toMatch(otpAlone(OTP));
  await handle.terminate('test done');
  await h.client.workflow.getHandle(sessionWorkflowId(gstin)).terminate('test done');
});

test('a session restored by other means (an OTP verified elsewhere) is noticed by the session workflow’s periodic check', async () => {
  await h.stopWorkers();
  await h.startWorker({ otp: { waitMs: 60_000, checkInitialMs: 300, checkMaxMs: 1000 } });
  const gstin = '33GSPTN0791G1Z5';
  await h.admin.endSessions([gstin]);
  const handle = await h.start('downloadGstr2b', { gstin, retPeriod: '092025' });
  const p = await awaitingOtp(handle);
  // Someone verifies the session's request with EAS outside Temporal and tells nobody.
  const elsewhere = new EasClient(h.workerConfig().eas);
  await elsewhere.verifyOtp(gstin, p.otpRequestId!, await phoneOtp(gstin));
  await elsewhere.logout();
  await h.expectTruth((await handle.result()) as DownloadSummary, 'gstr2b', { gstin, rtnprd: '092025' });
  const names = await activityNames(h.client.workflow.getHandle(sessionWorkflowId(gstin)));
  expect(names).toContain('checkGstnSession');
  expect(await h.admin.otpRequests()).toEqual({ [gstin]: 1 });
});

test('no OTP within the configured wait: the downloads fail, non-retryable, saying what to do', async () => {
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
  expect(cause.message).toMatch(new RegExp(`not restored within .* run "gst-download session verify-otp --gstin ${gstin} --otp -" with the OTP the taxpayer receives, then start the download again`));
  expect((await handle.query(progressQuery)).stage).toBe('FAILED');
  expect(await h.admin.otpRequests()).toEqual({ [gstin]: 1 });
});

test('a session that is refreshed yet keeps being refused fails the download instead of asking for OTPs', async () => {
  await h.stopWorkers();
  await h.startWorker({ otp: { waitMs: 60_000, checkInitialMs: 300, checkMaxMs: 1000 } });
  const gstin = '29AAGCB7383J1Z4';
  // every GSTR-2B call finds the session lapsed: refreshes work, the call never does
  await h.admin.addFaults({ route: 'gstr2b', kind: 'expireSessions', rate: 1 });
  const handle = await h.start('downloadGstr2b', { gstin, retPeriod: '072025' });
  const err = await handle.result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err.cause as ApplicationFailure).type).toBe('GstnSessionEnded');
  expect((err.cause as ApplicationFailure).message).toMatch(/still refused after its session workflow restored it/);
  expect(await h.admin.otpRequests()).toEqual({});
});

test('the session workflow continues as new while it waits, carrying the same OTP request; the OTP still resumes the download', async () => {
  await h.stopWorkers();
  await h.startWorker({ continueAsNewEvents: 40, otp: { waitMs: 60_000, checkInitialMs: 200, checkMaxMs: 200 } });
  const gstin = '09AAACH1925Q1ZD';
  await h.admin.endSessions([gstin]);
  const handle = await h.start('downloadGstr2b', { gstin, retPeriod: '082025' });
  const p = await awaitingOtp(handle);
  const session = h.client.workflow.getHandle(sessionWorkflowId(gstin));
  const first = (await session.describe()).runId;
  await waitFor(async () => ((await session.describe()).runId !== first ? true : undefined), 'a continue-as-new of the waiting session workflow');
  const view = await waitFor(async () => {
    const v = await sessionOf(h.client, gstin);
    return v?.state === 'AWAITING_OTP' ? v : undefined;
  }, 'the new run awaiting the same OTP');
  expect(view).toMatchObject({ otpRequestId: p.otpRequestId, otpRequests: 1, waiting: [handle.workflowId] });
  const eas = new EasClient(h.workerConfig().eas);
  await verifyOtpAndResume(h.client, eas, gstin, await phoneOtp(gstin));
  await eas.logout();
  await h.expectTruth((await handle.result()) as DownloadSummary, 'gstr2b', { gstin, rtnprd: '082025' });
  expect(await h.admin.otpRequests()).toEqual({ [gstin]: 1 });
});

test('while downloads need it the session is refreshed ahead of expiry; idle, the session workflow ends', async () => {
  await h.stopWorkers();
  await h.startWorker({ session: { refreshEveryMs: 500, keepAliveMs: 3_000 } });
  const gstin = '10AAACB2894G1ZS';
  await h.admin.expireSessions([gstin]); // lapsed: a refresh revives it, no OTP
  const handle = await h.start('downloadGstr2b', { gstin, retPeriod: '082025' });
  await h.expectTruth((await handle.result()) as DownloadSummary, 'gstr2b', { gstin, rtnprd: '082025' });
  const session = h.client.workflow.getHandle(sessionWorkflowId(gstin));
  await waitFor(async () => ((await session.describe()).status.name === 'COMPLETED' ? true : undefined), 'the idle session workflow ended', 30_000);
  const refreshes = (await activityNames(session)).filter((n) => n === 'refreshGstnSession').length;
  expect(refreshes).toBeGreaterThanOrEqual(3); // the one the download needed, then ahead of expiry until idle
  expect(await h.admin.otpRequests()).toEqual({});
  // the next need starts a new execution of it
  const ended = (await session.describe()).runId;
  await h.admin.expireSessions([gstin]);
  await (await h.start('downloadGstr2b', { gstin, retPeriod: '072025' })).result();
  expect((await session.describe()).runId).not.toBe(ended);
});
