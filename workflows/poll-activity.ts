/**
 * Polling without history growth: the status checks of one window are the retries of one `awaitTask` activity,
 * whose retry policy is the poll schedule (activity retries write no history events). A window ends after
 * `poll.windowMs` (or when the task is done); the workflow then records the count of checks and, if its history is
 * long, continues as new. The first check waits `poll.initialMs` on a durable timer, as before. Compared with a timer
 * and an activity per check (~11 events each), a 30-minute task costs one window: a few dozen events in all.
 *
 * The count of checks in the running window is on the pending activity (its attempt number, in `describe` and the
 * Web UI); the `progress` query and the current details carry the checks of finished windows and when the current
 * window began.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities, sleep, TimeoutFailure } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DownloadConfig } from '../domain/config';
import { shouldContinueAsNew } from './polling';
import type { Proxies } from './proxies';
import type { SessionGuard } from './session';
import type { GstnAnswer } from './outcomes';
import type { Tracker } from './tracker';
import type { AsyncResume } from './types';

/** A window of status checks, when the worker's (recorded) config predates the setting. */
export const DEFAULT_POLL_WINDOW_MS = 60 * 60_000;

/** The retry interval of check number `n` (0-based) of the task: the poll schedule without jitter. */
export function pollIntervalMs(poll: DownloadConfig['poll'], n: number): number {
  return Math.min(poll.maxMs, poll.initialMs * poll.factor ** n);
}

export async function pollTaskByActivity(
  state: AsyncResume,
  cfg: DownloadConfig,
  _acts: Proxies,
  guard: SessionGuard,
  tracker: Tracker,
): Promise<{ status: 'completed' | 'failed' | 'continue'; error?: string; answer?: GstnAnswer }> {
  tracker.stage('POLLING');
  const poll = cfg.poll;
  const windowMs = poll.windowMs ?? DEFAULT_POLL_WINDOW_MS;
  if (state.polls === 0) {
    tracker.progress.nextPollAt = new Date(Date.now() + poll.initialMs).toISOString();
    tracker.details();
    await sleep(poll.initialMs);
  }
  for (;;) {
    const elapsed = Date.now() - Date.parse(state.submittedAt);
    if (elapsed >= poll.deadlineMs) {
      throw ApplicationFailure.create({
        message: `EAS task ${state.taskId} was still processing ${Math.round(elapsed / 60000)} min after submission (deadline ${Math.round(poll.deadlineMs / 60000)} min)`,
        type: 'DeadlineExceeded',
        nonRetryable: true,
      });
    }
    // this window's retries continue the schedule where the last window stopped
    const first = pollIntervalMs(poll, state.polls);
    const { awaitTask } = proxyActivities<Activities>({
      startToCloseTimeout: cfg.activity.shortTimeoutMs,
      // a window, plus the longest wait and one check, bounds an outage of the status route too
      scheduleToCloseTimeout: windowMs + poll.maxMs + cfg.activity.shortTimeoutMs,
      retry: { initialInterval: first, backoffCoefficient: poll.factor, maximumInterval: Math.max(first, poll.maxMs) },
    });
    tracker.progress.nextPollAt = undefined;
    tracker.progress.pollWindowSince = new Date(Date.now()).toISOString();
    tracker.details();
    let r: Awaited<ReturnType<typeof awaitTask>>;
    try {
      r = await guard.run(() =>
        awaitTask(state.taskId, {
          submittedAt: state.submittedAt,
          deadlineMs: poll.deadlineMs,
          windowMs,
          schedule: { initialMs: first, factor: poll.factor, maxMs: poll.maxMs },
          gstin: guard.gstin,
        }),
      );
    } catch (e) {
      // the deadline is the download's failure, as on the timer path (not an activity's)
      if (e instanceof ActivityFailure && e.cause instanceof ApplicationFailure && e.cause.type === 'DeadlineExceeded') {
        throw ApplicationFailure.create({ message: e.cause.message, type: 'DeadlineExceeded', nonRetryable: true });
      }
      // a window whose checks all failed (the status route down for the whole window): the next window tries again
      if (!(e instanceof ActivityFailure && e.cause instanceof TimeoutFailure)) throw e;
      r = { status: 'processing', polls: 0 };
    }
    state.polls += r.polls;
    tracker.progress.polls = state.polls;
    tracker.progress.pollWindowSince = undefined;
    tracker.details();
    if (r.status === 'completed') return { status: 'completed' };
    if (r.status === 'failed') {
      return r.outcome ? { status: 'failed', error: r.error, answer: { outcome: r.outcome, gstnCode: r.gstnCode } } : { status: 'failed', error: r.error };
    }
    if (shouldContinueAsNew(cfg)) return { status: 'continue' };
  }
}
