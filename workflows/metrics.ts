/**
 * The product's metrics: one list of names (the worker's Prometheus endpoint serves them next to the SDK's
 * temporal_… metrics), the download kind of each workflow type, and the two recorded from workflow code.
 * Workflow metrics go through the SDK's workflow `metricMeter`, which drops them while a history replays, so a
 * download is counted once however often it is replayed. Labels: `kind`, `outcome`, `route`, `status`, `type`;
 * the SDK adds `namespace`, `taskQueue` and `workflowType` / `activityType`.
 */
import { metricMeter, workflowInfo } from '@temporalio/workflow';

export const METRICS = {
  /** Downloads that ended, by kind and outcome (completed, failed, cancelled; a terminated or timed-out run is not seen by its code). */
  downloads: 'gst_downloads',
  /** Seconds from a download's start (its first run) to its end, by kind and outcome. */
  downloadSeconds: 'gst_download_seconds',
  /** Pages or files stored (IMS pages, GSTR-2B files, e-invoice files, IRN documents), by kind. */
  pages: 'gst_pages_downloaded',
  /** Bytes downloaded from EAS and stored (page bodies, GSTR-2B and IRN JSON, e-invoice ZIPs), by kind. */
  bytes: 'gst_bytes_downloaded',
  /** EAS HTTP calls, by route and status (the HTTP status, or "network" when there was no answer). */
  easCalls: 'gst_eas_calls',
  /** Milliseconds to an EAS answer's headers, by route and status. */
  easCallMs: 'gst_eas_call_ms',
  /** Activity attempts after the first (attempt > 1), by kind; activityType from the SDK. */
  retries: 'gst_activity_retries',
  /** Activity attempts that failed, by kind and failure type (EasTransient, GstnSessionExpired, …). */
  activityErrors: 'gst_activity_errors',
  /** Status checks of an EAS asynchronous task, by kind and the status answered. */
  polls: 'gst_task_polls',
  /** Seconds a download waited in AWAITING_OTP until its GSTN session was restored, by kind. */
  otpWaitSeconds: 'gst_otp_wait_seconds',
} as const;

/** Histogram buckets (the SDK's defaults suit milliseconds, not these). */
export const METRIC_BUCKETS: Record<string, number[]> = {
  [METRICS.downloadSeconds]: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600],
  [METRICS.otpWaitSeconds]: [60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 48 * 3600, 72 * 3600],
  [METRICS.easCallMs]: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000],
};

const KIND_BY_WORKFLOW_TYPE: Record<string, string> = {
  downloadEinvoices: 'einvoice',
  downloadImsInvoices: 'ims',
  downloadGstr2b: 'gstr2b',
  getIrnDetails: 'irn',
  syncReturnPeriod: 'sync',
};

/** The `kind` label of a workflow type (the GstDownloadKind values; "sync" for the monthly sync; else "other"). */
export function kindOf(workflowType: string | undefined): string {
  return (workflowType && KIND_BY_WORKFLOW_TYPE[workflowType]) || 'other';
}

/** A metric never changes what a workflow does: a failure to record is dropped. */
function safely(record: () => void): void {
  try {
    record();
  } catch {
    /* not worth failing a workflow task for */
  }
}

/** Workflow code only: a download ended with `outcome`. */
export function recordDownloadEnd(outcome: string): void {
  safely(() => {
    const info = workflowInfo();
    const kind = kindOf(info.workflowType);
    metricMeter.createCounter(METRICS.downloads, 'downloads', 'Downloads that ended, by kind and outcome').add(1, { kind, outcome });
    const seconds = Math.max(0, (Date.now() - info.startTime.getTime()) / 1000);
    metricMeter
      .createHistogram(METRICS.downloadSeconds, 'float', 's', 'Seconds from a download start to its end')
      .record(seconds, { kind, outcome });
  });
}

/** Workflow code only: an AWAITING_OTP wait ended after `ms` with the session restored. */
export function recordOtpWait(ms: number): void {
  safely(() =>
    metricMeter
      .createHistogram(METRICS.otpWaitSeconds, 'float', 's', 'Seconds a download waited for an OTP')
      .record(Math.max(0, ms) / 1000, { kind: kindOf(workflowInfo().workflowType) }),
  );
}
