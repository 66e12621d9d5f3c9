/**
 * The life of one async EAS download: submit → poll → collect, resubmitting (a bounded number of times)
 * when the task fails or its result has expired. Shared by the e-invoice and IMS workflows.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { newPath } from './patches';
import type { DownloadConfig } from '../domain/config';
import { failureMessage, failureType } from './failures';
import { answerFailure, askUntilAnswered, type GstnAnswer } from './outcomes';
import { pollTaskByActivity } from './poll-activity';
import { pollTask } from './polling';
import type { Proxies } from './proxies';
import type { SessionGuard } from './session';
import type { Tracker } from './tracker';
import type { AsyncResume } from './types';

export interface AsyncContext {
  state: AsyncResume;
  cfg: DownloadConfig;
  acts: Proxies;
  guard: SessionGuard;
  tracker: Tracker;
  /** OUTCOMES_PATCH: a task that failed with GSTN's answer ends the download with that outcome. */
  outcomes?: boolean;
}

export function newAsyncState(now: number, date: string): AsyncResume {
  const iso = new Date(now).toISOString();
  return { taskId: '', submittedAt: iso, startedAt: iso, date, polls: 0, submissions: 0, failedResubmits: 0, expiredResubmits: 0, run: 0 };
}

function resubmit(ctx: AsyncContext, why: 'failed' | 'expired', detail: string): void {
  const { state, cfg } = ctx;
  if (why === 'failed') {
    if (state.failedResubmits >= cfg.maxFailedResubmits) {
      throw ApplicationFailure.create({
        message: `EAS task failed ${state.failedResubmits + 1} times (last task ${state.taskId}): ${detail}`,
        type: 'TaskFailed',
        nonRetryable: true,
      });
    }
    state.failedResubmits++;
  } else {
    if (state.expiredResubmits >= cfg.maxExpiredResubmits) {
      throw ApplicationFailure.create({
        message: `EAS task result was gone ${state.expiredResubmits + 1} times (last task ${state.taskId}): ${detail}`,
        type: 'EasNotFound',
        nonRetryable: true,
      });
    }
    state.expiredResubmits++;
  }
  ctx.tracker.progress.lastError = `${why}: ${detail}`;
  state.taskId = '';
  state.completed = undefined;
  state.pages = undefined;
  state.nextPage = undefined;
  state.digests = undefined;
}

/** Forgets the task so the next drive submits the job again (after a not-generated answer). */
/**
 * Drives an async download's task to its end. With the outcome rules on, a GSTN answer (no data, not generated…)
 * ends it as an outcome instead of a failure, a not-generated one asked again on a timer with a fresh task; the
 * asks are counted in the resume state.
 */
export async function driveWithOutcomes<T>(
  o: { withOutcomes: boolean; cfg: DownloadConfig; tracker: Tracker; asks: { n: number }; state: AsyncResume },
  drive: () => Promise<T>,
): Promise<{ value: T } | { answer: GstnAnswer }> {
  const got = o.withOutcomes
    ? await o.tracker.failOnError(() => askUntilAnswered(o.cfg, o.tracker, o.asks, drive, () => forgetTask(o.state)))
    : { value: await o.tracker.failOnError(drive) };
  if (o.withOutcomes) o.state.asks = o.asks.n;
  return got;
}

export function forgetTask(state: AsyncResume): void {
  state.taskId = '';
  state.completed = undefined;
  state.pages = undefined;
  state.nextPage = undefined;
}

/**
 * Drives the task until `collect` finishes. Returns 'continue' when the workflow should continue-as-new
 * (the state says where to pick up).
 */
export async function driveTask(
  ctx: AsyncContext,
  submit: () => Promise<string>,
  collect: () => Promise<'done' | 'continue'>,
): Promise<'done' | 'continue'> {
  const { state, acts, guard, tracker, cfg } = ctx;
  for (;;) {
    if (!state.taskId) {
      tracker.stage('SUBMITTED');
      state.taskId = await guard.run(submit);
      state.submissions++;
      state.submittedAt = new Date(Date.now()).toISOString();
      state.polls = 0;
      tracker.progress.taskId = state.taskId;
      tracker.progress.submissions = state.submissions;
    }
    if (!state.completed) {
      let polled;
      try {
        // status checks as the retries of one activity (no history per check); runs recorded before keep their timers
        const poll = newPath('poll-by-activity-retry') ? pollTaskByActivity : pollTask;
        polled = await poll(state, cfg, acts, guard, tracker);
      } catch (e) {
        if (failureType(e) !== 'EasNotFound') throw e;
        resubmit(ctx, 'expired', failureMessage(e));
        continue;
      }
      if (polled.status === 'continue') return 'continue';
      if (polled.status === 'failed') {
        if (ctx.outcomes && polled.answer) throw answerFailure(polled.answer, state.taskId);
        resubmit(ctx, 'failed', polled.error ?? 'no reason given');
        continue;
      }
      state.completed = true;
    }
    tracker.stage('DOWNLOADING');
    try {
      return await collect();
    } catch (e) {
      const type = failureType(e);
      if (type === 'EasNotFound') resubmit(ctx, 'expired', failureMessage(e));
      else if (type === 'TaskFailed') resubmit(ctx, 'failed', failureMessage(e));
      else throw e;
    }
  }
}
