/**
 * GSTN sessions from outside Temporal. Each GSTIN's session workflow (`gstn-session-<GSTIN>`) asks GSTN for one
 * OTP when its session has ended and waits in AWAITING_OTP; here the OTP the taxpayer received is verified with EAS
 * directly, against that workflow's current request, and only then is the workflow told (`gstnSessionVerified`,
 * carrying the request id): the OTP itself never enters Temporal. The workflow resumes every download that waits.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { validateGstin } from '../domain/inputs';
import { SESSION_WORKFLOW_TYPE, sessionWorkflowId } from '../domain/session';
import type { EasClient } from '../eas/client';
import { gstnSessionRestoredSignal, gstnSessionVerifiedSignal, OTP_FORMAT, progressQuery, sessionQuery, type SessionView } from '../workflows/messages';
import { gstinIndexFromEnv } from '../temporal/search-index';

/** Running downloads of a GSTIN in stage AWAITING_OTP (a visibility query: eventually consistent). */
export async function findAwaitingOtp(client: Client, gstinRaw: string): Promise<string[]> {
  // validated first: the GSTIN goes into a visibility query
  const gstin = validateGstin(gstinRaw, 'gstin', 'off');
  const ids: string[] = [];
  const query = `GstGstin = "${gstinIndexFromEnv()(gstin)}" AND GstStage = "AWAITING_OTP" AND ExecutionStatus = "Running" AND WorkflowType != "${SESSION_WORKFLOW_TYPE}"`;
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids;
}

/** The GSTIN's session workflow as it answers the `session` query, or undefined when it is not running. */
export async function sessionOf(client: Client, gstinRaw: string): Promise<SessionView | undefined> {
  const gstin = validateGstin(gstinRaw, 'gstin', 'off');
  const handle = client.workflow.getHandle(sessionWorkflowId(gstin));
  const running = await handle.describe().then(
    (d) => d.status.name === 'RUNNING',
    () => false,
  );
  return running ? handle.query(sessionQuery) : undefined;
}

/** Every GSTIN whose session workflow waits for an OTP: request id, since, waiting downloads (visibility, then a query each). */
export async function pendingSessions(client: Client): Promise<SessionView[]> {
  const query = `WorkflowType = "${SESSION_WORKFLOW_TYPE}" AND GstStage = "AWAITING_OTP" AND ExecutionStatus = "Running"`;
  const out: SessionView[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const view = await client.workflow
      .getHandle(wf.workflowId)
      .query(sessionQuery)
      .catch(() => undefined);
    if (view?.state === 'AWAITING_OTP') out.push(view);
  }
  return out.sort((a, b) => a.gstin.localeCompare(b.gstin));
}

/** Refuses a manual OTP request while the session workflow waits on one (a new request would void its request). */
export async function requestOtp(client: Client | undefined, eas: EasClient, gstinRaw: string, gstnUsername?: string): Promise<string> {
  const gstin = validateGstin(gstinRaw, 'gstin', 'off');
  const view = client ? await sessionOf(client, gstin) : undefined;
  if (view?.state === 'AWAITING_OTP') {
    throw new Error(`${gstin} already waits for the OTP of request ${view.otpRequestId} (since ${view.awaitingOtpSince}); a new request would void it: verify that one`);
  }
  return eas.requestOtp(gstin, gstnUsername);
}

export interface VerifyResult {
  otpRequestId: string;
  /** Downloads the session workflow resumes (those waiting when the OTP was verified). */
  waiting: string[];
  /** Downloads started before the session workflow that were told directly. */
  signalled: string[];
  /** Such downloads that could not be told (closed since they were listed), and why. */
  skipped: Array<{ workflowId: string; reason: string }>;
}

/**
 * Verifies `otp` with EAS against the request of the GSTIN's session workflow (or `otpRequestId`, for a request
 * made by hand), then tells the session workflow, which resumes every waiting download. A wrong OTP throws the EAS
 * error (kind `invalid-otp`) and tells nobody.
 */
export async function verifyOtpAndResume(
  client: Client,
  eas: EasClient,
  gstinRaw: string,
  otp: string,
  opts: { otpRequestId?: string } = {},
): Promise<VerifyResult> {
  const gstin = validateGstin(gstinRaw, 'gstin', 'off');
  if (!OTP_FORMAT.test(otp)) throw new Error('otp: must be 6 digits');
  const view = await sessionOf(client, gstin);
  if (view?.state === 'AWAITING_OTP' && view.otpRequestId) {
    if (opts.otpRequestId && opts.otpRequestId !== view.otpRequestId) {
      throw new Error(`${gstin} waits for the OTP of request ${view.otpRequestId}, not ${opts.otpRequestId}`);
    }
    await eas.verifyOtp(gstin, view.otpRequestId, otp);
    await client.workflow.getHandle(sessionWorkflowId(gstin)).signal(gstnSessionVerifiedSignal, { otpRequestId: view.otpRequestId });
    // downloads started before the session workflow (if any still wait) notice the live session by their own checks
    return { otpRequestId: view.otpRequestId, waiting: view.waiting, signalled: [], skipped: [] };
  }
  // No session workflow waits: a request made by hand, or downloads started before the session workflow existed.
  const waiting = await findAwaitingOtp(client, gstin);
  let otpRequestId = opts.otpRequestId;
  for (const id of waiting) {
    if (otpRequestId) break;
    otpRequestId = (await client.workflow.getHandle(id).query(progressQuery).catch(() => undefined))?.otpRequestId;
  }
  if (!otpRequestId) {
    throw new Error(`nothing waits for an OTP for ${gstin}: its session workflow ${sessionWorkflowId(gstin)} is not in AWAITING_OTP (see "gst-download session pending")`);
  }
  await eas.verifyOtp(gstin, otpRequestId, otp);
  return { otpRequestId, waiting: [], ...(await resumeLegacy(client, gstin, waiting)) };
}

/** Tells downloads that wait on their own (started before the session workflow) that the session is back. */
async function resumeLegacy(client: Client, gstin: string, listed: string[]): Promise<Pick<VerifyResult, 'signalled' | 'skipped'>> {
  const signalled: string[] = [];
  const skipped: VerifyResult['skipped'] = [];
  for (const id of listed) {
    const handle: WorkflowHandle = client.workflow.getHandle(id);
    try {
      await handle.signal(gstnSessionRestoredSignal, { gstin });
      signalled.push(id);
    } catch (e) {
      skipped.push({ workflowId: id, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { signalled, skipped };
}
