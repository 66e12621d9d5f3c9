/**
 * A fleet in one sync: thousands of GSTINs (inline, or a list in the store read a slice at a time), their child
 * downloads run as a sliding window (`concurrency` in flight, the next starting as one ends), and the history kept
 * bounded: the sync keeps counts and the first failures only, and hands over to a fresh run (continue-as-new) with a
 * cursor when its history grows long. Progress (done / failed / waiting for an OTP) is in the `syncProgress` query
 * and the current details. Children run at a lower priority than downloads started by hand, with the GSTIN as the
 * fairness key.
 */
import { continueAsNew, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DownloadConfig } from '../domain/config';
import type { SyncInput, SyncPlan } from '../domain/sync-input';
import { fanOut } from './fan-out';
import { childStageSignal, syncProgressQuery } from './messages';
import { shouldContinueAsNew } from './polling';
import { runChild, specsFor, type SyncItem } from './sync-children';
import type { SyncProgress } from './types';

/** GSTINs read from a stored list per activity. */
export const LIST_SLICE = 500;
/** Failures listed in the result (all are counted). */
export const MAX_FAILURES_KEPT = 50;
/** Per-download items are returned only up to this many children (small syncs, as before). */
export const MAX_RESULT_ITEMS = 500;
/** Children of a sync: behind downloads started by hand (default priority 3). */
export const SYNC_PRIORITY_KEY = 4;

/** What a fleet sync carries from one run to the next. */
export interface SyncCursor {
  retPeriod: string;
  periodFrom: 'input' | 'scheduled' | 'start';
  referenceTime?: string;
  startedAt: string;
  /** The instant IMS children's ids are dated by (the first run's), so every run names them alike. */
  nowMs: number;
  /** Children 0..next-1 have ended. */
  next: number;
  done: number;
  alreadyDone: number;
  failed: number;
  failures: Array<{ workflowId: string; error: string }>;
  /** Done children by how the download ended (data, no-data, not-generated, not-applicable): kept for any size. */
  outcomes?: Record<string, number>;
  /** Kept only while the sync has at most MAX_RESULT_ITEMS children. */
  items?: SyncItem[];
  run: number;
}

export interface FleetOutcome {
  cursor: SyncCursor;
  gstinCount: number;
  total: number;
}

/** Runs children from the cursor; returns when all have ended, or continues as new (never returns then). */
export async function runFleet(raw: SyncInput, plan: SyncPlan, cfg: DownloadConfig, cursor: SyncCursor): Promise<FleetOutcome> {
  const { readGstinList } = proxyActivities<Activities>({
    startToCloseTimeout: cfg.activity.shortTimeoutMs,
    scheduleToCloseTimeout: cfg.activity.retryWindowMs,
    retry: { initialInterval: cfg.activity.retryInitialMs, backoffCoefficient: 2, maximumInterval: cfg.activity.retryMaxMs },
  });
  const slices = new Map<number, Promise<string[]>>();
  let gstinCount = plan.gstins.length;
  const slice = (k: number): Promise<string[]> => {
    if (!slices.has(k)) {
      slices.set(
        k,
        readGstinList(plan.gstinsRef!, k * LIST_SLICE, LIST_SLICE, cfg.gstinChecksum).then((s) => {
          gstinCount = s.total;
          return s.gstins;
        }),
      );
    }
    return slices.get(k)!;
  };
  const gstinAt = async (i: number): Promise<string> => (plan.gstinsRef ? (await slice(Math.floor(i / LIST_SLICE)))[i % LIST_SLICE]! : plan.gstins[i]!);

  const first = await gstinAt(0);
  const perGstin = specsFor(plan, first, cursor.retPeriod, cursor.nowMs).length;
  const total = gstinCount * perGstin;
  if (cursor.items === undefined && cursor.next === 0 && total <= MAX_RESULT_ITEMS) cursor.items = [];

  const awaitingOtp = new Set<string>();
  let launched = cursor.next;
  let running = 0;
  const progress = (): SyncProgress => ({
    retPeriod: cursor.retPeriod,
    gstins: gstinCount,
    total,
    launched,
    running,
    done: cursor.done,
    alreadyDone: cursor.alreadyDone,
    failed: cursor.failed,
    awaitingOtp: awaitingOtp.size,
    run: cursor.run,
  });
  const details = (): void => {
    const p = progress();
    const ended = p.done + p.alreadyDone + p.failed;
    setCurrentDetails(
      [
        `**sync** period ${p.retPeriod} · ${p.gstins} GSTINs · ${ended}/${p.total} downloads ended${p.run > 1 ? ` · run ${p.run}` : ''}`,
        `${p.done} done · ${p.alreadyDone} already done · ${p.failed} failed · ${p.running} running · ${p.awaitingOtp} waiting for an OTP`,
      ].join('\n\n'),
    );
  };
  setHandler(syncProgressQuery, progress);
  setHandler(childStageSignal, ({ workflowId, stage }) => {
    if (stage === 'AWAITING_OTP') awaitingOtp.add(workflowId);
    else awaitingOtp.delete(workflowId);
    details();
  });
  details();

  // children end out of order: `next` moves past i only when every child before it has ended
  const ended = new Set<number>();
  const record = (i: number, item: SyncItem): void => {
    if (item.status === 'done') {
      cursor.done++;
      if (item.outcome) (cursor.outcomes ??= {})[item.outcome] = (cursor.outcomes[item.outcome] ?? 0) + 1;
    }
    else if (item.status === 'already-done') cursor.alreadyDone++;
    else {
      cursor.failed++;
      if (cursor.failures.length < MAX_FAILURES_KEPT) cursor.failures.push({ workflowId: item.workflowId, error: item.error ?? 'failed' });
    }
    if (cursor.items) cursor.items[i] = item;
    ended.add(i);
    while (ended.delete(cursor.next)) cursor.next++;
  };

  const stopAt = await fanOut(
    cursor.next,
    total - 1,
    plan.concurrency,
    async (i) => {
      launched = Math.max(launched, i + 1);
      running++;
      details();
      const spec = specsFor(plan, await gstinAt(Math.floor(i / perGstin)), cursor.retPeriod, cursor.nowMs)[i % perGstin]!;
      const item = await runChild(spec, { priorityKey: SYNC_PRIORITY_KEY, fairnessKey: spec.gstin });
      running--;
      awaitingOtp.delete(spec.workflowId);
      record(i, item);
      details();
    },
    () => shouldContinueAsNew(cfg),
  );
  if (stopAt <= total - 1) {
    cursor.run++;
    return continueAsNew<(i: SyncInput, c: SyncCursor) => Promise<unknown>>(raw, cursor);
  }
  return { cursor, gstinCount, total };
}
