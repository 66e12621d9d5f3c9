/**
 * The monthly sync: one return period's downloads for a set of GSTINs, each a CHILD workflow with the same
 * deterministic id the client library gives it (domain/ids.ts), so a download already run — by hand, or by an
 * earlier sync — is not run again. A Temporal Schedule (client/schedules.ts) starts it once a month; without a
 * `retPeriod` it syncs the month before its SCHEDULED time in India, so a late, caught-up or backfilled run still
 * syncs the month it was meant for. See docs/schedules.md.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
  type SearchAttributePair,
} from '@temporalio/common';
import { workflowIds } from '../domain/ids';
import { validateReturnPeriod, type EinvoiceInput, type Gstr2bInput, type ImsInput } from '../domain/inputs';
import { previousPeriodIst } from '../domain/periods';
import { validateSyncInput, type SyncInput, type SyncKind, type SyncPlan } from '../domain/sync-input';
import { fanOut } from './fan-out';
import { validated } from './failures';
import { loadConfig } from './proxies';
import { GstDownloadKind, GstGstin, GstReturnPeriod } from './search-attributes';
import type { DownloadSummary } from './types';

export type { SyncInput, SyncKind, SyncPlan } from '../domain/sync-input';

export type SyncStatus = 'done' | 'already-done' | 'failed';

export interface SyncItem {
  gstin: string;
  kind: SyncKind;
  workflowId: string;
  status: SyncStatus;
  /** done: what the download returned. */
  records?: number;
  location?: string;
  /** done: how the download ended (data, no-data, not-generated, not-applicable). */
  outcome?: string;
  /** failed: the download's error. */
  error?: string;
  errorType?: string;
}

export interface SyncResult {
  retPeriod: string;
  /** Where the period came from: the input, the schedule's scheduled time, or the workflow's start time. */
  periodFrom: 'input' | 'scheduled' | 'start';
  /** The instant the period was derived from (ISO), unless it came from the input. */
  referenceTime?: string;
  kinds: SyncKind[];
  gstins: string[];
  items: SyncItem[];
  done: number;
  alreadyDone: number;
  failed: number;
  failures: Array<{ workflowId: string; error: string }>;
  startedAt: string;
  finishedAt: string;
}

/** Set by the server on every workflow a Schedule starts: the nominal time of that action. */
const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The scheduled start time if a Schedule started this run, else the workflow's start time (both deterministic). */
function referenceTime(): { ms: number; from: 'scheduled' | 'start' } {
  const info = workflowInfo();
  let at: Date | undefined;
  try {
    at = info.typedSearchAttributes.get(TemporalScheduledStartTime);
  } catch {
    at = undefined;
  }
  if (!at) {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- older servers send the attribute untyped
    const raw = info.searchAttributes?.TemporalScheduledStartTime?.[0];
    if (raw !== undefined) at = new Date(raw as string);
  }
  if (at && !Number.isNaN(at.getTime())) return { ms: at.getTime(), from: 'scheduled' };
  return { ms: info.startTime.getTime(), from: 'start' };
}

interface ChildSpec {
  gstin: string;
  kind: SyncKind;
  type: string;
  workflowId: string;
  input: EinvoiceInput | Gstr2bInput | ImsInput;
  retPeriod?: string;
  /** Run again even if a completed download has this id (refreshGstr2b). */
  refresh?: boolean;
}

/** The child downloads of a sync, in a stable order (GSTIN, then kind). */
export function childSpecs(plan: SyncPlan, retPeriod: string, nowMs: number): ChildSpec[] {
  const out: ChildSpec[] = [];
  for (const gstin of plan.gstins) {
    for (const kind of plan.kinds) {
      if (kind === 'gstr2b') {
        const input: Gstr2bInput = { gstin, retPeriod };
        const spec: ChildSpec = { gstin, kind, type: 'downloadGstr2b', workflowId: workflowIds.gstr2b(input), input, retPeriod };
        if (plan.refreshGstr2b) spec.refresh = true;
        out.push(spec);
      } else if (kind === 'einvoice') {
        const sides = plan.einvoiceAs === 'both' ? (['recipient', 'supplier'] as const) : [plan.einvoiceAs];
        for (const side of sides) {
          const input: EinvoiceInput = { gstin, retPeriod, supplyType: plan.supplyType };
          if (side === 'recipient') input.recipientGstin = gstin;
          else input.supplierGstin = gstin;
          out.push({ gstin, kind, type: 'downloadEinvoices', workflowId: workflowIds.einvoice(input), input, retPeriod });
        }
      } else {
        for (const section of plan.imsSections) {
          const input: ImsInput = { gstin, section };
          out.push({ gstin, kind, type: 'downloadImsInvoices', workflowId: workflowIds.ims(input, nowMs), input });
        }
      }
    }
  }
  return out;
}

async function runChild(spec: ChildSpec): Promise<SyncItem> {
  const item = { gstin: spec.gstin, kind: spec.kind, workflowId: spec.workflowId };
  const attrs: SearchAttributePair[] = [
    { key: GstGstin, value: spec.gstin },
    { key: GstDownloadKind, value: spec.kind },
  ];
  if (spec.retPeriod) attrs.push({ key: GstReturnPeriod, value: spec.retPeriod });
  try {
    const summary = await executeChild<(i: unknown) => Promise<DownloadSummary>>(spec.type, {
      workflowId: spec.workflowId,
      args: [spec.input],
      // As the client library: a running or completed download with this id is not started again; only a failed,
      // terminated or timed-out one runs again. Closing the sync terminates its children (the default).
      // refreshGstr2b: a completed 2B runs again (a new generation is kept; the same one writes nothing).
      workflowIdReusePolicy: spec.refresh ? 'ALLOW_DUPLICATE' : 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: attrs,
    });
    return { ...item, status: 'done', records: summary.records, location: summary.location, ...(summary.outcome ? { outcome: summary.outcome } : {}) };
  } catch (e) {
    if (isCancellation(e)) throw e;
    if (e instanceof WorkflowExecutionAlreadyStartedError) return { ...item, status: 'already-done' };
    // ChildWorkflowFailure → (ActivityFailure →) the failure that says what went wrong
    let cause: unknown = e;
    while ((cause instanceof ChildWorkflowFailure || cause instanceof ActivityFailure) && cause.cause) cause = cause.cause;
    const error = cause instanceof Error ? cause.message : String(cause);
    const errorType = cause instanceof ApplicationFailure ? cause.type ?? undefined : cause instanceof Error ? cause.name : undefined;
    return { ...item, status: 'failed', error, ...(errorType ? { errorType } : {}) };
  }
}

/** Runs every spec with at most `limit` in flight; results in spec order. A failed child never stops the others. */
async function runAll(specs: ChildSpec[], limit: number): Promise<SyncItem[]> {
  const results: SyncItem[] = new Array(specs.length);
  // runChild reports a failed download in its item; only a cancellation throws, and that stops the sync
  await fanOut(0, specs.length - 1, limit, async (i) => void (results[i] = await runChild(specs[i]!)), () => false);
  return results;
}

/**
 * Syncs one return period for a set of GSTINs. Completes with a per-download report (done / already-done /
 * failed) even when some downloads failed; fails only on bad input (non-retryable `InvalidInput`).
 */
export async function syncReturnPeriod(raw: SyncInput): Promise<SyncResult> {
  const gstins = (raw as { gstins?: unknown } | undefined)?.gstins;
  const cfg = await loadConfig(Array.isArray(gstins) && gstins.length === 1 && typeof gstins[0] === 'string' ? gstins[0] : undefined);
  const startedAt = new Date(Date.now()).toISOString();
  const plan = validated((o) => validateSyncInput(raw, o), cfg);
  const ref = plan.retPeriod ? undefined : referenceTime();
  const retPeriod = plan.retPeriod ?? validated((o) => validateReturnPeriod(previousPeriodIst(ref!.ms), 'retPeriod', o.now), cfg);

  const attrs: SearchAttributePair[] = [
    { key: GstReturnPeriod, value: retPeriod },
    { key: GstDownloadKind, value: 'sync' },
  ];
  if (plan.gstins.length === 1) attrs.push({ key: GstGstin, value: cfg.gstinIndex ?? plan.gstins[0]! });
  upsertSearchAttributes(attrs);

  const items = await runAll(childSpecs(plan, retPeriod, Date.now()), plan.concurrency);
  const failed = items.filter((i) => i.status === 'failed');
  return {
    retPeriod,
    periodFrom: ref ? ref.from : 'input',
    ...(ref ? { referenceTime: new Date(ref.ms).toISOString() } : {}),
    kinds: plan.kinds,
    gstins: plan.gstins,
    items,
    done: items.filter((i) => i.status === 'done').length,
    alreadyDone: items.filter((i) => i.status === 'already-done').length,
    failed: failed.length,
    failures: failed.map((i) => ({ workflowId: i.workflowId, error: i.error ?? 'failed' })),
    startedAt,
    finishedAt: new Date(Date.now()).toISOString(),
  };
}
