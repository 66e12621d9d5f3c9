/**
 * Intervals, caps and names for the downloads: one place, dust-style. Pure constants (bundled into workflow code,
 * read by the worker and the client). A worker overrides the tunables from its environment (worker/config.ts) and
 * hands them to workflows through the `loadDownloadConfig` local activity, whose answer is recorded in history so
 * replays agree.
 */

import { DEFAULT_SESSION_CONFIG, type SessionConfig } from './session';

export const TASK_QUEUE_DEFAULT = 'gst-downloads';

export interface PollConfig {
  /** First wait after submitting, before the first status check. */
  initialMs: number;
  /** Each wait is the previous one times this. */
  factor: number;
  /** No wait is longer than this. */
  maxMs: number;
  /** ± this fraction of the wait, derived from the task id and attempt (deterministic). */
  jitter: number;
  /** Give up polling a task after this long from its first submission. */
  deadlineMs: number;
  /**
   * Status checks are the retries of one activity for this long (retries write no history), then the workflow
   * records the count and starts the next window. Absent in configs recorded before it existed.
   */
  windowMs?: number;
}

/** Waiting for an OTP when the GSTN session has ended (stage AWAITING_OTP). */
export interface OtpConfig {
  /** Give up (fail the download, readable) after this long without a session. */
  waitMs: number;
  /** The first cheap session check comes this long after asking for the OTP; each next one waits twice as long… */
  checkInitialMs: number;
  /** …up to this. */
  checkMaxMs: number;
}

/** GSTN says the return is not generated yet: ask again on this cadence, a bounded number of times. */
export interface NotGeneratedConfig {
  /** Wait this long between asks (durable timer). */
  retryMs: number;
  /** Ask at most this many times in all; then the download ends with outcome `not-generated`. */
  maxAsks: number;
  /** GSTN queued the request (token + est minutes): wait and fetch again at most this many times. */
  maxQueuedWaits: number;
}

export interface DownloadConfig {
  poll: PollConfig;
  /** Absent in configs recorded before outcomes existed: DEFAULT_CONFIG.notGenerated applies. */
  notGenerated?: NotGeneratedConfig;
  /** Pages (IMS), files (GSTR-2B) or IRNs fetched at once, per download (GST_PAGE_CONCURRENCY). */
  concurrency: number;
  /** Pages (IMS) or IRNs per range activity (GST_PAGES_PER_ACTIVITY). Absent in configs recorded before it existed. */
  pagesPerActivity?: number;
  /** Gateway page requests in flight at once on one worker, over all its downloads (GST_WORKER_PAGE_REQUESTS). */
  pageRequestsPerWorker?: number;
  /** A task that ends `failed` is submitted again at most this many times. */
  maxFailedResubmits: number;
  /** A task whose result expired (404 after retention) is submitted again at most this many times. */
  maxExpiredResubmits: number;
  /** GSTN session refreshes per step before giving up. */
  maxSessionRefreshes: number;
  /** Continue-as-new when the history reaches this many events (or the server suggests it). */
  continueAsNewEvents: number;
  /** Upsert GstPagesDone every this many pages (each upsert is a history event). */
  progressEvery: number;
  otp: OtpConfig;
  /** The GSTN session workflow (optional: configs recorded before it existed lack it). */
  session?: SessionConfig;
  /** `strict` checks the GSTIN check character as well as the format. */
  gstinChecksum: 'strict' | 'off';
  /**
   * What this run indexes as GstGstin for its GSTIN: set by the worker's loadDownloadConfig when it hashes GSTINs
   * (GST_GSTIN_INDEX_KEY, temporal/search-index.ts); absent = the GSTIN. Recorded with the config, so replays agree.
   */
  gstinIndex?: string;
  /** Activity timeouts and retry. */
  activity: {
    shortTimeoutMs: number;
    pageTimeoutMs: number;
    zipTimeoutMs: number;
    heartbeatMs: number;
    retryInitialMs: number;
    retryMaxMs: number;
    /** Transient errors are retried until this much time has passed (then the download fails, readable). */
    retryWindowMs: number;
  };
}

const MINUTE = 60_000;

export const DEFAULT_CONFIG: DownloadConfig = {
  poll: { initialMs: 10_000, factor: 1.6, maxMs: 5 * MINUTE, jitter: 0.2, deadlineMs: 24 * 60 * MINUTE, windowMs: 60 * MINUTE },
  notGenerated: { retryMs: 24 * 60 * MINUTE, maxAsks: 10, maxQueuedWaits: 5 },
  concurrency: 8,
  pagesPerActivity: 500,
  pageRequestsPerWorker: 64,
  maxFailedResubmits: 3,
  maxExpiredResubmits: 2,
  maxSessionRefreshes: 3,
  continueAsNewEvents: 4000,
  progressEvery: 10,
  otp: { waitMs: 72 * 60 * MINUTE, checkInitialMs: MINUTE, checkMaxMs: 60 * MINUTE },
  session: DEFAULT_SESSION_CONFIG,
  gstinChecksum: 'strict',
  activity: {
    shortTimeoutMs: MINUTE,
    pageTimeoutMs: 5 * MINUTE,
    zipTimeoutMs: 60 * MINUTE,
    heartbeatMs: MINUTE,
    retryInitialMs: 1000,
    retryMaxMs: 2 * MINUTE,
    retryWindowMs: 6 * 60 * MINUTE,
  },
};

/** Max files listed in a workflow result; the manifest in the store always lists all of them. */
export const MAX_SUMMARY_FILES = 200;
