/**
 * The failure types an activity or workflow ends with (an `ApplicationFailure`'s `type`): the names workflows
 * branch on, the CLI prints and the metrics count. Which error becomes which type is decided in one place
 * (activities/error-map.ts, with the EAS contract's table for gateway errors).
 */
export const FAILURE_TYPES = [
  /** The input is wrong; names the field. Never retried. */
  'InvalidInput',
  /** The gateway refused the request itself (bad parameter, wrong credentials or org). */
  'EasRequestRefused',
  /** No live GSTN session: refresh it, then run the step again. */
  'GstnSessionExpired',
  /** The GSTN session cannot be refreshed: a new OTP is needed. */
  'GstnSessionEnded',
  'InvalidOtp',
  /** The task, page or resource does not exist (or its result expired). */
  'EasNotFound',
  /** The data is not there yet (task still processing, return not generated). */
  'EasNotReady',
  /** The gateway or the network failed; retried with backoff. */
  'EasTransient',
  /** No tenant's credentials serve the GSTIN (GST_CREDENTIALS_FILE / EAS_*): the message names it. Never retried. */
  'NoCredentials',
  /** The OTP-needed notification (GST_NOTIFY_URL) was not accepted; retried. */
  'NotifyFailed',
  /** The EAS user has too many active tokens (err-active-tokens-limit-exceeded); retried slowly. */
  'EasTokenLimit',
  /** What was downloaded does not check out (bad ZIP, a page missing from the store); retried. */
  'CorruptDownload',
  /** The store's disk is full (ENOSPC, EDQUOT): retried slowly until someone makes room. */
  'StoreFull',
  /** The store refused access (EACCES, EPERM; S3 AccessDenied, a missing bucket): a person must fix it. Never retried. */
  'StoreDenied',
  /** The object store or the way to it failed (S3 5xx, throttling, connection refused); retried with backoff. */
  'StoreUnavailable',
  /** The task is still processing: a retry of the status check (the poll schedule), never seen by a workflow. */
  'TaskProcessing',
  /** The task was still processing at its deadline. */
  'DeadlineExceeded',
  /** The task's own result says it failed: the workflow submits the job again (bounded). */
  'TaskFailed',
  /** GSTN answered about the data (no-data, not-generated, not-applicable): the download ends with that outcome. */
  'GstnAnswer',
  /** AUTH4037: API access is not enabled on the GST portal; a person must enable it. Never retried. */
  'GstnApiAccessDisabled',
  /** Anything unexpected (a bug): retried a few times, then final; never counted as a gateway fault. */
  'Internal',
] as const;

export type FailureType = (typeof FAILURE_TYPES)[number];
