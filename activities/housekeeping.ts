/**
 * Leftovers never outlive the next step: a retried attempt first removes the temp objects a killed attempt left for
 * the same file; and after a download's manifest is written, its folder holds exactly what the manifest lists
 * (stale pages of an earlier submission, temp objects, unfinished ZIP segments go). Only that folder: sub-folders
 * belong to other downloads (a GSTR-2B download's generation folders g<gendt>-<chksum>/ are swept by their own
 * finish). An IRN batch has its own folder irn/<count>-<hash> (patch 'gst-outcomes-v1'); the older per-GSTIN-and-day
 * IRN folder may hold several batches, so there only temp objects (dot-names) go.
 */
import { Context } from '@temporalio/activity';
import { MANIFEST_NAME, TEMP_PREFIX, isTempName, type DownloadLocation, type Store, type StoredFile } from '../store/store';

/** In a retried attempt (attempt > 1), removes temp objects named `.tmp-<name>.…` (all temp objects without a name). */
export async function sweepTempsOnRetry(store: Store, loc: DownloadLocation, name?: string): Promise<number> {
  if (Context.current().info.attempt <= 1) return 0;
  const found = await store.list(store.refOf(loc, `${TEMP_PREFIX}${name ? `${name}.` : ''}`));
  for (const o of found) await store.delete(o.ref);
  return found.length;
}

export async function sweepLocation(store: Store, loc: DownloadLocation, keep: StoredFile[]): Promise<string[]> {
  const folder = `${store.locationRef(loc)}/`;
  const wanted = new Set([...keep.map((f) => f.ref), store.refOf(loc, MANIFEST_NAME)]);
  const removed: string[] = [];
  for (const o of await store.list(folder)) {
    const name = o.ref.slice(folder.length);
    if (name.includes('/') || wanted.has(o.ref)) continue;
    if (loc.kind === 'irn' && !loc.section && !isTempName(name)) continue;
    await store.delete(o.ref);
    removed.push(name);
  }
  return removed;
}
