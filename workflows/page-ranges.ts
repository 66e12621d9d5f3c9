/**
 * Pages in batches, the workflow side: the pages from..to are fetched as ranges of `pagesPerActivity`, one range
 * activity at a time, each with the download's whole page concurrency (GST_PAGE_CONCURRENCY). A range is a few
 * history events whatever its size, so a 20,000-page download fits one run. Between ranges the history may hand
 * over to a fresh run (continue-as-new) with the cursor.
 */
import type { PageBatch, PageBatchResult } from '../activities/pages';

/** Pages per range activity when the worker's config (recorded before this setting existed) does not say. */
export const DEFAULT_PAGES_PER_ACTIVITY = 500;

export interface RangePlan {
  from: number;
  to: number;
  pagesPerActivity: number;
  concurrency: number;
  /** Runs one range activity; `recheckStore` is set when the same range runs again (after a session refresh). */
  fetch: (b: PageBatch) => Promise<PageBatchResult>;
  /** A range is done: add its pages, records and bytes to the download's progress. */
  done: (r: PageBatchResult) => void;
  /** Stop before the next range (continue-as-new). */
  stop: () => boolean;
}

/** Fetches the ranges in order; returns the first page not fetched (to + 1 when all are done). */
export async function fetchInRanges(p: RangePlan): Promise<number> {
  const size = Math.max(1, p.pagesPerActivity);
  let from = p.from;
  while (from <= p.to && !p.stop()) {
    const to = Math.min(p.to, from + size - 1);
    const r = await p.fetch({ from, to, concurrency: Math.max(1, p.concurrency) });
    p.done(r);
    from = to + 1;
  }
  return from;
}

/**
 * A range fetch that a session guard may run more than once: the second and later runs look in the store first,
 * so pages stored before the session lapsed are not fetched again.
 */
export function rerunnable(fetch: (b: PageBatch) => Promise<PageBatchResult>): (b: PageBatch) => () => Promise<PageBatchResult> {
  return (b) => {
    let runs = 0;
    return () => fetch(runs++ === 0 ? b : { ...b, recheckStore: true });
  };
}
