/**
 * Polling without history growth: `awaitTask` checks an EAS task's status once per attempt and, while the task is
 * still `processing`, fails with a retryable `TaskProcessing`. The workflow gives it a retry policy that IS the poll
 * schedule (first retry after poll.initialMs, ×factor, at most maxMs apart), and retries of an activity write no
 * history events: a whole window of status checks costs the events of one activity. The attempt number is the
 * number of checks made in this window; the Web UI and `describe` show it live on the pending activity.
 *
 * A window ends (the activity returns `processing`, at the first attempt after `windowMs`, without a check), so the workflow can record the count and
 * continue-as-new if it must; the task's overall deadline ends polling with a non-retryable `DeadlineExceeded`.
 */
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { GstnAnswerOutcome } from '../domain/outcomes';
import type { EasClient } from '../eas/client';
import { gstnCodeKind, outcomeOfKind } from '../eas/contract';

export interface AwaitTaskOptions {
  /** When the task was submitted (ISO): the deadline counts from here. */
  submittedAt: string;
  deadlineMs: number;
  /** The retry policy the workflow gave this activity (the poll schedule), to stop at the deadline, not after it. */
  schedule: { initialMs: number; factor: number; maxMs: number };
  /** Return `processing` once the window has lasted this long. */
  windowMs: number;
  /** The GSTIN whose tenant's EAS client asks (absent in calls scheduled before tenants: the default account). */
  gstin?: string;
}

export interface AwaitTaskResult {
  status: 'completed' | 'failed' | 'processing';
  error?: string;
  /** The task failed with GSTN's answer (no-data, …): which, with the GSTN code. */
  outcome?: GstnAnswerOutcome;
  gstnCode?: string;
  /** Status checks made in this window (attempts of this activity). */
  polls: number;
}

export function createPollingActivities({ easFor }: { easFor: (gstin: string | undefined) => Promise<EasClient> }) {
  return {
    async awaitTask(taskId: string, o: AwaitTaskOptions): Promise<AwaitTaskResult> {
      const info = activityInfo();
      // the window is over: hand back without a check (the next window's first attempt makes it, at once)
      if (info.attempt > 1 && Date.now() - info.scheduledTimestampMs >= o.windowMs) return { status: 'processing', polls: info.attempt - 1 };
      const s = await (await easFor(o.gstin)).taskStatus(taskId);
      const polls = info.attempt;
      if (s.status === 'completed') return { status: 'completed', polls };
      if (s.status === 'failed') {
        const failed: AwaitTaskResult = { status: 'failed', polls, error: `${s.error?.message ?? 'no reason given'} ${JSON.stringify(s.error?.args ?? {})}` };
        const code = (s.error?.args?.['gstn-err'] as { 'error-code'?: string } | undefined)?.['error-code'];
        const kind = gstnCodeKind(code);
        const outcome = kind && outcomeOfKind(kind);
        if (outcome) {
          failed.outcome = outcome;
          failed.gstnCode = code;
        }
        return failed;
      }
      const now = Date.now();
      const elapsed = now - Date.parse(o.submittedAt);
      if (elapsed >= o.deadlineMs) {
        throw ApplicationFailure.create({
          message: `EAS task ${taskId} was still processing ${Math.round(elapsed / 60000)} min after submission (deadline ${Math.round(o.deadlineMs / 60000)} min)`,
          type: 'DeadlineExceeded',
          nonRetryable: true,
        });
      }
      // the server's next retry per the policy; the last one lands on the deadline rather than past it
      const next = Math.min(o.schedule.maxMs, o.schedule.initialMs * o.schedule.factor ** (polls - 1));
      const left = o.deadlineMs - elapsed;
      throw ApplicationFailure.create({
        message: `EAS task ${taskId} is still processing (check ${polls})`,
        type: 'TaskProcessing',
        nonRetryable: false,
        ...(next > left && { nextRetryDelay: Math.max(1, left) }),
      });
    },
  };
}

export type PollingActivities = ReturnType<typeof createPollingActivities>;
