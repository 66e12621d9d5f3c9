/**
 * Finishing a download: its manifest (the record: files, records, per-section counts, outcome, GSTR-2B
 * generations) and its catalogue entry. A GSTR-2B generation gets its own manifest in its folder; the
 * download's manifest says which generation is current and lists every one kept.
 */
import { createHash } from 'node:crypto';
import { MAX_SUMMARY_FILES } from '../domain/config';
import type { Gstr2bGeneration } from '../domain/download';
import { Catalogue, type CatalogueBackend } from '../store/catalogue';
import type { DownloadLocation, Manifest, Store, StoredFile } from '../store/store';
import { corrupt } from './errors';
import { addCounts, gstr2bSections, imsPageSections, type SectionCounts } from './records';

export interface FinishInput {
  loc: DownloadLocation;
  manifest: Omit<Manifest, 'location' | 'files' | 'records'>;
  /** Files known to the workflow; for paged downloads the pages are read back from the store instead. */
  files: StoredFile[];
  /** Paged downloads: pages 1..N named page-N.json are listed from the store. */
  pages?: number;
  /** IRN downloads: irn-<irn>.json for each IRN is listed from the store. */
  irns?: string[];
  /** GSTR-2B: the generation these files are, and its folder. */
  generation?: { loc: DownloadLocation; id: string; gendt: string; chksum: string };
}

export interface FinishResult {
  manifest: StoredFile;
  location: string;
  files: StoredFile[];
  filesTruncated: boolean;
  records: number;
  bytes: number;
  sections?: SectionCounts;
  generation?: Gstr2bGeneration;
  generations?: number;
}

export function pageName(n: number): string {
  return `page-${n}.json`;
}

export function irnName(irn: string): string {
  return `irn-${irn}.json`;
}

function isCatalogueBackend(s: unknown): s is CatalogueBackend {
  const b = s as Partial<CatalogueBackend>;
  return typeof b.get === 'function' && typeof b.put === 'function' && typeof b.list === 'function';
}

/** The catalogue kept with this store, if the store can hold one. */
export function catalogueOf(store: Store): Catalogue | undefined {
  return isCatalogueBackend(store) ? new Catalogue(store) : undefined;
}

/** Per-section records of a stored JSON payload (GSTR-2B answers and IMS pages; others have none). */
export function sectionsOf(kind: string, body: Buffer): SectionCounts | undefined {
  if (kind !== 'gstr2b' && kind !== 'ims') return undefined;
  const parsed = JSON.parse(body.toString('utf8')) as { data?: Record<string, unknown> };
  if (kind === 'ims') return imsPageSections(parsed.data ?? {});
  const inner = (parsed.data?.data ?? {}) as Record<string, unknown>;
  return gstr2bSections(inner);
}

async function readBack(store: Store, ref: string, name: string, records: (body: Buffer) => number) {
  const body = await store.read(ref).catch(() => {
    throw corrupt(`${name} is missing from ${ref.slice(0, ref.lastIndexOf('/'))}`);
  });
  const file: StoredFile = { name, ref, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), records: records(body) };
  return { file, body };
}

function summaryOf(m: Manifest, ref: StoredFile): FinishResult {
  const out: FinishResult = {
    manifest: ref,
    location: m.location,
    files: m.files.slice(0, MAX_SUMMARY_FILES),
    filesTruncated: m.files.length > MAX_SUMMARY_FILES,
    records: m.records,
    bytes: m.files.reduce((n, f) => n + f.bytes, 0),
  };
  if (m.sections) out.sections = m.sections;
  if (m.generation) {
    out.generation = m.generation;
    out.generations = m.generations?.length ?? 1;
  }
  return out;
}

/** The summary of a manifest already in the store (a GSTR-2B re-download that found the same generation). */
export function storedSummary(m: Manifest, manifestRef: string, bytes: number): FinishResult {
  return summaryOf(m, { name: 'manifest.json', ref: manifestRef, bytes, sha256: '', records: 0 });
}

export function finishActivities(store: Store) {
  return {
    /** Writes manifest.json (and the catalogue entry) and returns the summary's file list. */
    async finishDownload(input: FinishInput): Promise<FinishResult> {
      const kind = input.manifest.kind;
      const sections: SectionCounts = {};
      const names: string[] = [];
      const dataLoc = input.generation?.loc ?? input.loc;
      if (input.pages !== undefined) for (let p = 1; p <= input.pages; p++) names.push(pageName(p));
      else if (input.irns) for (const irn of input.irns) names.push(irnName(irn));
      let files = input.files;
      if (names.length || input.pages !== undefined || input.irns) {
        files = [];
        for (const name of names) {
          const { file, body } = await readBack(store, `${store.locationRef(dataLoc)}/${name}`, name, (b) =>
            kind === 'irn' ? 1 : Object.values(sectionsOf('ims', b) ?? {}).reduce((n, v) => n + v, 0),
          );
          files.push(file);
          addCounts(sections, sectionsOf(kind, body));
        }
      } else if (kind === 'gstr2b') {
        for (const f of files) addCounts(sections, sectionsOf(kind, await store.read(f.ref)));
      }
      const records = files.reduce((n, f) => n + f.records, 0);
      const manifest: Manifest = { ...input.manifest, location: store.locationRef(dataLoc), files, records };
      if (Object.keys(sections).length) manifest.sections = sections;

      if (input.generation) {
        const g = input.generation;
        const genRef = await store.writeManifest(g.loc, manifest);
        const prior = await store.readManifest(input.loc);
        const generation: Gstr2bGeneration = { id: g.id, gendt: g.gendt, chksum: g.chksum, fetchedAt: manifest.fetchedAt, records, manifest: genRef.ref };
        manifest.generation = generation;
        manifest.generations = [...(prior?.generations ?? []).filter((x) => x.id !== g.id), generation];
      }
      const file = await store.writeManifest(input.loc, manifest);
      await catalogueOf(store)?.recordManifest(manifest, file.ref);
      return summaryOf(manifest, file);
    },
  };
}
