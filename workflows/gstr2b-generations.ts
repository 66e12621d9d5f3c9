/**
 * GSTR-2B with outcomes and generations (OUTCOMES_PATCH): GSTN's answers end the download with an outcome,
 * "not generated yet" is asked again on a durable timer (bounded), a queued request waits its `est` minutes and
 * fetches again, and each 2B generation (gendt + checksum) lands in its own folder. Finding a generation the
 * store already has writes nothing: the result is the stored manifest's, `unchanged: true`.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { DownloadConfig } from '../domain/config';
import type { DownloadLocation, StoredFile } from '../domain/download';
import type { Gstr2bInput } from '../domain/inputs';
import type { Gstr2bGenerationFirst } from '../activities/gstr2b';
import { fanOut } from './fan-out';
import { done, finish, type FinishParams } from './finish';
import { askUntilAnswered, awaitGstn, notGeneratedConfig } from './outcomes';
import type { Proxies } from './proxies';
import type { SessionGuard } from './session';
import type { Tracker } from './tracker';
import type { DownloadSummary } from './types';

export interface Gstr2bRun {
  input: Gstr2bInput;
  cfg: DownloadConfig;
  tracker: Tracker;
  acts: Proxies;
  guard: SessionGuard;
  loc: DownloadLocation;
  startedAt: string;
  provenance: Record<string, unknown>;
}

/** The first answer, after any queued waits (each `est` minutes, bounded). */
async function firstAnswer(r: Gstr2bRun): Promise<Gstr2bGenerationFirst> {
  const ng = notGeneratedConfig(r.cfg);
  for (let waits = 0; ; waits++) {
    r.tracker.stage('DOWNLOADING');
    const first = await r.guard.run(() => r.acts.short.fetchGstr2bGeneration(r.input, r.loc));
    if (!first.queued) return first;
    if (waits >= ng.maxQueuedWaits) {
      throw ApplicationFailure.create({
        message: `GSTN kept the GSTR-2B request queued after ${waits} waits (token ${first.queued.token}); start the download again later`,
        type: 'EasNotReady',
        nonRetryable: true,
      });
    }
    const ms = Math.max(1000, first.queued.estMinutes * 60_000);
    await awaitGstn(r.tracker, ms, `GSTN queued the request (token ${first.queued.token}); fetching again in ${first.queued.estMinutes} min`);
  }
}

export async function gstr2bWithGenerations(r: Gstr2bRun): Promise<DownloadSummary> {
  const { input, cfg, tracker, acts, guard, loc } = r;
  const asks = { n: 0 };
  const base: FinishParams = { kind: 'gstr2b', input, loc, route: 'gstr2b', startedAt: r.startedAt, files: [], provenance: r.provenance };

  const got = await tracker.failOnError(() => askUntilAnswered(cfg, tracker, asks, () => firstAnswer(r)));
  if ('answer' in got) {
    return finish(tracker, acts, { ...base, outcome: got.answer.outcome, gstnCode: got.answer.gstnCode, asks: asks.n });
  }
  const first = got.value;
  const provenance = { ...r.provenance, gendt: first.gendt ?? null, fileCount: first.fileCount };
  if (first.unchanged) {
    const fetchedAt = new Date(Date.now()).toISOString();
    const summary = done(tracker, { ...base, provenance }, first.unchanged, fetchedAt, 'data');
    summary.unchanged = true;
    summary.asks = asks.n;
    return summary;
  }
  const gen = first.generation!;
  const files = await tracker.failOnError(async () => {
    const parts = await fetchGstr2bFiles({ input, cfg, tracker, acts, guard }, first.fileCount, gen.loc);
    return [first.file!, ...parts];
  });
  return finish(tracker, acts, { ...base, files, provenance, outcome: 'data', generation: gen, asks: asks.n });
}

/** The further files of a large GSTR-2B (the first answer gave their count), `cfg.concurrency` at a time, into `loc`. */
export async function fetchGstr2bFiles(
  o: { input: Gstr2bInput; cfg: DownloadConfig; tracker: Tracker; acts: Proxies; guard: SessionGuard },
  fileCount: number,
  loc: DownloadLocation,
): Promise<StoredFile[]> {
  const parts: StoredFile[] = [];
  if (fileCount > 0) {
    o.tracker.pagesTotal(fileCount);
    await fanOut(
      1,
      fileCount,
      o.cfg.concurrency,
      async (k) => {
        parts[k - 1] = await o.guard.run(() => o.acts.page.fetchGstr2bFile(o.input, k, loc));
        o.tracker.pageDone();
      },
      () => false,
    );
  }
  return parts;
}
