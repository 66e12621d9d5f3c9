/** Reading failures in workflow code, and turning a bad input into a non-retryable failure naming the field. */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { DownloadConfig } from '../domain/config';
import type { FailureType } from '../domain/failures';
import { InvalidInputError, type ValidationOptions } from '../domain/inputs';

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
