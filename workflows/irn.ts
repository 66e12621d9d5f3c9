import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import { decidePatchesUpFront, newPath } from './patches';
import type { PageDigest } from '../activities/finish';
import { location } from '../domain/download';
import { irnBatchKey } from '../domain/ids';
import { validateIrnInput, type IrnInput } from '../domain/inputs';
import { istDate } from '../domain/periods';
import { fanOut } from './fan-out';
import { validated } from './failures';
import { FINISH_FROM_PAGE_RESULTS, finish, keepDigest } from './finish';
import { answerOf, outcomesOn } from './outcomes';
import { DEFAULT_PAGES_PER_ACTIVITY, fetchInRanges, rerunnable } from './page-ranges';
import { shouldContinueAsNew } from './polling';
import { activityProxies, gstinOf, loadConfig } from './proxies';
import { SessionGuard } from './session';
import { Tracker } from './tracker';
import type { DownloadSummary } from './types';

export interface IrnResume {
  startedAt: string;
  date: string;
  /** IRNs 1..next-1 (1-based) are stored. */
  next: number;
  /** OUTCOMES_PATCH: IRNs GSTN had no e-invoice for. */
  missing?: Array<{ irn: string; gstnCode: string | null }>;
  run: number;
  /** What each IRN's activity returned (index = IRN position; null = not known to this chain). */
  digests?: Array<PageDigest | null>;
}

/**
 * IRN details for one or many IRNs (a synchronous route), bounded concurrency: in ranges, each range one activity
 * given only its own IRNs (runs recorded before that used one activity per IRN).
 */
export async function getIrnDetails(raw: IrnInput, resume?: IrnResume): Promise<DownloadSummary> {
  decidePatchesUpFront(); // before the first await: see workflows/patches.ts
  const withOutcomes = outcomesOn();
  const cfg = await loadConfig(gstinOf(raw));
  const inRanges = newPath('irn-ranges');
  const input = validated((o) => validateIrnInput(raw, o), cfg);
  const tracker = new Tracker(cfg, 'irn', input.gstin, undefined, resume && { run: resume.run, nextPage: resume.next, pages: input.irns.length });
  const acts = activityProxies(cfg);
  const guard = new SessionGuard(input.gstin, cfg, acts, tracker);
  const now = Date.now();
  const state: IrnResume = resume ?? { startedAt: new Date(now).toISOString(), date: istDate(now), next: 1, run: 0 };
  state.run = tracker.progress.run;
  // OUTCOMES_PATCH: every batch has its own folder, derived from its IRNs (two batches on one day no longer clash)
  const loc = location('irn', input.gstin, state.date, withOutcomes ? irnBatchKey(input) : undefined);
  const missing = state.missing ?? [];
  const keepDigests = newPath(FINISH_FROM_PAGE_RESULTS);

  await tracker.failOnError(async () => {
    tracker.stage('DOWNLOADING');
    if (state.next === 1) tracker.pagesTotal(input.irns.length);
    if (inRanges) {
      // the activity sees its range's IRNs only, numbered from 1
      const range = rerunnable((b) => acts.zip.fetchIrnBatch(input.gstin, input.irns.slice(b.from - 1, b.to), loc, { ...b, from: 1, to: b.to - b.from + 1 }));
      state.next = await fetchInRanges({
        from: state.next,
        to: input.irns.length,
        pagesPerActivity: cfg.pagesPerActivity ?? DEFAULT_PAGES_PER_ACTIVITY,
        concurrency: cfg.concurrency,
        fetch: (b) => guard.run(range(b)),
        done: (r) => {
          // IRNs GSTN has no e-invoice for (EINV30107): recorded, the rest of the batch goes on
          if (withOutcomes) for (const m of r.missing ?? []) missing.push({ irn: m.key, gstnCode: m.gstnCode });
          tracker.pagesDoneBy(r.pages);
        },
        stop: () => shouldContinueAsNew(cfg),
      });
      return;
    }
    state.next = await fanOut(
      state.next,
      input.irns.length,
      cfg.concurrency,
      async (i) => {
        const irn = input.irns[i - 1]!;
        try {
          const f = await guard.run(() => acts.page.fetchIrnDetails(input.gstin, irn, loc));
          if (keepDigests) keepDigest(state, i, f);
        } catch (e) {
          // GSTN has no e-invoice for this IRN (EINV30107): recorded, the rest of the batch goes on
          const a = withOutcomes ? answerOf(e) : undefined;
          if (!a) throw e;
          missing.push({ irn, gstnCode: a.gstnCode ?? null });
        }
        tracker.pageDone();
      },
      () => shouldContinueAsNew(cfg),
    );
  });
  if (withOutcomes) state.missing = missing;
  if (state.next <= input.irns.length) return continueAsNew<typeof getIrnDetails>(input, state);
  const gone = new Set(missing.map((m) => m.irn));
  const found = input.irns.filter((irn) => !gone.has(irn));

  return finish(tracker, acts, {
    kind: 'irn',
    input,
    loc,
    route: 'irnDetails',
    startedAt: state.startedAt,
    files: [],
    irns: withOutcomes ? found : input.irns,
    // digests by position in the list finish gets (IRNs GSTN had none for are left out with their positions)
    ...(keepDigests && { digests: input.irns.map((_, i) => state.digests?.[i] ?? null).filter((_, i) => !withOutcomes || !gone.has(input.irns[i]!)) }),
    provenance: withOutcomes ? { workflowId: workflowInfo().workflowId, missing } : { workflowId: workflowInfo().workflowId },
    ...(withOutcomes ? { outcome: found.length ? ('data' as const) : ('no-data' as const), ...(found.length ? {} : { gstnCode: missing[0]?.gstnCode ?? undefined }) } : {}),
  });
}
