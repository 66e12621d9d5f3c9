import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import { validateEinvoiceInput, type EinvoiceInput } from '../eas/validation';
import type { StoredFile } from '../store/store';
import { driveTask, newAsyncState } from './async-task';
import { activityProxies, istDate, loadConfig, location, SessionGuard, Tracker, validated } from './common';
import { finish } from './finish';
import type { AsyncResume, DownloadSummary } from './types';

/** Where an e-invoice download lands: the supply type, and the counterparty filter if any. */
export function einvoiceSection(input: EinvoiceInput): string {
  return [input.supplyType, input.supplierGstin ? `S${input.supplierGstin}` : '', input.recipientGstin ? `R${input.recipientGstin}` : '']
    .filter(Boolean)
    .join('_');
}

/**
 * E-invoices of one return period: submit the job, poll its task with durable timers, then stream the
 * result ZIP into the store and record result.json and every file-N.json it holds.
 */
export async function downloadEinvoices(raw: EinvoiceInput, resume?: AsyncResume): Promise<DownloadSummary> {
  const cfg = await loadConfig();
  const input = validated((o) => validateEinvoiceInput(raw, o), cfg);
  const tracker = new Tracker(cfg, 'einvoice', input.gstin, input.retPeriod, resume);
  const acts = activityProxies(cfg);
  const guard = new SessionGuard(input.gstin, cfg, acts, tracker);
  const state = resume ?? newAsyncState(Date.now(), istDate(Date.now()));
  state.run = tracker.progress.run;
  const loc = location('einvoice', input.gstin, input.retPeriod, einvoiceSection(input));
  let files: StoredFile[] = [];
  let failedEntries: unknown[] = [];

  const outcome = await tracker.failOnError(() =>
    driveTask(
      { state, cfg, acts, guard, tracker },
      () => acts.short.submitEinvoice(input),
      async () => {
        const r = await guard.run(() => acts.zip.downloadEinvoiceResult(state.taskId, loc));
        files = r.files;
        failedEntries = r.failedEntries;
        return 'done';
      },
    ),
  );
  if (outcome === 'continue') return continueAsNew<typeof downloadEinvoices>(input, state);

  return finish(tracker, acts, {
    kind: 'einvoice',
    input,
    loc,
    route: 'einvoiceDownload',
    state,
    files,
    provenance: { workflowId: workflowInfo().workflowId, failedEntries },
  });
}
