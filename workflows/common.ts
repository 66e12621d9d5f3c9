/**
 * Building blocks the four download workflows share. Deterministic: timers are Temporal's `sleep`, the clock
 * is the workflow clock, "randomness" is a hash of the task id.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
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
import type { AsyncResume, DownloadKind, Progress, Stage } from './types';

export { progressQuery } from './messages';

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

/** Folder date (YYYY-MM-DD) in India for kinds without a return period. */
export function istDate(ms: number): string {
  return new Date(ms + 330 * 60_000).toISOString().slice(0, 10);
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
    kind: DownloadKind,
    gstin: string,
    retPeriod: string | undefined,
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
  }

  stage(stage: Stage): void {
    if (this.progress.stage === stage && this.stageUpserted) return;
    this.stageUpserted = true;
    this.progress.stage = stage;
    upsertSearchAttributes([{ key: GstStage, value: stage }]);
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
  }

  pageDone(): void {
    this.progress.pagesDone++;
    const done = this.progress.pagesDone;
    if (done - this.lastPagesUpsert >= this.cfg.progressEvery || done === this.progress.pagesTotal) {
      this.lastPagesUpsert = done;
      upsertSearchAttributes([{ key: GstPagesDone, value: done }]);
    }
  }
}

/**
 * Runs a step; when it fails because the GSTIN has no live GSTN session, refreshes the session (one refresh
 * at a time per workflow, shared by concurrent steps) and runs the step again, at most maxSessionRefreshes times.
 * A session that cannot be refreshed fails the download with a readable, non-retryable error.
 */
export class SessionGuard {
  private refreshing: Promise<void> | undefined;
  private refreshes = 0;

  constructor(
    private readonly gstin: string,
    private readonly cfg: DownloadConfig,
    private readonly acts: Proxies,
    private readonly tracker: Tracker,
  ) {}

  async run<T>(step: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (e) {
        if (failureType(e) !== 'GstnSessionExpired') throw e;
        if (this.refreshes >= this.cfg.maxSessionRefreshes) {
          throw ApplicationFailure.create({
            message: `GSTN session for ${this.gstin} is refused even after ${this.refreshes} refreshes: ${failureMessage(e)}`,
            type: 'GstnSessionEnded',
            nonRetryable: true,
          });
        }
        await this.refresh();
      }
    }
  }

  private refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshes++;
      this.refreshing = this.acts.short
        .refreshGstnSession(this.gstin)
        .catch((e) => {
          if (failureType(e) === 'GstnSessionEnded') {
            this.tracker.progress.lastError = failureMessage(e);
            throw ApplicationFailure.create({
              message: `GSTN session for ${this.gstin} has ended and cannot be refreshed; verify a new OTP for this GSTIN (${failureMessage(e)})`,
              type: 'GstnSessionEnded',
              nonRetryable: true,
            });
          }
          throw e;
        })
        .finally(() => (this.refreshing = undefined));
    }
    return this.refreshing;
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
    await sleep(delay);
    const s = await guard.run(() => acts.short.checkTask(state.taskId));
    state.polls++;
    tracker.progress.polls = state.polls;
    tracker.progress.nextPollAt = undefined;
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
