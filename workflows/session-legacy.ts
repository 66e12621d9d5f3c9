/**
 * LEGACY (downloads started before the session workflow, patch `gstn-session-workflow` absent): kept unchanged so
 * their histories replay and the running ones can finish. New downloads use workflows/session.ts.
 *
 * The GSTN session as a download sees it. A step refused for "no live session" gets the session refreshed and
 * runs again. When the session cannot be refreshed (it reached its maximum age, was logged out, or never
 * existed), the download asks GSTN to send the taxpayer an OTP and waits, durably, in stage AWAITING_OTP until
 * the session is back:
 *   - the `gstnSessionRestored` signal (sent after the OTP was verified outside Temporal: the OTP never enters
 *     history), or
 *   - the `provideOtp` update (the workflow verifies the OTP through an activity; a wrong OTP fails the update and
 *     the download keeps waiting), or
 *   - a periodic, cheap session check (a session restored by any other means is noticed).
 * After `otp.waitMs` (default 72 h) without a session the download fails, non-retryable, saying what to do.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { DEFAULT_CONFIG, type DownloadConfig, type OtpConfig } from '../domain/config';
import { failureMessage, failureType } from './failures';
import type { Proxies } from './proxies';
import type { Tracker } from './tracker';
import { gstnSessionRestoredSignal, OTP_FORMAT, provideOtpUpdate } from './messages';
import { recordOtpWait } from './metrics';
import type { Stage } from './types';

export class LegacySessionGuard {
  private refreshing: Promise<void> | undefined;
  private awaiting: Promise<void> | undefined;
  private refreshes = 0;
  /** Counts `gstnSessionRestored` signals; a wait ends on one received after it began. */
  private restoredSignals = 0;
  private restoredByUpdate = false;
  /** OTP waits this run, and whether any step succeeded since the last one ended. */
  private waits = 0;
  private servedSinceWait = true;
  private readonly otp: OtpConfig;

  constructor(
    private readonly gstin: string,
    private readonly cfg: DownloadConfig,
    private readonly acts: Proxies,
    private readonly tracker: Tracker,
  ) {
    // Histories recorded before `otp` existed carry a config without it.
    this.otp = cfg.otp ?? DEFAULT_CONFIG.otp;
    setHandler(gstnSessionRestoredSignal, (arg) => {
      if (!arg?.gstin || arg.gstin === this.gstin) this.restoredSignals++;
    });
    setHandler(
      provideOtpUpdate,
      async ({ otp }) => {
        const requestId = this.tracker.progress.otpRequestId;
        if (!requestId) throw ApplicationFailure.create({ message: 'this download is not waiting for an OTP', type: 'NotAwaitingOtp', nonRetryable: true });
        try {
          await this.acts.short.verifyGstnOtp(this.gstin, requestId, otp);
        } catch (e) {
          // The caller learns why; the download keeps waiting.
          throw ApplicationFailure.create({ message: failureMessage(e), type: failureType(e) ?? 'OtpNotVerified', nonRetryable: true });
        }
        this.restoredByUpdate = true;
        return { restored: true as const };
      },
      {
        validator: ({ otp } = { otp: '' }) => {
          if (typeof otp !== 'string' || !OTP_FORMAT.test(otp)) throw new Error('otp must be 6 digits');
          if (this.tracker.progress.stage !== 'AWAITING_OTP') throw new Error(`this download is not waiting for an OTP (stage ${this.tracker.progress.stage})`);
        },
      },
    );
  }

  /** Runs a step, refreshing the session (or waiting for an OTP) when GSTN refuses it for want of one. */
  async run<T>(step: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const result = await step();
        // the session served a step: refreshes count again from zero, and an OTP wait did its job
        this.refreshes = 0;
        this.servedSinceWait = true;
        return result;
      } catch (e) {
        if (failureType(e) !== 'GstnSessionExpired') throw e;
        if (this.refreshes >= this.cfg.maxSessionRefreshes) await this.waitForOtp(`refused even after ${this.refreshes} refreshes: ${failureMessage(e)}`);
        else await this.refresh();
      }
    }
  }

  /** One refresh at a time per workflow, shared by concurrent steps. */
  private refresh(): Promise<void> {
    if (this.awaiting) return this.awaiting;
    if (!this.refreshing) {
      this.refreshes++;
      this.refreshing = this.acts.short
        .refreshGstnSession(this.gstin)
        .catch((e) => {
          if (failureType(e) !== 'GstnSessionEnded') throw e;
          return this.waitForOtp(failureMessage(e));
        })
        .finally(() => (this.refreshing = undefined));
    }
    return this.refreshing;
  }

  /** One OTP wait at a time per workflow, shared by concurrent steps. */
  private waitForOtp(reason: string): Promise<void> {
    if (!this.awaiting && this.waits > 0 && !this.servedSinceWait) {
      // A restored session that still serves nothing is not fixed by asking the taxpayer for yet another OTP.
      return Promise.reject(
        ApplicationFailure.create({
          message: `GSTN session for ${this.gstin} is still refused after a new OTP restored it: ${reason}`,
          type: 'GstnSessionEnded',
          nonRetryable: true,
        }),
      );
    }
    this.awaiting ??= this.awaitSession(reason).finally(() => (this.awaiting = undefined));
    return this.awaiting;
  }

  private async awaitSession(reason: string): Promise<void> {
    const p = this.tracker.progress;
    const before: Stage = p.stage;
    const since = Date.now();
    const signalsAtStart = this.restoredSignals;
    this.restoredByUpdate = false;
    p.lastError = `GSTN session for ${this.gstin} has ended: ${reason}`;
    p.otpRequestId = await this.acts.short.requestGstnOtp(this.gstin);
    p.awaitingOtpSince = new Date(since).toISOString();
    this.tracker.stage('AWAITING_OTP');

    const restored = () => this.restoredByUpdate || this.restoredSignals > signalsAtStart;
    let wait = this.otp.checkInitialMs;
    for (;;) {
      const left = since + this.otp.waitMs - Date.now();
      if (left <= 0) {
        throw ApplicationFailure.create({
          message:
            `GSTN session for ${this.gstin} was not restored within ${Math.round(this.otp.waitMs / 3_600_000)} h of asking for an OTP ` +
            `(request ${p.otpRequestId}); verify a new OTP for this GSTIN and start the download again`,
          type: 'GstnSessionEnded',
          nonRetryable: true,
        });
      }
      if (await condition(restored, Math.min(wait, left), { summary: 'waiting for the GSTN OTP' })) break;
      if (Date.now() - since >= this.otp.waitMs) continue;
      try {
        if (await this.acts.short.checkGstnSession(this.gstin)) break;
      } catch (e) {
        // The check is only a shortcut: an EAS outage while waiting is not a reason to give up the download.
        p.lastError = `session check failed, still waiting for the OTP: ${failureMessage(e)}`;
      }
      wait = Math.min(wait * 2, this.otp.checkMaxMs);
    }

    this.refreshes = 0;
    this.waits++;
    this.servedSinceWait = false;
    p.otpRequestId = undefined;
    p.awaitingOtpSince = undefined;
    p.lastError = undefined;
    p.otpWaits = (p.otpWaits ?? 0) + 1;
    p.otpWaitedMs = (p.otpWaitedMs ?? 0) + (Date.now() - since);
    recordOtpWait(Date.now() - since);
    this.tracker.stage(before);
  }
}
