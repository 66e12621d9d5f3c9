import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import { location, type StoredFile } from '../domain/download';
import { einvoiceSection } from '../domain/ids';
import { validateEinvoiceInput, type EinvoiceInput } from '../domain/inputs';
import { istDate } from '../domain/periods';
import { driveTask, driveWithOutcomes, newAsyncState } from './async-task';
import { validated } from './failures';
import { finish, type FinishParams } from './finish';
import { outcomesOn } from './outcomes';
import { activityProxies, gstinOf, loadConfig } from './proxies';
import { SessionGuard } from './session';
import { Tracker } from './tracker';
import type { AsyncResume, DownloadSummary } from './types';
import { decidePatchesUpFront } from './patches';

/**
 * E-invoices of one return period: submit the job, poll its task with durable timers, then stream the
 * result ZIP into the store and record result.json and every file-N.json it holds.
 */
export async function downloadEinvoices(raw: EinvoiceInput, resume?: AsyncResume): Promise<DownloadSummary> {
  decidePatchesUpFront(); // before the first await: see workflows/patches.ts
  const withOutcomes = outcomesOn();
  const cfg = await loadConfig(gstinOf(raw));
  const input = validated((o) => validateEinvoiceInput(raw, o), cfg);
  const tracker = new Tracker(cfg, 'einvoice', input.gstin, input.retPeriod, resume);
  const acts = activityProxies(cfg);
  const guard = new SessionGuard(input.gstin, cfg, acts, tracker);
  const state = resume ?? newAsyncState(Date.now(), istDate(Date.now()));
  state.run = tracker.progress.run;
  const loc = location('einvoice', input.gstin, input.retPeriod, einvoiceSection(input));
  let files: StoredFile[] = [];
  let failedEntries: unknown[] = [];

  const finishParams = (): FinishParams => ({
    kind: 'einvoice',
    input,
    loc,
    route: 'einvoiceDownload',
    state,
    files,
    provenance: { workflowId: workflowInfo().workflowId, failedEntries },
  });
  const asks = { n: state.asks ?? 0 };
  const drive = () =>
    driveTask(
      { state, cfg, acts, guard, tracker, outcomes: withOutcomes },
      () => acts.short.submitEinvoice(input),
      async () => {
        const r = await guard.run(() => acts.zip.downloadEinvoiceResult(state.taskId, loc));
        files = r.files;
        failedEntries = r.failedEntries;
        return 'done';
      },
    );
  const got = await driveWithOutcomes({ withOutcomes, cfg, tracker, asks, state }, drive);
  if ('answer' in got) {
    const { outcome, gstnCode } = got.answer;
    return finish(tracker, acts, { ...finishParams(), files: [], pages: undefined, outcome, gstnCode, asks: asks.n });
  }
  if (got.value === 'continue') return continueAsNew<typeof downloadEinvoices>(input, state);

  return finish(tracker, acts, { ...finishParams(), ...(withOutcomes ? { outcome: 'data' as const, asks: asks.n } : {}) });
}
