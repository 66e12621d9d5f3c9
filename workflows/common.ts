/**
 * Building blocks the four download workflows share. Deterministic: timers are Temporal's `sleep`, the clock
 * is the workflow clock, "randomness" is a hash of the task id.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { Activities } from '../activities';
import type { FailureType } from '../activities/errors';
import { InvalidInputError, type ValidationOptions } from '../eas/validation';
import type { DownloadLocation } from '../store/store';
import { pollDelayMs } from './backoff';
import type { DownloadConfig } from './config';
import { progressQuery } from './messages';
import { GstDownloadKind, GstGstin, GstPagesDone, GstPagesTotal, GstReturnPeriod, GstStage } from './search-attributes';
import type { SessionGuard } from './session';
import type { AsyncResume, DownloadKind, Progress, Stage } from './types';

export { progressQuery } from './messages';
export { SessionGuard } from './session';

/** The worker's tunables, read once per run through a local activity (recorded, so replays agree). */
export async function loadConfig(): Promise<DownloadConfig> {
  const { loadDownloadConfig } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });
  return loadDownloadConfig();
}

export function activityProxies(cfg: DownloadConfig) {
  const a = cfg.activity;
  const retry = { initialInterval: a.retryInitialMs, backoffCoefficient: 2, maximumInterval: a.retryMaxMs };
  return {
    short: proxyActivities<Activities>({ startToCloseTimeout: a.shortTimeoutMs, scheduleToCloseTimeout: a.retryWindowMs, retry }),
    page: proxyActivities<Activities>({ startToCloseTimeout: a.pageTimeoutMs, scheduleToCloseTimeout: a.retryWindowMs, retry }),
    zip: proxyActivities<Activities>({
      startToCloseTimeout: a.zipTimeoutMs,
      heartbeatTimeout: a.heartbeatMs,
      scheduleToCloseTimeout: a.retryWindowMs,
      retry,
    }),
  };
}

export type Proxies = ReturnType<typeof activityProxies>;

/** The failure type an activity ended with (see activities/errors.ts), if any. */
export function failureType(e: unknown): FailureType | undefined {
  if (e instanceof ActivityFailure && e.cause instanceof ApplicationFailure) return e.cause.type as FailureType;
  if (e instanceof ApplicationFailure) return e.type as FailureType;
  return undefined;
}

export function failureMessage(e: unknown): string {
  if (e instanceof ActivityFailure && e.cause) return e.cause.message;
  return e instanceof Error ? e.message : String(e);
}

/** Validates the input at once; a bad input fails the workflow, never retried, naming the field. */
export function validated<T>(fn: (opts: ValidationOptions) => T, cfg: DownloadConfig): T {
  try {
    return fn({ gstinChecksum: cfg.gstinChecksum, now: new Date() });
  } catch (e) {
    if (e instanceof InvalidInputError) {
      throw ApplicationFailure.create({ message: e.message, type: 'InvalidInput', nonRetryable: true, details: [{ field: e.field }] });
    }
    throw e;
  }
}

/** India Standard Time is UTC+05:30 all year (no daylight saving time). */
export const IST_OFFSET_MS = 330 * 60_000;

/** Folder date (YYYY-MM-DD) in India for kinds without a return period. */
export function istDate(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Progress as seen by the `progress` query and the search attributes. Stage changes are upserted at once;
 * pages done only every `progressEvery` pages (each upsert is a history event).
 */
export class Tracker {
  readonly progress: Progress;
  private lastPagesUpsert = -1;
  private stageUpserted = false;

  constructor(
    private readonly cfg: DownloadConfig,
    private readonly kind: DownloadKind,
    private readonly gstin: string,
    private readonly retPeriod: string | undefined,
    resume?: Partial<AsyncResume>,
  ) {
    this.progress = {
      stage: 'SUBMITTED',
      taskId: resume?.taskId,
      pagesTotal: resume?.pages,
      pagesDone: resume?.nextPage ? resume.nextPage - 1 : 0,
      polls: resume?.polls ?? 0,
      submissions: resume?.submissions ?? 0,
      run: (resume?.run ?? 0) + 1,
    };
    setHandler(progressQuery, () => this.progress);
    const pairs: SearchAttributePair[] = [
      { key: GstGstin, value: gstin },
      { key: GstDownloadKind, value: kind },
    ];
    if (retPeriod) pairs.push({ key: GstReturnPeriod, value: retPeriod });
    upsertSearchAttributes(pairs);
    this.details();
  }

  /**
   * The Web UI's "current details" (markdown; not a history event, so it may change as often as progress does).
   */
  details(): void {
    const p = this.progress;
    const lines = [`**${this.kind}** ${this.gstin}${this.retPeriod ? ` · period ${this.retPeriod}` : ''} · stage **${p.stage}**`];
    const parts: string[] = [];
    if (p.taskId) parts.push(`task ${p.taskId}`);
    if (p.pagesTotal !== undefined) parts.push(`${p.pagesDone}/${p.pagesTotal} ${this.kind === 'gstr2b' ? 'files' : 'pages'}`);
    if (p.polls) parts.push(`${p.polls} status checks`);
    if (p.submissions > 1) parts.push(`${p.submissions} submissions`);
    if (p.run > 1) parts.push(`run ${p.run}`);
    if (p.nextPollAt) parts.push(`next check ${p.nextPollAt}`);
    if (parts.length) lines.push(parts.join(' · '));
    if (p.stage === 'AWAITING_OTP') {
      lines.push(
        `Waiting since ${p.awaitingOtpSince} for the taxpayer's OTP (request ${p.otpRequestId}). ` +
          `Run \`gst-download session verify-otp --gstin ${this.gstin} --otp <6 digits>\`.`,
      );
    } else if (p.lastError) lines.push(`last error: ${p.lastError}`);
    setCurrentDetails(lines.join('\n\n'));
  }

  stage(stage: Stage): void {
    if (this.progress.stage === stage && this.stageUpserted) return;
    this.stageUpserted = true;
    this.progress.stage = stage;
    upsertSearchAttributes([{ key: GstStage, value: stage }]);
    this.details();
  }

  /** Runs the download; on failure records the error and sets stage FAILED before rethrowing. */
  async failOnError<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.progress.lastError = failureMessage(e);
      this.stage('FAILED');
      throw e;
    }
  }

  pagesTotal(n: number): void {
    this.progress.pagesTotal = n;
    upsertSearchAttributes([{ key: GstPagesTotal, value: n }]);
    this.details();
  }

  pageDone(): void {
    this.progress.pagesDone++;
    const done = this.progress.pagesDone;
    if (done - this.lastPagesUpsert >= this.cfg.progressEvery || done === this.progress.pagesTotal) {
      this.lastPagesUpsert = done;
      upsertSearchAttributes([{ key: GstPagesDone, value: done }]);
    }
    this.details();
  }
}

/** True when this run's history should be handed to a fresh run. */
export function shouldContinueAsNew(cfg: DownloadConfig): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= cfg.continueAsNewEvents;
}

/**
 * Polls the task with durable timers and exponential, deterministically jittered backoff until it is no longer
 * `processing`, or the deadline passes. Returns 'continue' when the history should continue-as-new first.
 */
export async function pollTask(
  state: AsyncResume,
  cfg: DownloadConfig,
  acts: Proxies,
  guard: SessionGuard,
  tracker: Tracker,
): Promise<{ status: 'completed' | 'failed' | 'continue'; error?: string }> {
  tracker.stage('POLLING');
  for (;;) {
    const elapsed = Date.now() - Date.parse(state.submittedAt);
    const left = cfg.poll.deadlineMs - elapsed;
    if (left <= 0) {
      throw ApplicationFailure.create({
        message: `EAS task ${state.taskId} was still processing ${Math.round(elapsed / 60000)} min after submission (deadline ${Math.round(cfg.poll.deadlineMs / 60000)} min)`,
        type: 'DeadlineExceeded',
        nonRetryable: true,
      });
    }
    const delay = Math.min(pollDelayMs(cfg.poll, state.polls, state.taskId), left);
    tracker.progress.nextPollAt = new Date(Date.now() + delay).toISOString();
    tracker.details();
    await sleep(delay);
    const s = await guard.run(() => acts.short.checkTask(state.taskId));
    state.polls++;
    tracker.progress.polls = state.polls;
    tracker.progress.nextPollAt = undefined;
    tracker.details();
    if (s.status === 'completed') return { status: 'completed' };
    if (s.status === 'failed') return { status: 'failed', error: s.error };
    if (shouldContinueAsNew(cfg)) return { status: 'continue' };
  }
}

/**
 * Runs `fn` for items from..to with at most `limit` in flight, launching in order. Stops launching when
 * `stop()` says so (continue-as-new) or after the first failure; always waits for what is in flight.
 * Returns the first item not launched (everything before it is done).
 */
export async function fanOut(
  from: number,
  to: number,
  limit: number,
  fn: (i: number) => Promise<void>,
  stop: () => boolean,
): Promise<number> {
  let next = from;
  let failure: unknown;
  const inflight = new Set<Promise<void>>();
  while (next <= to || inflight.size > 0) {
    while (inflight.size < limit && next <= to && failure === undefined && !stop()) {
      const p: Promise<void> = fn(next++).then(
        () => void inflight.delete(p),
        (e) => {
          inflight.delete(p);
          failure ??= e;
        },
      );
      inflight.add(p);
    }
    if (inflight.size === 0) break;
    await Promise.race(inflight);
  }
  if (failure !== undefined) throw failure;
  return next;
}

export function location(kind: DownloadKind, gstin: string, period: string, section?: string): DownloadLocation {
  return section ? { kind, gstin, period, section } : { kind, gstin, period };
}
