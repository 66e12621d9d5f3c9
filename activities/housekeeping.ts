/**
 * After a download's manifest is written, its folder holds exactly what the manifest lists: stale pages of an
 * earlier submission, temp objects of killed writers and unfinished ZIP segments are removed. Only this folder:
 * sub-folders belong to other downloads.
 */
import { MANIFEST_NAME, isTempName, type DownloadLocation, type Store, type StoredFile } from '../store/store';

export async function sweepLocation(store: Store, loc: DownloadLocation, keep: StoredFile[]): Promise<string[]> {
  const folder = `${store.locationRef(loc)}/`;
  const wanted = new Set([...keep.map((f) => f.ref), store.refOf(loc, MANIFEST_NAME)]);
  const removed: string[] = [];
  for (const o of await store.list(folder)) {
    const name = o.ref.slice(folder.length);
    if (name.includes('/') || wanted.has(o.ref)) continue;
    if (loc.kind === 'irn' && !isTempName(name)) continue;
    await store.delete(o.ref);
    removed.push(name);
  }
  return removed;
}
