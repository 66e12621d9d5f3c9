/**
 * Pages in batches: one activity fetches a range of pages (IMS result pages, IRNs) with its own bounded
 * concurrency, writes each to the store as it arrives, and heartbeats what is done in a compact form (runs of page
 * numbers + totals). A retry of the same activity resumes from its heartbeat details; a fresh activity for the same
 * range (after a GSTN session refresh) can be told to look in the store first. Only totals travel back to the
 * workflow, so a 20,000-page download writes a few dozen history events instead of two per page. What each page
 * is (bytes, sha256, records, sections) goes to a small object beside the pages instead (`.pages-<from>-<to>.json`,
 * activities/finish.ts), from which finishDownload builds the manifest without reading the pages back.
 *
 * Every worker also caps the gateway requests its page activities have in flight at once, over all downloads
 * (`pageRequestCap`): GST_PAGE_CONCURRENCY is per download, the cap is per worker.
 */
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import type { EasClient } from '../eas/client';
import { outcomeOfKind } from '../eas/contract';
import { isEasError } from '../eas/errors';
import type { DownloadLocation, Store, StoredFile } from '../store/store';
import { PageSet, type PageRuns } from './page-set';
import { irnName, pageName, rangeDigestsName, type PageFile, type RangeDigests } from './finish';
import { imsPageSections } from './records';
import { imsPageRecords } from './records';

export { irnName, pageName };

/** A range of items (1-based, inclusive) and how many to fetch at once. */
export interface PageBatch {
  from: number;
  to: number;
  concurrency: number;
  /** Skip items already in the store (set when the workflow runs a range again after a session refresh). */
  recheckStore?: boolean;
}

export interface PageBatchResult {
  from: number;
  to: number;
  /** Items stored (to - from + 1 when the batch completes). */
  pages: number;
  records: number;
  bytes: number;
  /** Fetched from the gateway by this attempt (the rest came from heartbeat details or the store). */
  fetched: number;
  /** Items GSTN answered it has no data for (an IRN with no e-invoice, EINV30107): done, nothing stored. */
  missing?: MissingItem[];
}

export interface MissingItem {
  key: string;
  gstnCode: string | null;
}

/** What a batch heartbeats: the compact form of the items done so far. */
export interface BatchProgress {
  done: PageRuns;
  records: number;
  bytes: number;
  missing?: MissingItem[];
}

/** At most `max` callers inside `run` at once, first come first served. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

interface Item {
  /** Its name in the store (page-N.json, irn-<irn>.json). */
  name: string;
  fetch(): Promise<PageFile | MissingItem>;
  /** What the store already holds for this item, if anything. */
  stored(): Promise<{ records: number; bytes: number } | undefined>;
}

/** Runs items from..to of a batch with `concurrency` in flight, then stores its digests in `at`; see the module comment. */
async function runBatch(b: PageBatch, item: (i: number) => Item, at: { store: Store; loc: DownloadLocation }): Promise<PageBatchResult> {
  if (!(Number.isInteger(b.from) && Number.isInteger(b.to) && b.from >= 1 && b.to >= b.from)) throw new Error(`bad page range ${b.from}..${b.to}`);
  const prior = activityInfo().heartbeatDetails as BatchProgress | undefined;
  const done = new PageSet(prior?.done ?? []);
  let records = prior?.records ?? 0;
  let bytes = prior?.bytes ?? 0;
  let fetched = 0;
  const missing: MissingItem[] = [...(prior?.missing ?? [])];
  // what this attempt stored, by name (items done by an earlier attempt have none: read back at finish)
  const digests: RangeDigests = {};
  const beat = (): void => heartbeat({ done: done.toJSON(), records, bytes, ...(missing.length ? { missing } : {}) } satisfies BatchProgress);
  const record = (i: number, f: { records: number; bytes: number }): void => {
    done.add(i);
    records += f.records;
    bytes += f.bytes;
  };

  if (b.recheckStore) {
    for (let i = b.from; i <= b.to; i++) {
      if (done.has(i)) continue;
      const f = await item(i).stored();
      if (f) record(i, f);
    }
  }
  // heartbeats once a second (not per page: each is a call to the server), also while requests wait for the
  // worker's cap; they carry cancellation in. A failed attempt beats once more, so its retry resumes from there.
  const timer = setInterval(beat, 1000);
  const cancelled = Context.current().cancellationSignal;
  let next = b.from;
  let failure: unknown;
  const lane = async (): Promise<void> => {
    while (failure === undefined && !cancelled.aborted) {
      while (next <= b.to && done.has(next)) next++;
      if (next > b.to) return;
      const i = next++;
      try {
        const it = item(i);
        const got = await it.fetch();
        if ('key' in got) {
          missing.push(got);
          record(i, { records: 0, bytes: 0 });
        } else {
          record(i, got);
          digests[it.name] = got.sections ? [got.bytes, got.sha256, got.records, got.sections] : [got.bytes, got.sha256, got.records];
        }
        fetched++;
      } catch (e) {
        failure ??= e;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, b.concurrency) }, lane));
  } finally {
    clearInterval(timer);
  }
  if (failure !== undefined || cancelled.aborted) beat();
  if (failure !== undefined) throw failure;
  if (cancelled.aborted) throw cancelled.reason ?? new Error('cancelled');
  if (Object.keys(digests).length) await at.store.put(at.loc, rangeDigestsName(item(b.from).name, item(b.to).name), JSON.stringify(digests), 0);
  return { from: b.from, to: b.to, pages: done.size, records, bytes, fetched, ...(missing.length ? { missing } : {}) };
}

export interface PageActivityDeps {
  /** The EAS client of a GSTIN's tenant. */
  easFor: (gstin: string) => Promise<EasClient>;
  store: Store;
  /** Gateway requests in flight at once over all page activities of this worker. */
  pageRequests: Limiter;
}

async function storedFile(store: Store, loc: DownloadLocation, name: string, records: (body: Buffer) => number) {
  const st = await store.stat(store.refOf(loc, name));
  if (!st) return undefined;
  const body = await store.read(`${store.locationRef(loc)}/${name}`);
  return { records: records(body), bytes: st.bytes };
}

function imsBodyRecords(body: Buffer): number {
  const parsed = JSON.parse(body.toString('utf8')) as { data?: Record<string, unknown> };
  return imsPageRecords(parsed.data ?? {});
}

export function createPageActivities({ easFor, store, pageRequests }: PageActivityDeps) {
  return {
    /** IMS result pages b.from..b.to of a completed task, each stored as page-N.json. */
    async downloadImsPages(taskId: string, loc: DownloadLocation, b: PageBatch): Promise<PageBatchResult> {
      return runBatch(b, (p) => ({
        name: pageName(p),
        fetch: async () => {
          const eas = await easFor(loc.gstin);
          const { body, data } = await pageRequests.run(() => eas.taskPage(taskId, p));
          const file = await store.put(loc, pageName(p), body, imsPageRecords(data));
          return { ...file, sections: imsPageSections(data) };
        },
        stored: () => storedFile(store, loc, pageName(p), imsBodyRecords),
      }), { store, loc });
    },

    /** IRN details of irns[b.from-1 .. b.to-1] (the workflow passes only its range's IRNs), each stored as irn-<irn>.json; IRNs GSTN has no e-invoice for come back in `missing`. */
    async fetchIrnBatch(gstin: string, irns: string[], loc: DownloadLocation, b: PageBatch): Promise<PageBatchResult> {
      return runBatch(b, (i) => {
        const irn = irns[i - 1];
        if (!irn) throw new Error(`no IRN number ${i} in a list of ${irns.length}`);
        return {
          name: irnName(irn),
          fetch: async () => {
            try {
              const eas = await easFor(gstin);
              const { body } = await pageRequests.run(() => eas.irnDetails(gstin, irn));
              return await store.put(loc, irnName(irn), body, 1);
            } catch (e) {
              // GSTN has no e-invoice for this IRN (EINV30107): an answer, recorded; the rest of the range goes on
              if (isEasError(e) && outcomeOfKind(e.kind) === 'no-data') return { key: irn, gstnCode: e.gstnCode ?? null };
              throw e;
            }
          },
          stored: () => storedFile(store, loc, irnName(irn), () => 1),
        };
      }, { store, loc });
    },
  };
}

export type PageActivities = ReturnType<typeof createPageActivities>;
