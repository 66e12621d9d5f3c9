import { continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import type { PageDigest } from '../activities';
import { location } from '../domain/download';
import { validateIrnInput, type IrnInput } from '../domain/inputs';
import { istDate } from '../domain/periods';
import { fanOut } from './fan-out';
import { validated } from './failures';
import { FINISH_FROM_PAGE_RESULTS, finish, keepDigest } from './finish';
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
  run: number;
  /** What each IRN's activity returned (index = IRN position; null = not known to this chain). */
  digests?: Array<PageDigest | null>;
}

/** IRN details for one or many IRNs (a synchronous route): one activity per IRN, bounded concurrency. */
export async function getIrnDetails(raw: IrnInput, resume?: IrnResume): Promise<DownloadSummary> {
  const cfg = await loadConfig(gstinOf(raw));
  const input = validated((o) => validateIrnInput(raw, o), cfg);
  const tracker = new Tracker(cfg, 'irn', input.gstin, undefined, resume && { run: resume.run, nextPage: resume.next, pages: input.irns.length });
  const acts = activityProxies(cfg);
  const guard = new SessionGuard(input.gstin, cfg, acts, tracker);
  const now = Date.now();
  const state: IrnResume = resume ?? { startedAt: new Date(now).toISOString(), date: istDate(now), next: 1, run: 0 };
  state.run = tracker.progress.run;
  const loc = location('irn', input.gstin, state.date);
  const keepDigests = patched(FINISH_FROM_PAGE_RESULTS);

  await tracker.failOnError(async () => {
    tracker.stage('DOWNLOADING');
    if (state.next === 1) tracker.pagesTotal(input.irns.length);
    state.next = await fanOut(
      state.next,
      input.irns.length,
      cfg.concurrency,
      async (i) => {
        const f = await guard.run(() => acts.page.fetchIrnDetails(input.gstin, input.irns[i - 1]!, loc));
        if (keepDigests) keepDigest(state, i, f);
        tracker.pageDone();
      },
      () => shouldContinueAsNew(cfg),
    );
  });
  if (state.next <= input.irns.length) return continueAsNew<typeof getIrnDetails>(input, state);

  return finish(tracker, acts, {
    kind: 'irn',
    input,
    loc,
    route: 'irnDetails',
    startedAt: state.startedAt,
    files: [],
    irns: input.irns,
    ...(keepDigests && { digests: state.digests ?? [] }),
    provenance: { workflowId: workflowInfo().workflowId },
  });
}
