/**
 * Waiting on an EAS asynchronous task: durable timers with exponential, deterministically jittered backoff, and
 * the point where a long history hands over to a fresh run (continue-as-new).
 */
import { ApplicationFailure, sleep, workflowInfo } from '@temporalio/workflow';
import type { DownloadConfig } from '../domain/config';
import { pollDelayMs } from './backoff';
import type { Proxies } from './proxies';
import type { SessionGuard } from './session';
import type { Tracker } from './tracker';
import type { GstnAnswer } from './outcomes';
import type { AsyncResume } from './types';

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
): Promise<{ status: 'completed' | 'failed' | 'continue'; error?: string; answer?: GstnAnswer }> {
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
    if (s.status === 'failed') {
      return s.outcome ? { status: 'failed', error: s.error, answer: { outcome: s.outcome, gstnCode: s.gstnCode } } : { status: 'failed', error: s.error };
    }
    if (shouldContinueAsNew(cfg)) return { status: 'continue' };
  }
}
