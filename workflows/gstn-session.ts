/**
 * `gstnSession`: the one owner of a GSTIN's GSTN session (workflow id `gstn-session-<GSTIN>`), started with
 * signal-with-start by whichever download needs it (the `askGstnSession` activity).
 *
 * - A download refused for want of a session signals `gstnSessionNeeded` and waits for this workflow's answer.
 * - Needed → one refresh for all waiting downloads. Refreshed → every waiting download is told `ready`.
 * - Not refreshable (maximum age, logged out) → exactly ONE OTP request, stage AWAITING_OTP, a notification
 *   (GST_NOTIFY_URL), and a durable wait for the session: `gstnSessionVerified` (sent by
 *   `gst-download session verify-otp` after EAS accepted the OTP: the OTP itself never reaches Temporal) or a cheap
 *   periodic check that sees a live session. Downloads that ask meanwhile join the wait; none asks GSTN again.
 * - No session within `otp.waitMs`: every waiting download is told `failed`, with what to do.
 * - While downloads have needed the session recently it is refreshed ahead of its expiry; idle, the workflow ends
 *   (the next download starts it again). Continue-as-new keeps its history bounded.
 */
import {
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { DEFAULT_SESSION_CONFIG, verifyCommand } from '../domain/session';
import type { DownloadConfig } from '../domain/config';
import { failureMessage, failureType } from './failures';
import { activityProxies, loadConfig, type Proxies } from './proxies';
import {
  gstnSessionNeededSignal,
  gstnSessionUpdateSignal,
  gstnSessionVerifiedSignal,
  sessionQuery,
  type SessionState,
  type SessionUpdate,
  type SessionView,
} from './messages';
import { GstGstin, GstStage } from './search-attributes';
import { decidePatchesUpFront, newPath } from './patches';

/** States: IDLE (no session known to be live), REFRESHING, LIVE (refreshed or restored), AWAITING_OTP. */
export interface GstnSessionInput {
  gstin: string;
  /** Carried over by continue-as-new. */
  carry?: SessionCarry;
}

interface SessionCarry {
  waiting: string[];
  otpRequestId?: string;
  awaitingOtpSince?: string;
  lastNeededAt?: string;
  lastRefreshAt?: string;
  otpRequests: number;
  refreshes: number;
}

class SessionOwner {
  readonly view: SessionView;
  private readonly waiting = new Set<string>();
  /** Waiting downloads not yet told that an OTP is awaited. */
  private readonly untold = new Set<string>();
  private verified = 0;
  /** A new OTP request was made: notify once (a run resumed by continue-as-new does not notify again). */
  private notifyDue = false;
  private readonly acts: Proxies;

  constructor(
    private readonly gstin: string,
    private readonly cfg: DownloadConfig,
    carry: SessionCarry | undefined,
  ) {
    this.acts = activityProxies(cfg);
    this.view = {
      gstin,
      state: 'IDLE',
      waiting: [],
      otpRequests: carry?.otpRequests ?? 0,
      refreshes: carry?.refreshes ?? 0,
      ...(carry?.lastNeededAt && { lastNeededAt: carry.lastNeededAt }),
      ...(carry?.lastRefreshAt && { lastRefreshAt: carry.lastRefreshAt }),
    };
    for (const id of carry?.waiting ?? []) this.waiting.add(id);
    if (carry?.otpRequestId) {
      this.view.otpRequestId = carry.otpRequestId;
      this.view.awaitingOtpSince = carry.awaitingOtpSince;
    }
    setHandler(sessionQuery, () => ({ ...this.view, waiting: [...this.waiting] }));
    setHandler(gstnSessionNeededSignal, ({ workflowId }) => {
      this.view.lastNeededAt = new Date().toISOString();
      if (this.waiting.has(workflowId)) return;
      this.waiting.add(workflowId);
      if (this.view.state === 'AWAITING_OTP') this.untold.add(workflowId);
      this.details();
    });
    setHandler(gstnSessionVerifiedSignal, ({ otpRequestId }) => {
      // only a verification of the current request counts (an old one cannot have opened today's session)
      if (this.view.state === 'AWAITING_OTP' && (!otpRequestId || otpRequestId === this.view.otpRequestId)) this.verified++;
    });
    // the keyed hash when the worker has GST_GSTIN_INDEX_KEY (epoch 2; runs before it indexed the GSTIN itself)
    upsertSearchAttributes([{ key: GstGstin, value: newPath('session-gstin-index') ? (cfg.gstinIndex ?? gstin) : gstin }]);
  }

  carry(): SessionCarry {
    const v = this.view;
    return {
      waiting: [...this.waiting],
      otpRequests: v.otpRequests,
      refreshes: v.refreshes,
      ...(v.otpRequestId && { otpRequestId: v.otpRequestId, awaitingOtpSince: v.awaitingOtpSince }),
      ...(v.lastNeededAt && { lastNeededAt: v.lastNeededAt }),
      ...(v.lastRefreshAt && { lastRefreshAt: v.lastRefreshAt }),
    };
  }

  /** Runs until idle long enough (returns) or the history should be handed on (returns 'continue'). */
  async run(): Promise<'done' | 'continue'> {
    const s = this.cfg.session ?? DEFAULT_SESSION_CONFIG;
    if (this.view.otpRequestId) await this.awaitOtp();
    for (;;) {
      if (this.waiting.size > 0) await this.serve();
      if (shouldHandOn(this.cfg)) return 'continue';
      const lastNeeded = Date.parse(this.view.lastNeededAt ?? new Date(0).toISOString());
      const idleLeft = lastNeeded + s.keepAliveMs - Date.now();
      if (idleLeft <= 0) return 'done';
      const lastRefresh = Date.parse(this.view.lastRefreshAt ?? new Date(0).toISOString());
      const refreshIn = Math.max(0, lastRefresh + s.refreshEveryMs - Date.now());
      const woken = await condition(() => this.waiting.size > 0, Math.min(idleLeft, refreshIn));
      if (!woken && Date.now() >= lastRefresh + s.refreshEveryMs) await this.refreshAhead();
    }
  }

  /** Downloads wait: refresh once for all of them, or get an OTP. */
  private async serve(): Promise<void> {
    this.setState('REFRESHING');
    try {
      await this.acts.short.refreshGstnSession(this.gstin);
      this.refreshed();
      await this.tell({ status: 'ready' });
      return;
    } catch (e) {
      if (failureType(e) !== 'GstnSessionEnded') {
        // not a session problem (unknown GSTIN, wrong GSTN username, EAS down for hours): the downloads fail, readable
        await this.tell({ status: 'failed', message: `GSTN session for ${this.gstin} could not be refreshed: ${failureMessage(e)}` });
        return;
      }
      this.view.lastError = failureMessage(e);
    }
    try {
      this.view.otpRequestId = await this.acts.short.requestGstnOtp(this.gstin);
    } catch (e) {
      await this.tell({ status: 'failed', message: `asking GSTN for an OTP for ${this.gstin} failed: ${failureMessage(e)}` });
      return;
    }
    this.view.otpRequests++;
    this.view.awaitingOtpSince = new Date().toISOString();
    this.notifyDue = true;
    await this.awaitOtp();
  }

  /** AWAITING_OTP: one request, told to every waiting download, until the session is back or the wait ends. */
  private async awaitOtp(): Promise<void> {
    const otp = this.cfg.otp;
    const since = Date.parse(this.view.awaitingOtpSince!);
    this.setState('AWAITING_OTP');
    for (const id of this.waiting) this.untold.add(id);
    if (this.notifyDue) {
      this.notifyDue = false;
      // once per OTP request (not again after a continue-as-new); it retries on its own, the wait does not wait for it
      void this.acts.short
        .notifyOtpNeeded({
          gstin: this.gstin,
          otpRequestId: this.view.otpRequestId!,
          since: this.view.awaitingOtpSince!,
          waitingDownloads: this.waiting.size,
          command: verifyCommand(this.gstin),
        })
        .catch(() => undefined);
    }
    let wait = otp.checkInitialMs;
    let nextCheck = Date.now() + wait;
    let verifiedSeen = this.verified;
    for (;;) {
      await this.tellUntold();
      const left = since + otp.waitMs - Date.now();
      if (left <= 0) {
        const hours = Math.round(otp.waitMs / 3_600_000);
        const message =
          `GSTN session for ${this.gstin} was not restored within ${hours} h of asking for an OTP (request ${this.view.otpRequestId}); ` +
          `run "${verifyCommand(this.gstin)}" with the OTP the taxpayer receives, then start the download again`;
        this.endOtpWait();
        await this.tell({ status: 'failed', message });
        return;
      }
      await condition(() => this.verified > verifiedSeen || this.untold.size > 0, Math.min(left, Math.max(0, nextCheck - Date.now())));
      const verified = this.verified > verifiedSeen;
      verifiedSeen = this.verified;
      if (!verified && Date.now() < nextCheck) continue;
      let live = false;
      try {
        live = await this.acts.short.checkGstnSession(this.gstin);
      } catch (e) {
        this.view.lastError = `session check failed, still waiting for the OTP: ${failureMessage(e)}`;
      }
      if (live) break;
      wait = Math.min(wait * 2, otp.checkMaxMs);
      nextCheck = Date.now() + wait;
      if (shouldHandOn(this.cfg)) await continueAsNew<typeof gstnSession>({ gstin: this.gstin, carry: this.carry() });
    }
    this.endOtpWait();
    this.refreshed();
    await this.tell({ status: 'ready' });
  }

  private async refreshAhead(): Promise<void> {
    try {
      await this.acts.short.refreshGstnSession(this.gstin);
      this.refreshed();
    } catch (e) {
      // nobody waits: an ended session gets its OTP when a download needs it, not before
      this.view.lastError = `refresh ahead of expiry failed: ${failureMessage(e)}`;
      this.view.lastRefreshAt = new Date().toISOString();
      this.setState('IDLE');
    }
    this.details();
  }

  private refreshed(): void {
    this.view.refreshes++;
    this.view.lastRefreshAt = new Date().toISOString();
    this.view.lastError = undefined;
    this.setState('LIVE');
  }

  private endOtpWait(): void {
    this.view.otpRequestId = undefined;
    this.view.awaitingOtpSince = undefined;
    this.untold.clear();
  }

  /** Answers every waiting download (ready / failed): they stop waiting. */
  private async tell(update: SessionUpdate): Promise<void> {
    if (update.status === 'failed') this.setState('IDLE');
    const ids = [...this.waiting];
    this.waiting.clear();
    this.untold.clear();
    await Promise.all(ids.map((id) => signalDownload(id, update)));
    this.details();
  }

  private async tellUntold(): Promise<void> {
    if (!this.untold.size) return;
    const ids = [...this.untold];
    this.untold.clear();
    const update: SessionUpdate = { status: 'awaiting-otp', otpRequestId: this.view.otpRequestId, since: this.view.awaitingOtpSince };
    await Promise.all(ids.map((id) => signalDownload(id, update)));
    this.details();
  }

  private setState(state: SessionState): void {
    if (this.view.state !== state) upsertSearchAttributes([{ key: GstStage, value: state }]);
    this.view.state = state;
    this.details();
  }

  private details(): void {
    const v = this.view;
    const lines = [`**GSTN session** ${this.gstin} · **${v.state}** · ${this.waiting.size} download(s) waiting`];
    if (v.state === 'AWAITING_OTP') {
      lines.push(`OTP requested ${v.awaitingOtpSince} (request ${v.otpRequestId}). Run \`${verifyCommand(this.gstin)}\` with the OTP the taxpayer received.`);
    }
    const facts = [`${v.otpRequests} OTP request(s)`, `${v.refreshes} refresh(es)`];
    if (v.lastRefreshAt) facts.push(`last refresh ${v.lastRefreshAt}`);
    lines.push(facts.join(' · '));
    if (v.lastError) lines.push(`last error: ${v.lastError}`);
    setCurrentDetails(lines.join('\n\n'));
  }
}

async function signalDownload(workflowId: string, update: SessionUpdate): Promise<void> {
  // a download that ended meanwhile cannot be told, and needs not be
  await getExternalWorkflowHandle(workflowId)
    .signal(gstnSessionUpdateSignal, update)
    .catch(() => undefined);
}

function shouldHandOn(cfg: DownloadConfig): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= cfg.continueAsNewEvents;
}

export async function gstnSession(input: GstnSessionInput): Promise<void> {
  decidePatchesUpFront(); // before the first await: see workflows/patches.ts
  const cfg = await loadConfig(newPath('session-gstin-index') ? input.gstin : undefined);
  const owner = new SessionOwner(input.gstin, cfg, input.carry);
  if ((await owner.run()) === 'continue') await continueAsNew<typeof gstnSession>({ gstin: input.gstin, carry: owner.carry() });
}
