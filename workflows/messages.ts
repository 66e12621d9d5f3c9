/**
 * Messages of the workflows (part of the public contract). No message ever carries an OTP.
 *
 * A download:
 * - query  `progress`            → Progress (stage, task id, pages total/done, next poll, attempts, OTP request id)
 * - signal `gstnSessionUpdate`   → from the GSTIN's session workflow: awaiting-otp (with the request id), ready, failed
 * - signal `gstnSessionRestored` → downloads started before the session workflow existed (they wait on their own)
 * - update `provideOtp`          → REMOVED for new downloads (it recorded the OTP in history); only downloads started
 *   before the session workflow still accept it, until they end.
 *
 * The session workflow `gstnSession` (id `gstn-session-<GSTIN>`):
 * - signal `gstnSessionNeeded`   → `{ workflowId }`: a download needs the session (sent with signal-with-start)
 * - signal `gstnSessionVerified` → `{ otpRequestId }`: sent by `gst-download session verify-otp` after EAS accepted
 *   the OTP for that request; the OTP itself stays outside Temporal
 * - query  `session`             → SessionView (state, current OTP request, waiting downloads, counts)
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Progress, Stage, SyncProgress } from './types';

export const progressQuery = defineQuery<Progress>('progress');
export const gstnSessionRestoredSignal = defineSignal<[{ gstin: string }?]>('gstnSessionRestored');
/** A sync's progress over its children: total, running, done, already done, failed, waiting for an OTP. */
export const syncProgressQuery = defineQuery<SyncProgress>('syncProgress');
/** A child download tells its parent sync when it starts or stops waiting for an OTP (so the sync can count them). */
export const childStageSignal = defineSignal<[{ workflowId: string; stage: Stage }]>('childStage');
/** @deprecated kept only so downloads started before the session workflow can finish (and replay). */
export const provideOtpUpdate = defineUpdate<{ restored: true }, [{ otp: string }]>('provideOtp');

export const OTP_FORMAT = /^[0-9]{6}$/;

export type SessionState = 'IDLE' | 'REFRESHING' | 'LIVE' | 'AWAITING_OTP';

/** What the session workflow tells a waiting download. */
export interface SessionUpdate {
  status: 'awaiting-otp' | 'ready' | 'failed';
  otpRequestId?: string;
  since?: string;
  /** failed: what happened and what to do. */
  message?: string;
}

export interface SessionView {
  gstin: string;
  state: SessionState;
  /** The OTP request the taxpayer's OTP must be verified against (AWAITING_OTP only). */
  otpRequestId?: string;
  awaitingOtpSince?: string;
  /** Workflow ids of the downloads waiting for the session. */
  waiting: string[];
  otpRequests: number;
  refreshes: number;
  lastNeededAt?: string;
  lastRefreshAt?: string;
  lastError?: string;
}

export const gstnSessionNeededSignal = defineSignal<[{ workflowId: string }]>('gstnSessionNeeded');
export const gstnSessionVerifiedSignal = defineSignal<[{ otpRequestId: string }]>('gstnSessionVerified');
export const gstnSessionUpdateSignal = defineSignal<[SessionUpdate]>('gstnSessionUpdate');
export const sessionQuery = defineQuery<SessionView>('session');
