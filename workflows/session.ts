/**
 * The GSTN session as a download sees it: a thin client of the GSTIN's session workflow (workflows/gstn-session.ts).
 * A step refused for want of a session asks the session workflow (signal-with-start through the `askGstnSession`
 * activity) and waits for its answer: `ready` → the step runs again; `awaiting-otp` → stage AWAITING_OTP with the
 * session's OTP request id, still waiting; `failed` → the download fails, non-retryable, with the session
 * workflow's message (what happened and what to do). Downloads never ask GSTN for an OTP themselves.
 *
 * Downloads started before the session workflow existed (no `gstn-session-workflow` patch marker in their history)
 * keep their own session handling (workflows/session-legacy.ts), so their histories replay and they can finish.
 */
import { ApplicationFailure, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { newPath } from './patches';
import { DEFAULT_CONFIG, type DownloadConfig } from '../domain/config';
import { sessionWorkflowId } from '../domain/session';
import { failureMessage, failureType } from './failures';
import { gstnSessionUpdateSignal, type SessionUpdate } from './messages';
import { recordOtpWait } from './metrics';
import type { Proxies } from './proxies';
import { LegacySessionGuard } from './session-legacy';
import type { Tracker } from './tracker';
import type { Stage } from './types';

export const SESSION_WORKFLOW_PATCH = 'gstn-session-workflow';

/** How long past the OTP wait a download waits for its session workflow's answer before giving up on it. */
const ANSWER_GRACE_MS = 60 * 60_000;

class SessionClient {
  private asking: Promise<void> | undefined;
  private answer: SessionUpdate | undefined;
  /**
   * Questions asked since a step was last served (concurrent refusals share one): a session that is "ready" yet
   * refused again and again is not asked forever.
   */
  private asks = 0;
  private awaitingSince: number | undefined;

  constructor(
    readonly gstin: string,
    private readonly cfg: DownloadConfig,
    private readonly acts: Proxies,
    private readonly tracker: Tracker,
  ) {
    setHandler(gstnSessionUpdateSignal, (u) => this.onUpdate(u));
  }

  async run<T>(step: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const result = await step();
        this.asks = 0;
        return result;
      } catch (e) {
        const type = failureType(e);
        if (type !== 'GstnSessionExpired' && type !== 'GstnSessionEnded') throw e;
        if (!this.asking && this.asks >= this.cfg.maxSessionRefreshes) {
          throw ApplicationFailure.create({
            message: `GSTN session for ${this.gstin} is still refused after its session workflow restored it ${this.asks} time(s): ${failureMessage(e)}`,
            type: 'GstnSessionEnded',
            nonRetryable: true,
          });
        }
        await this.ask(failureMessage(e));
      }
    }
  }

  /** One question at a time per download, shared by concurrent steps. */
  private ask(reason: string): Promise<void> {
    if (!this.asking) this.asks++;
    this.asking ??= this.askOnce(reason).finally(() => (this.asking = undefined));
    return this.asking;
  }

  private async askOnce(reason: string): Promise<void> {
    const p = this.tracker.progress;
    const before: Stage = p.stage;
    this.answer = undefined;
    this.awaitingSince = undefined;
    p.lastError = `GSTN session for ${this.gstin} refused (${reason}); waiting for its session workflow ${sessionWorkflowId(this.gstin)}`;
    this.tracker.details();
    await this.acts.short.askGstnSession(this.gstin, workflowInfo().workflowId);
    const otp = this.cfg.otp ?? DEFAULT_CONFIG.otp;
    const answered = await condition(() => this.answer !== undefined, otp.waitMs + ANSWER_GRACE_MS, { summary: 'waiting for the GSTN session' });
    const a = this.answer as SessionUpdate | undefined; // set by the signal handler meanwhile
    if (this.awaitingSince !== undefined) {
      const waited = Date.now() - this.awaitingSince;
      p.otpWaits = (p.otpWaits ?? 0) + 1;
      p.otpWaitedMs = (p.otpWaitedMs ?? 0) + waited;
      if (a?.status === 'ready') recordOtpWait(waited);
    }
    p.otpRequestId = undefined;
    p.awaitingOtpSince = undefined;
    if (!answered || !a) {
      throw ApplicationFailure.create({
        message: `the GSTN session workflow ${sessionWorkflowId(this.gstin)} did not answer within ${Math.round((otp.waitMs + ANSWER_GRACE_MS) / 3_600_000)} h; look at it in the Web UI, then start the download again`,
        type: 'GstnSessionEnded',
        nonRetryable: true,
      });
    }
    if (a.status === 'failed') {
      throw ApplicationFailure.create({ message: a.message ?? `GSTN session for ${this.gstin} could not be restored`, type: 'GstnSessionEnded', nonRetryable: true });
    }
    p.lastError = undefined;
    this.tracker.stage(before);
  }

  private onUpdate(u: SessionUpdate): void {
    if (u.status !== 'awaiting-otp') {
      this.answer = u;
      return;
    }
    const p = this.tracker.progress;
    this.awaitingSince ??= Date.now();
    p.otpRequestId = u.otpRequestId;
    p.awaitingOtpSince = u.since;
    this.tracker.stage('AWAITING_OTP');
  }
}

/** The session handling of a download: the session workflow's client, or the legacy guard for old histories. */
export class SessionGuard {
  private readonly impl: SessionClient | LegacySessionGuard;

  constructor(
    readonly gstin: string,
    cfg: DownloadConfig,
    acts: Proxies,
    tracker: Tracker,
  ) {
    this.impl = newPath(SESSION_WORKFLOW_PATCH) ? new SessionClient(gstin, cfg, acts, tracker) : new LegacySessionGuard(gstin, cfg, acts, tracker);
  }

  run<T>(step: () => Promise<T>): Promise<T> {
    return this.impl.run(step);
  }
}
