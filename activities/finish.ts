/**
 * Finishing a download: its manifest (the record: files, records, per-section counts, outcome, GSTR-2B
 * generations) and its catalogue entry. A GSTR-2B generation gets its own manifest in its folder; the
 * download's manifest says which generation is current and lists every one kept. The manifest is built from what
 * the page / IRN activities returned (digests, patch 'finish-from-page-results'); a page without one is read back.
 * Then the data folder is swept: what its manifest does not list goes (see ./housekeeping.ts for what is spared).
 */
import { log } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { MAX_SUMMARY_FILES } from '../domain/config';
import type { Gstr2bGeneration } from '../domain/download';
import { Catalogue } from '../store/catalogue';
import { ObjectNotFound, type DownloadLocation, type Manifest, type Store, type StoredFile } from '../store/store';
import { corrupt } from './errors';
import { sweepLocation } from './housekeeping';
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
  /**
   * What the page (or IRN) activities returned, by position; the manifest is built from these. A page without
   * one (null: fetched by a run from before the workflow kept them) is read back from the store instead.
   */
  digests?: Array<PageDigest | null>;
}

/** What a page activity returned, compactly (name and reference follow from the page): bytes, sha256, records, sections. */
export type PageDigest = [bytes: number, sha256: string, records: number, sections?: SectionCounts];

/** A stored page with its per-section counts (IMS pages). */
export type PageFile = StoredFile & { sections?: SectionCounts };

/**
 * What a range activity stored, beside its items: the digest of each item it fetched, by name (an item done by an
 * earlier attempt has none, and is read back at finish). A temp (dot) name, so the finish's sweep removes it.
 */
export type RangeDigests = Record<string, PageDigest>;

export const RANGE_DIGESTS_PREFIX = '.digests-';

/** One object per range, named after its first and last item. */
export function rangeDigestsName(first: string, last: string): string {
  return `${RANGE_DIGESTS_PREFIX}${createHash('sha256').update(`${first}\n${last}`).digest('hex').slice(0, 16)}.json`;
}

/** The digests the range activities left in a folder, by item name. */
async function digestsFromRanges(store: Store, loc: DownloadLocation): Promise<Map<string, PageDigest>> {
  const out = new Map<string, PageDigest>();
  for (const o of await store.list(store.refOf(loc, RANGE_DIGESTS_PREFIX))) {
    try {
      for (const [name, d] of Object.entries(JSON.parse((await store.read(o.ref)).toString('utf8')) as RangeDigests)) out.set(name, d);
    } catch (e) {
      if (!(e instanceof ObjectNotFound || e instanceof SyntaxError)) throw e; // gone or unreadable: read back instead
    }
  }
  return out;
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

/** The catalogue kept with this store (every backend can hold one). */
export function catalogueOf(store: Store): Catalogue {
  return new Catalogue(store);
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
  const body = await store.read(ref).catch((e: unknown) => {
    if (!(e instanceof ObjectNotFound)) throw e;
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
        // from the workflow (pages fetched one per activity) or from what the range activities stored
        const fromRanges = input.digests ? undefined : await digestsFromRanges(store, dataLoc);
        for (const [i, name] of names.entries()) {
          const d = input.digests ? input.digests[i] : fromRanges!.get(name);
          if (d) {
            files.push({ name, ref: store.refOf(dataLoc, name), bytes: d[0], sha256: d[1], records: d[2] });
            if (kind === 'ims') addCounts(sections, d[3] ?? {});
            continue;
          }
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
      const removed = await sweepLocation(store, dataLoc, files);
      const stale = removed.filter((n) => !n.startsWith(RANGE_DIGESTS_PREFIX));
      if (stale.length) log.info('removed objects the manifest does not list', { location: manifest.location, removed: stale });
      await catalogueOf(store).recordManifest(manifest, file.ref);
      return summaryOf(manifest, file);
    },
  };
}
