/**
 * GSTN's answers as outcomes, in workflow code. An activity that met an answer (no-data, not-generated,
 * not-applicable) fails with type `GstnAnswer` (details: the kind and the GSTN code); an EAS task that failed
 * with one is turned into the same failure by `answerFailure`. Downloads catch it and end with that outcome
 * instead of failing. A not-generated answer is asked again on a durable timer, a bounded number of times.
 * All of it sits behind the patch OUTCOMES_PATCH, so histories recorded before it replay unchanged.
 */
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { newPath } from './patches';
import { DEFAULT_CONFIG, type DownloadConfig, type NotGeneratedConfig } from '../domain/config';
import type { GstnAnswerOutcome } from '../domain/outcomes';
import { failureType } from './failures';
import type { Tracker } from './tracker';

export const OUTCOMES_PATCH = 'gst-outcomes-v1';

/** Whether this run follows the outcome rules (call once, at the start of a run). */
export function outcomesOn(): boolean {
  return newPath(OUTCOMES_PATCH);
}

export interface GstnAnswer {
  outcome: GstnAnswerOutcome;
  gstnCode?: string;
}

const ANSWERS: readonly string[] = ['no-data', 'not-generated', 'not-applicable'];

/** The answer a failure carries, if it is one. */
export function answerOf(e: unknown): GstnAnswer | undefined {
  if (failureType(e) !== 'GstnAnswer') return undefined;
  const f = (e as { cause?: unknown }).cause instanceof ApplicationFailure ? (e as { cause: ApplicationFailure }).cause : (e as ApplicationFailure);
  const d = (f.details?.[0] ?? {}) as { kind?: string; gstnCode?: string | null };
  if (!d.kind || !ANSWERS.includes(d.kind)) return undefined;
  return d.gstnCode ? { outcome: d.kind as GstnAnswerOutcome, gstnCode: d.gstnCode } : { outcome: d.kind as GstnAnswerOutcome };
}

/** The failure an EAS task that ended with GSTN's answer becomes (so one catch handles both ways). */
export function answerFailure(a: GstnAnswer, taskId: string): ApplicationFailure {
  return ApplicationFailure.create({
    message: `GSTN answered ${a.outcome}${a.gstnCode ? ` (${a.gstnCode})` : ''} for task ${taskId}`,
    type: 'GstnAnswer',
    nonRetryable: true,
    details: [{ kind: a.outcome, gstnCode: a.gstnCode ?? null }],
  });
}

export function notGeneratedConfig(cfg: DownloadConfig): NotGeneratedConfig {
  return cfg.notGenerated ?? DEFAULT_CONFIG.notGenerated!;
}

/** Waits durably (stage AWAITING_GSTN) before GSTN is asked again. */
export async function awaitGstn(tracker: Tracker, ms: number, why: string): Promise<void> {
  tracker.progress.lastError = why;
  tracker.progress.nextPollAt = new Date(Date.now() + ms).toISOString();
  tracker.stage('AWAITING_GSTN');
  await sleep(ms);
  tracker.progress.nextPollAt = undefined;
}

/**
 * Runs `attempt` until it returns, or GSTN's answer is final: not-generated is asked again every `retryMs`, at
 * most `maxAsks` times in all (`asks` counts the not-generated answers, carried across continue-as-new); every other
 * answer is final at once. `again` runs before each new ask (e.g. forget the failed task, so it is resubmitted).
 */
export async function askUntilAnswered<T>(
  cfg: DownloadConfig,
  tracker: Tracker,
  asks: { n: number },
  attempt: () => Promise<T>,
  again: () => void = () => undefined,
): Promise<{ value: T } | { answer: GstnAnswer }> {
  const ng = notGeneratedConfig(cfg);
  for (;;) {
    try {
      return { value: await attempt() };
    } catch (e) {
      const a = answerOf(e);
      if (!a) throw e;
      if (a.outcome !== 'not-generated') return { answer: a };
      asks.n++;
      if (asks.n >= ng.maxAsks) return { answer: a };
      await awaitGstn(tracker, ng.retryMs, `GSTN: not generated yet (${a.gstnCode ?? 'no code'}), ask ${asks.n} of ${ng.maxAsks}; asking again`);
      again();
    }
  }
}
