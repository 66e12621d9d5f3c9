import { workflowInfo } from '@temporalio/workflow';
import { location } from '../domain/download';
import { validateGstr2bInput, type Gstr2bInput } from '../domain/inputs';
import { validated } from './failures';
import { finish } from './finish';
import { activityProxies, gstinOf, loadConfig } from './proxies';
import { SessionGuard } from './session';
import { Tracker } from './tracker';
import type { DownloadSummary } from './types';
import { fetchGstr2bFiles, gstr2bWithGenerations } from './gstr2b-generations';
import { outcomesOn } from './outcomes';
import { decidePatchesUpFront } from './patches';

/**
 * GSTR-2B of one return period (a synchronous route): the first answer is the whole return, or — for a large
 * return — its summary with a file count, after which every file is fetched (bounded concurrency).
 */
export async function downloadGstr2b(raw: Gstr2bInput): Promise<DownloadSummary> {
  decidePatchesUpFront(); // before the first await: see workflows/patches.ts
  const withOutcomes = outcomesOn();
  const cfg = await loadConfig(gstinOf(raw));
  const input = validated((o) => validateGstr2bInput(raw, o), cfg);
  const tracker = new Tracker(cfg, 'gstr2b', input.gstin, input.retPeriod);
  const acts = activityProxies(cfg);
  const guard = new SessionGuard(input.gstin, cfg, acts, tracker);
  const loc = location('gstr2b', input.gstin, input.retPeriod);
  const startedAt = new Date(Date.now()).toISOString();
  if (withOutcomes) {
    return gstr2bWithGenerations({ input, cfg, tracker, acts, guard, loc, startedAt, provenance: { workflowId: workflowInfo().workflowId } });
  }

  const { files, first } = await tracker.failOnError(async () => {
    tracker.stage('DOWNLOADING');
    const first = await guard.run(() => acts.short.fetchGstr2b(input, loc));
    const parts = await fetchGstr2bFiles({ input, cfg, tracker, acts, guard }, first.fileCount, loc);
    return { first, files: [first.file, ...parts] };
  });

  return finish(tracker, acts, {
    kind: 'gstr2b',
    input,
    loc,
    route: 'gstr2b',
    startedAt,
    files,
    provenance: { workflowId: workflowInfo().workflowId, gendt: first.gendt ?? null, fileCount: first.fileCount },
  });
}
