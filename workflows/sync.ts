/**
 * The monthly sync: one return period's downloads for a set of GSTINs, each a CHILD workflow with the same
 * deterministic id the client library gives it (domain/ids.ts), so a download already run — by hand, or by an
 * earlier sync — is not run again. A Temporal Schedule (client/schedules.ts) starts it once a month; without a
 * `retPeriod` it syncs the month before its SCHEDULED time in India, so a late, caught-up or backfilled run still
 * syncs the month it was meant for. See docs/schedules.md.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { decidePatchesUpFront, newPath } from './patches';
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { validateReturnPeriod } from '../domain/inputs';
import { previousPeriodIst } from '../domain/periods';
import { validateSyncInput, type SyncInput, type SyncKind } from '../domain/sync-input';
import { fanOut } from './fan-out';
import { validated } from './failures';
import { loadConfig } from './proxies';
import { GstDownloadKind, GstGstin, GstReturnPeriod } from './search-attributes';
import { childSpecs, runChild, type ChildSpec, type SyncItem } from './sync-children';
import { runFleet, type SyncCursor } from './sync-fleet';

export type { SyncInput, SyncKind, SyncPlan } from '../domain/sync-input';
export type { SyncItem, SyncStatus } from './sync-children';
export { childSpecs } from './sync-children';
export type { SyncCursor } from './sync-fleet';

export interface SyncResult {
  retPeriod: string;
  /** Where the period came from: the input, the schedule's scheduled time, or the workflow's start time. */
  periodFrom: 'input' | 'scheduled' | 'start';
  /** The instant the period was derived from (ISO), unless it came from the input. */
  referenceTime?: string;
  kinds: SyncKind[];
  /** The GSTINs given in the input (absent for a list in the store). */
  gstins?: string[];
  /** The list in the store the GSTINs came from, and how many it held. */
  gstinsRef?: string;
  gstinCount?: number;
  /** One slim record per child download, while the sync has at most MAX_RESULT_ITEMS (then only counts). */
  items?: SyncItem[];
  /** Child downloads in all. */
  total?: number;
  done: number;
  alreadyDone: number;
  failed: number;
  /** Fleet syncs: done children by outcome (data, no-data, not-generated, not-applicable); each item also says its own. */
  outcomes?: Record<string, number>;
  /** The first failures (fleet syncs list at most MAX_FAILURES_KEPT; `failed` counts them all). */
  failures: Array<{ workflowId: string; error: string }>;
  /** Runs of the sync (continue-as-new with a cursor). */
  runs?: number;
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

/** Runs every spec with at most `limit` in flight; results in spec order. A failed child never stops the others. */
async function runAll(specs: ChildSpec[], limit: number): Promise<SyncItem[]> {
  const results: SyncItem[] = new Array(specs.length);
  // runChild reports a failed download in its item; only a cancellation throws, and that stops the sync
  await fanOut(0, specs.length - 1, limit, async (i) => void (results[i] = await runChild(specs[i]!)), () => false);
  return results;
}

/**
 * Syncs one return period for a set of GSTINs. Completes with a report (done / already-done / failed) even when some
 * downloads failed; fails only on bad input (non-retryable `InvalidInput`). Runs recorded before the fleet sync keep
 * their path: every child at once in a bounded window, every item in the result.
 */
export async function syncReturnPeriod(raw: SyncInput, resume?: SyncCursor): Promise<SyncResult> {
  decidePatchesUpFront(); // before the first await: see workflows/patches.ts
  const gstins = (raw as { gstins?: unknown } | undefined)?.gstins;
  const cfg = await loadConfig(Array.isArray(gstins) && gstins.length === 1 && typeof gstins[0] === 'string' ? gstins[0] : undefined);
  const fleet = resume !== undefined || newPath('fleet-sync');
  const startedAt = resume?.startedAt ?? new Date(Date.now()).toISOString();
  const plan = validated((o) => validateSyncInput(raw, o), cfg);
  let ref: { ms: number; from: 'scheduled' | 'start' } | undefined;
  let retPeriod = resume?.retPeriod ?? plan.retPeriod;
  if (!retPeriod) {
    ref = referenceTime();
    retPeriod = validated((o) => validateReturnPeriod(previousPeriodIst(ref!.ms), 'retPeriod', o.now), cfg);
  }

  if (!resume) {
    const attrs: SearchAttributePair[] = [
      { key: GstReturnPeriod, value: retPeriod },
      { key: GstDownloadKind, value: 'sync' },
    ];
    if (plan.gstins.length === 1) attrs.push({ key: GstGstin, value: cfg.gstinIndex ?? plan.gstins[0]! });
    upsertSearchAttributes(attrs);
  }

  if (fleet) {
    const cursor: SyncCursor = resume ?? {
      retPeriod,
      periodFrom: ref ? ref.from : 'input',
      ...(ref ? { referenceTime: new Date(ref.ms).toISOString() } : {}),
      startedAt,
      nowMs: Date.now(),
      next: 0,
      done: 0,
      alreadyDone: 0,
      failed: 0,
      failures: [],
      run: 1,
    };
    const out = await runFleet(raw, plan, cfg, cursor);
    const c = out.cursor;
    return {
      retPeriod: c.retPeriod,
      periodFrom: c.periodFrom,
      ...(c.referenceTime ? { referenceTime: c.referenceTime } : {}),
      kinds: plan.kinds,
      ...(plan.gstinsRef ? { gstinsRef: plan.gstinsRef } : { gstins: plan.gstins }),
      gstinCount: out.gstinCount,
      total: out.total,
      ...(c.items ? { items: c.items } : {}),
      done: c.done,
      alreadyDone: c.alreadyDone,
      failed: c.failed,
      ...(c.outcomes ? { outcomes: c.outcomes } : {}),
      failures: c.failures,
      runs: c.run,
      startedAt,
      finishedAt: new Date(Date.now()).toISOString(),
    };
  }

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
