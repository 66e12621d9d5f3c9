import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import { decidePatchesUpFront, newPath } from './patches';
import { location } from '../domain/download';
import { validateImsInput, type ImsInput } from '../domain/inputs';
import { istDate } from '../domain/periods';
import { driveTask, driveWithOutcomes, newAsyncState } from './async-task';
import { fanOut } from './fan-out';
import { validated } from './failures';
import { FINISH_FROM_PAGE_RESULTS, finish, keepDigest, type FinishParams } from './finish';
import { outcomesOn } from './outcomes';
import { DEFAULT_PAGES_PER_ACTIVITY, fetchInRanges, rerunnable } from './page-ranges';
import { shouldContinueAsNew } from './polling';
import { activityProxies, gstinOf, loadConfig } from './proxies';
import { SessionGuard } from './session';
import { Tracker } from './tracker';
import type { AsyncResume, DownloadSummary } from './types';

/**
 * IMS invoices of one section: submit the job, poll its task, learn the page count, then fetch every page
 * (bounded concurrency): in ranges, each range one activity that stores its pages and returns totals
 * (workflows/page-ranges.ts); runs recorded before that fetched one page per activity. A long download
 * continues as new with its task id and page cursor.
 */
export async function downloadImsInvoices(raw: ImsInput, resume?: AsyncResume): Promise<DownloadSummary> {
  decidePatchesUpFront(); // before the first await: see workflows/patches.ts
  const withOutcomes = outcomesOn();
  const cfg = await loadConfig(gstinOf(raw));
  const inRanges = newPath('ims-page-ranges');
  const input = validated((o) => validateImsInput(raw, o), cfg);
  const tracker = new Tracker(cfg, 'ims', input.gstin, undefined, resume);
  const acts = activityProxies(cfg);
  const guard = new SessionGuard(input.gstin, cfg, acts, tracker);
  const state = resume ?? newAsyncState(Date.now(), istDate(Date.now()));
  state.run = tracker.progress.run;
  const loc = location('ims', input.gstin, state.date, input.status ? `${input.section}-${input.status}` : input.section);
  // Keep what each page activity returned, so finishing needs no second read of every page.
  const keepDigests = newPath(FINISH_FROM_PAGE_RESULTS);

  const finishParams = (): FinishParams => ({
    kind: 'ims',
    input,
    loc,
    route: 'imsInvoices',
    state,
    files: [],
    pages: state.pages,
    provenance: { workflowId: workflowInfo().workflowId, section: input.section, status: input.status ?? null },
  });
  const asks = { n: state.asks ?? 0 };
  const drive = () =>
    driveTask(
      { state, cfg, acts, guard, tracker, outcomes: withOutcomes },
      () => acts.short.submitIms(input.gstin, input.section, input.status),
      async () => {
        if (state.pages === undefined) {
          state.pages = await guard.run(() => acts.short.countPages(state.taskId, input.gstin));
          state.nextPage = 1;
          tracker.pagesTotal(state.pages);
        }
        const pages = state.pages;
        if (inRanges) {
          const range = rerunnable((b) => acts.zip.downloadImsPages(state.taskId, loc, b));
          state.nextPage = await fetchInRanges({
            from: state.nextPage ?? 1,
            to: pages,
            pagesPerActivity: cfg.pagesPerActivity ?? DEFAULT_PAGES_PER_ACTIVITY,
            concurrency: cfg.concurrency,
            fetch: (b) => guard.run(range(b)),
            done: (r) => tracker.pagesDoneBy(r.pages),
            stop: () => shouldContinueAsNew(cfg),
          });
        } else {
          state.nextPage = await fanOut(
            state.nextPage ?? 1,
            pages,
            cfg.concurrency,
            async (p) => {
              const f = await guard.run(() => acts.page.downloadImsPage(state.taskId, p, loc));
              if (keepDigests) keepDigest(state, p, f);
              tracker.pageDone();
            },
            () => shouldContinueAsNew(cfg),
          );
        }
        return state.nextPage <= state.pages ? 'continue' : 'done';
      },
    );
  const got = await driveWithOutcomes({ withOutcomes, cfg, tracker, asks, state }, drive);
  if ('answer' in got) {
    const { outcome, gstnCode } = got.answer;
    return finish(tracker, acts, { ...finishParams(), files: [], pages: undefined, outcome, gstnCode, asks: asks.n });
  }
  if (got.value === 'continue') return continueAsNew<typeof downloadImsInvoices>(input, state);

  return finish(tracker, acts, {
    ...finishParams(),
    ...(keepDigests && { digests: state.digests ?? [] }),
    ...(withOutcomes ? { outcome: 'data' as const, asks: asks.n } : {}),
  });
}
