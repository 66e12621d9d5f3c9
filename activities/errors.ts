/**
 * The one place that turns gateway errors into Temporal failures: retryable or not, with a type the
 * workflows branch on. Workflows import only the `FailureType` type from here.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { EasErrorKind } from '../eas/contract';
import { EasError, isEasError } from '../eas/errors';

export type FailureType =
  | 'InvalidInput'
  | 'EasRequestRefused'
  | 'GstnSessionExpired'
  | 'GstnSessionEnded'
  | 'InvalidOtp'
  | 'EasNotFound'
  | 'EasNotReady'
  | 'EasTransient'
  | 'CorruptDownload'
  | 'DeadlineExceeded'
  | 'TaskFailed';

const BY_KIND: Record<EasErrorKind, { type: FailureType; retry: boolean }> = {
  client: { type: 'EasRequestRefused', retry: false },
  'auth-config': { type: 'EasRequestRefused', retry: false },
  'gstn-session': { type: 'GstnSessionExpired', retry: false },
  'gstn-session-expired': { type: 'GstnSessionEnded', retry: false },
  'invalid-otp': { type: 'InvalidOtp', retry: false },
  'not-found': { type: 'EasNotFound', retry: false },
  'not-ready': { type: 'EasNotReady', retry: false },
  'auth-token': { type: 'EasTransient', retry: true },
  'rate-limited': { type: 'EasTransient', retry: true },
  server: { type: 'EasTransient', retry: true },
  network: { type: 'EasTransient', retry: true },
  'bad-response': { type: 'EasTransient', retry: true },
};

/** Maps any error thrown inside an activity to an ApplicationFailure (details never carry secrets). */
export function toFailure(e: unknown): ApplicationFailure {
  if (e instanceof ApplicationFailure) return e;
  if (isEasError(e)) {
    const err = e as EasError;
    const map = BY_KIND[err.kind];
    const details = [{ kind: err.kind, code: err.code, httpStatus: err.httpStatus ?? null, gstnCode: err.gstnCode ?? null, route: err.route }];
    return ApplicationFailure.create({
      message: err.message,
      type: map.type,
      nonRetryable: !map.retry,
      details,
      nextRetryDelay: err.kind === 'rate-limited' && err.retryAfterMs !== undefined ? err.retryAfterMs : undefined,
    });
  }
  const err = e as Error;
  return ApplicationFailure.create({ message: err?.message ?? String(e), type: 'EasTransient', nonRetryable: false });
}

/** Runs an activity body and converts whatever it throws. */
export async function mapErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toFailure(e);
  }
}

export function corrupt(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'CorruptDownload', nonRetryable: false });
}

/** The task's own result says it failed: the workflow submits the job again (bounded). */
export function taskFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'TaskFailed', nonRetryable: true });
}
