/**
 * Failures an activity raises on purpose (the error map in ./error-map.ts passes them through unchanged).
 * Workflows import only the `FailureType` type (domain/failures.ts).
 */
import { ApplicationFailure } from '@temporalio/common';

export type { FailureType } from '../domain/failures';

/** What was downloaded does not check out (bad ZIP, a page missing from the store): fetched again. */
export function corrupt(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'CorruptDownload', nonRetryable: false });
}

/** The task's own result says it failed: the workflow submits the job again (bounded). */
export function taskFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'TaskFailed', nonRetryable: true });
}
