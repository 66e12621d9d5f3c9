/**
 * What a chaos run must leave behind: every stored file equal to the sandbox's truth, nothing in the store that no
 * manifest lists (no temp object `.tmp-…`, no ZIP segment `.part-einvoice.zip-…`, no stale file), no file in a
 * scratch folder. Read through the Store interface, so it holds for the file store and S3 alike.
 */
import { createHash } from 'node:crypto';
import type { SandboxAdmin } from '../sandbox/admin';
import { isTempName, type Store } from '../store/store';
import type { DownloadSummary } from '../workflows/types';
import type { ChaosDownload } from './chaos-mix';

export interface StoreFindings {
  /** `<download>: <what differs>` for each file that is missing or differs from the truth. */
  wrongFiles: string[];
  /** Temp objects and ZIP segments (dot-names) left in the store. */
  strayTemps: string[];
  /** Other objects no manifest lists (stale pages, files of no download). */
  extraObjects: string[];
}

/** Checks the finished downloads (`summaries[i]` of `list[i]`, undefined when it did not complete) against the truth. */
export async function checkStore(store: Store, admin: SandboxAdmin, list: ChaosDownload[], summaries: Array<DownloadSummary | undefined>): Promise<StoreFindings> {
  const wrongFiles: string[] = [];
  const listed = new Set<string>();
  for (const [i, d] of list.entries()) {
    const summary = summaries[i];
    if (!summary) continue;
    const who = `#${i} ${d.kind} ${d.gstin}`;
    const truths = await Promise.all(d.truthParams.map((p) => admin.truth(d.kind, p)));
    const want = truths.flatMap((t) => t.files);
    const manifest = await store.readManifestRef(summary.manifest);
    listed.add(summary.manifest);
    if (manifest?.generation) listed.add(manifest.generation.manifest);
    const got = manifest?.files ?? [];
    const names = (files: Array<{ name: string }>) => files.map((f) => f.name).sort().join(',');
    if (names(got) !== names(want)) wrongFiles.push(`${who}: files [${names(got)}], truth [${names(want)}]`);
    for (const t of want) {
      const f = got.find((x) => x.name === t.name);
      if (!f) continue;
      listed.add(f.ref);
      const body = await store.read(f.ref).catch(() => undefined);
      const sha256 = body && createHash('sha256').update(body).digest('hex');
      if (!body || body.length !== t.bytes || sha256 !== t.sha256) wrongFiles.push(`${who}: ${t.name} ${body ? `${body.length} bytes` : 'unreadable'}, truth ${t.bytes} bytes`);
    }
    const records = truths.reduce((n, t) => n + t.records, 0);
    if (summary.records !== records) wrongFiles.push(`${who}: ${summary.records} records, truth ${records}`);
  }
  const objects = await store.list('');
  const strayTemps = objects.filter((o) => isTempName(o.ref.split('/').at(-1)!)).map((o) => o.ref);
  const extraObjects = objects.filter((o) => !listed.has(o.ref) && !o.ref.startsWith('_catalogue/') && !isTempName(o.ref.split('/').at(-1)!)).map((o) => o.ref);
  return { wrongFiles, strayTemps, extraObjects };
}
