/**
 * Every change of workflow behaviour is decided here. A run decides, before its first `await`, which epoch of
 * changes it follows, and takes every change of that epoch and the ones before it without asking again.
 *
 * Why: a run reads its tunables through a local activity (`loadConfig`). The Temporal core may complete the
 * workflow task that records the local activity's result before the workflow code that follows it has run; that
 * code's commands (patch markers among them) then land in the NEXT task. On replay, the local activity resolves
 * while the first task is replayed, where that later task's markers are not yet known, so a `patched()` called
 * after `loadConfig` answers false and the replay fails ("Non-deprecated patch marker encountered": seen when a
 * worker picks up a download another one started, and when a finished run is queried). A `patched()` before the
 * first `await` always falls in the run's first task, where its marker is known.
 *
 * A new change: add a new epoch at the end of EPOCHS (one per release) naming it, and branch on `newPath(id)`
 * wherever the change is, after awaits too. Never edit or reorder an epoch that has shipped.
 */
import { patched } from '@temporalio/workflow';

export const EPOCHS = [
  {
    // the changes made before runs decided up front; runs recorded before this epoch ask for each one (below)
    marker: 'patches-up-front',
    changes: [
      'gst-outcomes-v1',
      'gstin-index',
      'gstn-session-workflow',
      'finish-from-page-results',
      'ims-page-ranges',
      'irn-ranges',
      'poll-by-activity-retry',
      'fleet-sync',
      'tell-parent-otp-wait',
    ],
  },
  {
    // the GSTN session workflow indexes the keyed hash of its GSTIN (GST_GSTIN_INDEX_KEY), like the downloads
    marker: 'patches-up-front-2',
    changes: ['session-gstin-index'],
  },
] as const;

export type ChangeId = (typeof EPOCHS)[number]['changes'][number];

// per run: a workflow's module state is its own (each run has its own context)
let epoch = 0;

/**
 * The first statement of every workflow: the newest epoch this run follows (its marker is in the history, or the
 * run is new and records it), 0 for a run recorded before epochs.
 */
export function decidePatchesUpFront(): number {
  epoch = 0;
  for (let e = EPOCHS.length; e >= 1; e--) {
    if (patched(EPOCHS[e - 1]!.marker)) {
      epoch = e;
      break;
    }
  }
  return epoch;
}

/** Whether this run takes the change `id`. */
export function newPath(id: ChangeId): boolean {
  const of = EPOCHS.findIndex((e) => (e.changes as readonly string[]).includes(id)) + 1;
  if (epoch >= of) return true;
  // a run recorded before epochs asks for each change of the first epoch where it always did, so its markers
  // line up; later changes are not in its history, and it keeps the path it was on
  return epoch === 0 && of === 1 && patched(id);
}
