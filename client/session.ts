/**
 * GSTN session recovery from outside Temporal: request an OTP, and verify it with EAS directly, then tell
 * every download of that GSTIN that waits in AWAITING_OTP. The OTP itself never enters Temporal.
 */
import type { Client } from '@temporalio/client';
import type { EasClient } from '../eas/client';
import { validateGstin } from '../domain/inputs';
import { gstnSessionRestoredSignal, OTP_FORMAT, progressQuery } from '../workflows/messages';
import { gstinIndexFromEnv } from '../temporal/search-index';

/** Running downloads of a GSTIN that wait for an OTP (a visibility query: eventually consistent). */
export async function findAwaitingOtp(client: Client, gstinRaw: string): Promise<string[]> {
  // validated first: the GSTIN goes into a visibility query
  const gstin = validateGstin(gstinRaw, 'gstin', 'off');
  const ids: string[] = [];
  const query = `GstGstin = "${gstinIndexFromEnv()(gstin)}" AND GstStage = "AWAITING_OTP" AND ExecutionStatus = "Running"`;
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids;
}

/** Asks GSTN (through EAS) to send the taxpayer an OTP; returns the request id to verify it with. */
export async function requestOtp(eas: EasClient, gstin: string): Promise<string> {
  return eas.requestOtp(validateGstin(gstin, 'gstin', 'off'));
}

export interface VerifyResult {
  otpRequestId: string;
  /** Workflow ids that were told the session is back. */
  signalled: string[];
  /** Waiting downloads that could not be told (closed since they were listed), and why. */
  skipped: Array<{ workflowId: string; reason: string }>;
}

/**
 * Verifies `otp` with EAS (for `otpRequestId`, or the request a waiting download made), then signals
 * `gstnSessionRestored` to every waiting download of the GSTIN. A wrong OTP throws the EAS error
 * (kind `invalid-otp`) and signals nothing.
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
  const waiting = await findAwaitingOtp(client, gstin);
  let otpRequestId = opts.otpRequestId;
  for (const id of waiting) {
    if (otpRequestId) break;
    otpRequestId = (await client.workflow.getHandle(id).query(progressQuery).catch(() => undefined))?.otpRequestId;
  }
  if (!otpRequestId) {
    throw new Error(`no OTP request is known for ${gstin}: run "gst-download session request-otp --gstin ${gstin}" first`);
  }
  await eas.verifyOtp(gstin, otpRequestId, otp);
  // The OTP is spent now: tell every waiting download, even if one of them closed in the meantime.
  const signalled: string[] = [];
  const skipped: Array<{ workflowId: string; reason: string }> = [];
  for (const id of waiting) {
    try {
      await client.workflow.getHandle(id).signal(gstnSessionRestoredSignal, { gstin });
      signalled.push(id);
    } catch (e) {
      skipped.push({ workflowId: id, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { otpRequestId, signalled, skipped };
}
