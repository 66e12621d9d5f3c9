/**
 * The children of a sync: which downloads one GSTIN gets (in a stable order), and running one as a child workflow
 * with the id the client library would give it, reporting a slim record (status, records, location or error).
 */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, executeChild, isCancellation } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type Priority, type SearchAttributePair } from '@temporalio/common';
import { workflowIds } from '../domain/ids';
import type { EinvoiceInput, Gstr2bInput, ImsInput } from '../domain/inputs';
import type { SyncKind, SyncPlan } from '../domain/sync-input';
import { GstDownloadKind, GstGstin, GstReturnPeriod } from './search-attributes';
import type { DownloadSummary } from './types';

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

export interface ChildSpec {
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
  return plan.gstins.flatMap((g) => specsFor(plan, g, retPeriod, nowMs));
}

/** One GSTIN's child downloads, in a stable order (kind, then side or section). */
export function specsFor(plan: SyncPlan, gstin: string, retPeriod: string, nowMs: number): ChildSpec[] {
  const out: ChildSpec[] = [];
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
  return out;
}

/**
 * Runs one child download. `priority` (fleet syncs): the monthly batch runs behind downloads started by hand
 * (priority key 3, the default) and shares the queue fairly between GSTINs (fairness key = GSTIN), where the server
 * supports it (see docs/schedules.md for what the dev server and the cluster do).
 */
export async function runChild(spec: ChildSpec, priority?: Priority): Promise<SyncItem> {
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
      ...(priority && { priority }),
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

