/**
 * The product's metrics on the worker side, recorded through the SDK's metric meter so they are served by the
 * same Prometheus endpoint as the SDK's own temporal_… metrics (METRICS_BIND). Names and buckets live in
 * workflows/metrics.ts. Inside an activity the activity's meter is used (the SDK adds namespace, taskQueue and
 * activityType); elsewhere the runtime's. With no metrics exporter installed the SDK's meter is a no-op.
 *
 * What an activity means for the metrics is read from its type and result here (one table), so the activities
 * themselves stay free of metrics code.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, type MetricMeter } from '@temporalio/common';
import { Runtime, type ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Activities, EinvoiceResult, Gstr2bFirst } from '../activities';
import type { PageBatchResult } from '../activities/pages';
import type { EasCallObserver } from '../eas/client';
import { EINVOICE_ZIP } from '../eas/contract';
import type { StoredFile } from '../store/store';
import { kindOf, METRIC_BUCKETS, METRICS } from '../workflows/metrics';

/** The Runtime's telemetry options for a Prometheus endpoint on `bindAddress` (GET /metrics). */
export function prometheusTelemetry(bindAddress: string) {
  return { metrics: { prometheus: { bindAddress, histogramBucketOverrides: METRIC_BUCKETS } } };
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

function meter(): MetricMeter {
  return activityContext()?.metricMeter ?? Runtime.instance().metricMeter;
}

/** Pages (or files) an activity stored and the bytes it downloaded, from its result. */
const STORED: Partial<Record<keyof Activities, (result: unknown) => { pages: number; bytes: number }>> = {
  downloadImsPage: (r) => one(r as StoredFile),
  // a range: every page it stored, counted when it completes (a failed attempt's pages count with its retry)
  downloadImsPages: (r) => ({ pages: (r as PageBatchResult).pages, bytes: (r as PageBatchResult).bytes }),
  fetchIrnBatch: (r) => ({ pages: (r as PageBatchResult).pages, bytes: (r as PageBatchResult).bytes }),
  fetchGstr2b: (r) => one((r as Gstr2bFirst).file),
  fetchGstr2bFile: (r) => one(r as StoredFile),
  fetchIrnDetails: (r) => one(r as StoredFile),
  downloadEinvoiceResult: (r) => {
    // pages: the file-N.json inside; bytes: the ZIP as downloaded (not the ZIP plus what was extracted from it)
    const e = r as EinvoiceResult;
    const zip = e.files.find((f) => f.name.endsWith('.zip'));
    return { pages: e.files.filter((f) => f.name.endsWith('.json') && f.name !== EINVOICE_ZIP.resultFile).length, bytes: zip?.bytes ?? e.bytes };
  },
};

function one(f: StoredFile): { pages: number; bytes: number } {
  return { pages: 1, bytes: f.bytes };
}

/** Records retries, errors, stored pages/bytes and task polls of every activity this worker runs. */
export const activityMetrics: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const { activityType, attempt, workflowType } = ctx.info;
      const kind = kindOf(workflowType);
      const m = ctx.metricMeter;
      // awaitTask's attempts are the poll schedule, not retries of a failure
      const polling = activityType === ('awaitTask' satisfies keyof Activities);
      if (attempt > 1 && !polling) m.createCounter(METRICS.retries, 'attempts', 'Activity attempts after the first').add(1, { kind });
      let result: unknown;
      try {
        result = await next(input);
      } catch (e) {
        const type = (e instanceof ApplicationFailure && e.type) || (e as Error)?.name || 'Error';
        if (polling && type === 'TaskProcessing') {
          m.createCounter(METRICS.polls, 'checks', 'Status checks of EAS asynchronous tasks').add(1, { kind, status: 'processing' });
          throw e;
        }
        m.createCounter(METRICS.activityErrors, 'attempts', 'Activity attempts that failed, by failure type').add(1, { kind, type });
        throw e;
      }
      try {
        const stored = STORED[activityType as keyof Activities]?.(result);
        if (stored) {
          m.createCounter(METRICS.pages, 'pages', 'Pages or files stored').add(stored.pages, { kind });
          m.createCounter(METRICS.bytes, 'bytes', 'Bytes downloaded from EAS and stored').add(stored.bytes, { kind });
        }
        if (activityType === ('checkTask' satisfies keyof Activities)) {
          const status = (result as { status?: string } | undefined)?.status ?? 'unknown';
          m.createCounter(METRICS.polls, 'checks', 'Status checks of EAS asynchronous tasks').add(1, { kind, status });
        }
        // a window that ended without a check answers `processing`: not a check
        const awaited = polling ? (result as { status?: string } | undefined)?.status : undefined;
        if (awaited && awaited !== 'processing') m.createCounter(METRICS.polls, 'checks', 'Status checks of EAS asynchronous tasks').add(1, { kind, status: awaited });
      } catch {
        /* a metric never fails an activity */
      }
      return result;
    },
  },
});

/** For EasClient's `onCall`: every EAS HTTP call by route and status, and its time to the answer's headers. */
export const easCallMetrics: EasCallObserver = (route, status, ms) => {
  const m = meter();
  const kind = kindOf(activityContext()?.info.workflowType);
  const tags = { route, status: String(status), kind };
  m.createCounter(METRICS.easCalls, 'calls', 'EAS HTTP calls, by route and status').add(1, tags);
  m.createHistogram(METRICS.easCallMs, 'float', 'ms', 'Milliseconds to an EAS answer').record(ms, tags);
};
