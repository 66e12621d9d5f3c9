/**
 * The ONE place that turns whatever an activity throws into a Temporal failure (the pattern of a
 * `cast_known_errors` interceptor): activity bodies just throw.
 *   - an ApplicationFailure (thrown on purpose, e.g. `corrupt()`) passes unchanged;
 *   - an EAS error gets its failure type and retry behaviour from the contract's one table (ERROR_KINDS);
 *   - the store's disk full (ENOSPC, EDQUOT) → `StoreFull`, retried slowly, logged as a warning;
 *   - the store refusing access (EACCES, EPERM, EROFS) → `StoreDenied`, never retried;
 *   - anything else (a bug: TypeError, …) → `Internal`: retried a few times, then final, logged with its stack;
 *     never counted as a gateway fault.
 * Details never carry secrets (EAS errors describe route, code and GSTN code only).
 */
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { FailureType } from '../domain/failures';
import { ERROR_KINDS } from '../eas/contract';
import { isEasError } from '../eas/errors';

/** An unexpected error is tried this many times in all before it is final. */
export const INTERNAL_MAX_ATTEMPTS = 3;
/** A full disk does not empty itself in seconds: the least wait before trying again. */
export const STORE_FULL_RETRY_MS = 5 * 60_000;

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);
const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);

function systemCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

function failure(type: FailureType, message: string, opts: { retry: boolean; details?: unknown[]; nextRetryDelayMs?: number; cause?: Error }) {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: !opts.retry,
    details: opts.details,
    nextRetryDelay: opts.nextRetryDelayMs,
    cause: opts.cause,
  });
}

/** Maps an error thrown in attempt number `attempt` (1-based) of an activity. */
export function toFailure(e: unknown, attempt = 1, storeFullRetryMs = STORE_FULL_RETRY_MS): ApplicationFailure {
  if (e instanceof ApplicationFailure) return e;
  if (isEasError(e)) {
    const spec = ERROR_KINDS[e.kind];
    const details = [{ kind: e.kind, code: e.code, httpStatus: e.httpStatus ?? null, gstnCode: e.gstnCode ?? null, route: e.route }];
    const nextRetryDelayMs = e.kind === 'rate-limited' && e.retryAfterMs !== undefined ? e.retryAfterMs : spec.minRetryDelayMs;
    return failure(spec.failure, spec.hint ? `${spec.hint} (${e.message})` : e.message, { retry: spec.retryable, details, nextRetryDelayMs });
  }
  const code = systemCode(e);
  const message = e instanceof Error ? e.message : String(e);
  if (code && DISK_FULL.has(code)) {
    return failure('StoreFull', `the store's disk is full (${code}): ${message}; make room and the download goes on`, {
      retry: true,
      nextRetryDelayMs: storeFullRetryMs,
      details: [{ code }],
    });
  }
  if (code && DENIED.has(code)) {
    return failure('StoreDenied', `the store refused access (${code}): ${message}; fix the permissions of the store, then start the download again`, {
      retry: false,
      details: [{ code }],
    });
  }
  const name = e instanceof Error ? e.name : typeof e;
  const final = attempt >= INTERNAL_MAX_ATTEMPTS;
  return failure('Internal', `internal error (${name}) in attempt ${attempt}${final ? ', giving up' : ''}: ${message}`, {
    retry: !final,
    details: [{ name }],
  });
}

/** The activity interceptor that applies `toFailure` to every activity this worker runs. */
export function errorMapFor(opts: { storeFullRetryMs?: number } = {}): ActivityInterceptorsFactory {
  const storeFullRetryMs = opts.storeFullRetryMs ?? STORE_FULL_RETRY_MS;
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (e) {
          // A cancelled attempt reports its cancellation, not whatever the abort made its I/O throw.
          if (e instanceof CancelledFailure || ctx.cancellationSignal.aborted) throw e;
          const f = toFailure(e, ctx.info.attempt, storeFullRetryMs);
          const where = { activityType: ctx.info.activityType, attempt: ctx.info.attempt, workflowId: ctx.info.workflowExecution?.workflowId };
          if (f.type === 'Internal') log.error(`activity ${ctx.info.activityType} failed unexpectedly`, { ...where, stack: (e as Error)?.stack ?? String(e) });
          else if (f.type === 'StoreFull') log.warn(`activity ${ctx.info.activityType}: ${f.message}`, where);
          throw f;
        }
      },
    },
  });
}

/** The error map with its default timings. */
export const errorMap = errorMapFor();
