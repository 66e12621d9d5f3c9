import type { PageDigest } from '../activities/finish';
import type { DownloadKind, StoredFile } from '../domain/download';
import type { DownloadOutcome } from '../domain/outcomes';

export type { DownloadKind, StoredFile };

export type Stage = 'SUBMITTED' | 'POLLING' | 'DOWNLOADING' | 'AWAITING_OTP' | 'AWAITING_GSTN' | 'DONE' | 'FAILED';

/** What every download workflow returns: small, references only. */
export interface DownloadSummary {
  kind: DownloadKind;
  inputs: object;
  taskId?: string;
  /** The store folder the download landed in. */
  location: string;
  /** The manifest listing every file with provenance. */
  manifest: string;
  files: StoredFile[];
  /** True when `files` lists only the first MAX_SUMMARY_FILES (the manifest lists all). */
  filesTruncated?: boolean;
  records: number;
  bytes: number;
  pages?: number;
  startedAt: string;
  finishedAt: string;
  /** Status checks made, task submissions made (async kinds). */
  polls?: number;
  submissions?: number;
  /** How the download ended (absent only in results of workflow code older than outcomes). */
  outcome?: DownloadOutcome;
  /** GSTN's code when the outcome is its answer. */
  gstnCode?: string;
  /** Records per section. */
  sections?: Record<string, number>;
  /** GSTR-2B: the current generation (gendt + checksum), how many are kept, and whether this run changed nothing. */
  generation?: { id: string; gendt: string; chksum: string };
  generations?: number;
  unchanged?: boolean;
  /** Times GSTN was asked while the return was not generated, and queued waits. */
  asks?: number;
}

/** What a `progress` query answers. */
export interface Progress {
  stage: Stage;
  taskId?: string;
  pagesTotal?: number;
  pagesDone: number;
  nextPollAt?: string;
  /** While the status checks run as the retries of one activity: when this window of checks began (`polls` counts finished windows; the running window's count is the pending activity's attempt). */
  pollWindowSince?: string;
  polls: number;
  submissions: number;
  /** Runs of this download (continue-as-new increments it). */
  run: number;
  lastError?: string;
  /** While AWAITING_OTP: the OTP request the taxpayer received (not a secret; the OTP is), and since when. */
  otpRequestId?: string;
  awaitingOtpSince?: string;
  /** OTP waits this run went through, and the time spent in them. */
  otpWaits?: number;
  otpWaitedMs?: number;
}

/** What a sync's `syncProgress` query answers. */
export interface SyncProgress {
  retPeriod: string;
  /** GSTINs in the sync, and child downloads in all (GSTINs × downloads each). */
  gstins: number;
  total: number;
  /** Children started so far (over all runs), running now, and how those that ended ended. */
  launched: number;
  running: number;
  done: number;
  alreadyDone: number;
  failed: number;
  /** Running children waiting in stage AWAITING_OTP for the taxpayer's OTP. */
  awaitingOtp: number;
  /** Runs of this sync (continue-as-new increments it). */
  run: number;
}

/** Carried through continue-as-new for async downloads. */
export interface AsyncResume {
  taskId: string;
  /** When the current task was first submitted (ISO), for the polling deadline. */
  submittedAt: string;
  startedAt: string;
  /** Folder date for kinds without a period. */
  date: string;
  polls: number;
  submissions: number;
  failedResubmits: number;
  expiredResubmits: number;
  /** Set once the task reported `completed`. */
  completed?: boolean;
  /** Paged kinds: pages known, pages 1..nextPage-1 are stored. */
  pages?: number;
  nextPage?: number;
  /** Paged kinds: what each page activity returned (index = page − 1; null = not known to this chain). */
  digests?: Array<PageDigest | null>;
  records?: number;
  bytes?: number;
  run: number;
  /** OUTCOMES_PATCH: times GSTN was asked while the data was not generated. */
  asks?: number;
}
