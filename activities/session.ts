/**
 * The GSTN-session activities: refresh, OTP request, the cheap "is it live?" check (run by the session workflow),
 * asking the session workflow for the session (signal-with-start, by downloads), and the OTP notification.
 * Each GSTIN is served by its tenant's EAS account and GSTN username (eas/credentials.ts); none of them is logged.
 */
import { activityInfo, Context, log } from '@temporalio/activity';
import type { AccountResolver } from '../eas/accounts';
import { isEasError } from '../eas/errors';
import { SESSION_NEEDED_SIGNAL, SESSION_WORKFLOW_TYPE, sessionWorkflowId } from '../domain/session';

/** The event POSTed to GST_NOTIFY_URL when a GSTIN's session waits for an OTP (no secret in it). */
export interface OtpNeededEvent {
  gstin: string;
  otpRequestId: string;
  since: string;
  waitingDownloads: number;
  command: string;
}

export interface SessionActivityDeps {
  accounts: AccountResolver;
  /** GST_NOTIFY_URL: where OTP-needed events are POSTed (unset: logged only). */
  notifyUrl?: string;
  notifyTimeoutMs?: number;
}

export class NotifyError extends Error {
  override readonly name = 'NotifyError';
}

export function createSessionActivities({ accounts, notifyUrl, notifyTimeoutMs = 10_000 }: SessionActivityDeps) {
  return {
    async refreshGstnSession(gstin: string): Promise<void> {
      const { client } = await accounts.forGstin(gstin);
      await client.refreshSession(gstin);
      log.info('GSTN session refreshed', { gstin });
    },

    /** Asks GSTN to send the taxpayer an OTP, with the GSTIN's GSTN username; returns the request id (not a secret). */
    async requestGstnOtp(gstin: string): Promise<string> {
      const { client, gstnUsername, tenant } = await accounts.forGstin(gstin);
      const id = await client.requestOtp(gstin, gstnUsername);
      log.info('GSTN OTP requested', { gstin, tenant, otpRequestId: id });
      return id;
    },

    /**
     * Verifies an OTP: only downloads started before the session workflow call this (the removed `provideOtp`
     * update); kept so they can finish.
     */
    async verifyGstnOtp(gstin: string, otpRequestId: string, otp: string): Promise<void> {
      const { client } = await accounts.forGstin(gstin);
      await client.verifyOtp(gstin, otpRequestId, otp);
      log.info('GSTN OTP verified; session restored', { gstin, otpRequestId });
    },

    /** The cheap check while waiting for an OTP: is there a live (refreshable) session again? */
    async checkGstnSession(gstin: string): Promise<boolean> {
      const { client } = await accounts.forGstin(gstin);
      try {
        await client.refreshSession(gstin);
        return true;
      } catch (e) {
        if (isEasError(e) && (e.kind === 'gstn-session-expired' || e.kind === 'gstn-session')) return false;
        throw e;
      }
    },

    /** A download asks the GSTIN's session workflow for the session (starting it if it is not running). */
    async askGstnSession(gstin: string, downloadWorkflowId: string): Promise<void> {
      await Context.current().client.workflow.signalWithStart(SESSION_WORKFLOW_TYPE, {
        workflowId: sessionWorkflowId(gstin),
        taskQueue: activityInfo().taskQueue,
        args: [{ gstin }],
        signal: SESSION_NEEDED_SIGNAL,
        signalArgs: [{ workflowId: downloadWorkflowId }],
      });
    },

    /** Logs the event and POSTs it to GST_NOTIFY_URL when set; a failed POST throws (the activity retries it). */
    async notifyOtpNeeded(event: OtpNeededEvent): Promise<{ notified: boolean }> {
      log.warn('GSTN session waits for an OTP', { ...event });
      if (!notifyUrl) return { notified: false };
      let res: Response;
      try {
        res = await fetch(notifyUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'gstn-otp-needed', ...event }),
          signal: AbortSignal.timeout(notifyTimeoutMs),
        });
      } catch (e) {
        throw new NotifyError(`GST_NOTIFY_URL did not answer: ${(e as Error).message}`);
      }
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new NotifyError(`GST_NOTIFY_URL answered HTTP ${res.status}`);
      return { notified: true };
    },
  };
}

export type SessionActivities = ReturnType<typeof createSessionActivities>;
