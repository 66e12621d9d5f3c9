/**
 * Messages a running download understands (part of the public contract).
 *
 * - query  `progress`            → Progress (stage, task id, pages total/done, next poll, attempts, OTP request id)
 * - signal `gstnSessionRestored` → sent by `gst-download session verify-otp` (or client/session.ts) after it has
 *   verified an OTP with EAS itself: the OTP never enters Temporal.
 * - update `provideOtp`          → for callers that speak only Temporal: `{ otp }` (6 digits). The workflow verifies it
 *   through an activity; a wrong OTP fails the update and the download keeps waiting. NOTE: update arguments are
 *   recorded in history, so this path keeps the OTP in history in clear unless payload encryption is on.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Progress, Stage, SyncProgress } from './types';

export const progressQuery = defineQuery<Progress>('progress');
export const gstnSessionRestoredSignal = defineSignal<[{ gstin: string }?]>('gstnSessionRestored');
/** A sync's progress over its children: total, running, done, already done, failed, waiting for an OTP. */
export const syncProgressQuery = defineQuery<SyncProgress>('syncProgress');
/** A child download tells its parent sync when it starts or stops waiting for an OTP (so the sync can count them). */
export const childStageSignal = defineSignal<[{ workflowId: string; stage: Stage }]>('childStage');
export const provideOtpUpdate = defineUpdate<{ restored: true }, [{ otp: string }]>('provideOtp');

/** What `provideOtp` accepts (checked by its validator before anything is recorded). */
export const OTP_FORMAT = /^[0-9]{6}$/;
