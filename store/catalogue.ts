/**
 * The catalogue: what was downloaded, kept with the store, long after Temporal has forgotten the workflow.
 *
 * The manifests are the record; the catalogue is an index over them: one small JSON entry per download under
 * `_catalogue/<gstin>/<download id>.json` (the download id is the deterministic workflow id, derived from the
 * inputs), written after the download's manifest. It answers "what do we have for this GSTIN / period / kind,
 * when, with which outcome, how many records, which 2B generation", and it can always be rebuilt from the
 * manifests (`rebuild`). Built on three store operations (read, write, list by prefix) so any backend that has
 * them can hold it. No Temporal here.
 */
import { isDownloadOutcome, type DownloadOutcome } from '../domain/outcomes';
import { MANIFEST_NAME, ObjectNotFound, isTempName, type DownloadKind, type Manifest, type Store } from './store';

/** The store operations the catalogue needs (any Store backend: the file system, S3). */
export type CatalogueBackend = Pick<Store, 'read' | 'putRef' | 'list'>;

export const CATALOGUE_PREFIX = '_catalogue';
/** Entries read at once by `list`. */
const LIST_READS = 16;
export { MANIFEST_NAME };

export interface CatalogueEntry {
  /** The download id: the deterministic workflow id of these inputs. */
  id: string;
  kind: DownloadKind;
  gstin: string;
  /** Return period MMYYYY (e-invoice, GSTR-2B). */
  period?: string;
  inputs: Record<string, unknown>;
  outcome: DownloadOutcome;
  /** GSTN's code when the outcome is its answer (RET2B1016, GTR2B-001, …). */
  gstnCode?: string;
  records: number;
  /** Records per section (`docdata.b2b`, `b2bcn`, …) where known. */
  sections?: Record<string, number>;
  files: number;
  bytes: number;
  location: string;
  manifest: string;
  fetchedAt: string;
  /** GSTR-2B: the current generation's gendt and id, and how many generations the store keeps. */
  gendt?: string;
  generation?: string;
  generations?: number;
  workflowId?: string;
  runId?: string;
}

export interface CatalogueFilter {
  gstin?: string;
  kind?: DownloadKind;
  period?: string;
  outcome?: DownloadOutcome;
}

const SAFE = /^[A-Za-z0-9._-]+$/;

function entryRef(gstin: string, id: string): string {
  if (!SAFE.test(gstin) || !SAFE.test(id)) throw new Error(`catalogue: unsafe gstin or id "${gstin}" / "${id}"`);
  return `${CATALOGUE_PREFIX}/${gstin}/${id}.json`;
}

/** The catalogue entry a manifest stands for (undefined for a manifest without a download id). */
export function entryFromManifest(m: Manifest, manifestRef: string): CatalogueEntry | undefined {
  const p = (m.provenance ?? {}) as Record<string, unknown>;
  const id = typeof m.downloadId === 'string' ? m.downloadId : typeof p.workflowId === 'string' ? p.workflowId : undefined;
  const gstin = typeof m.inputs?.gstin === 'string' ? m.inputs.gstin : undefined;
  if (!id || !gstin) return undefined;
  const period = typeof m.inputs.retPeriod === 'string' ? m.inputs.retPeriod : undefined;
  const e: CatalogueEntry = {
    id,
    kind: m.kind,
    gstin,
    inputs: m.inputs,
    outcome: isDownloadOutcome(m.outcome) ? m.outcome : 'data',
    records: m.records,
    files: m.files.length,
    bytes: m.files.reduce((n, f) => n + f.bytes, 0),
    location: m.location,
    manifest: manifestRef,
    fetchedAt: m.fetchedAt,
  };
  if (period) e.period = period;
  if (m.gstnCode) e.gstnCode = m.gstnCode;
  if (m.sections) e.sections = m.sections;
  if (m.generation) {
    e.gendt = m.generation.gendt;
    e.generation = m.generation.id;
    e.generations = m.generations?.length ?? 1;
  } else if (typeof p.gendt === 'string') e.gendt = p.gendt;
  if (typeof p.workflowId === 'string') e.workflowId = p.workflowId;
  if (typeof p.runId === 'string') e.runId = p.runId;
  return e;
}

function matches(e: CatalogueEntry, f: CatalogueFilter): boolean {
  return (!f.kind || e.kind === f.kind) && (!f.period || e.period === f.period) && (!f.outcome || e.outcome === f.outcome);
}

export class Catalogue {
  constructor(private readonly backend: CatalogueBackend) {}

  /** The bytes at `ref`, or undefined when nothing is stored there. */
  private async bytes(ref: string): Promise<Buffer | undefined> {
    return this.backend.read(ref).catch((e: unknown) => {
      if (e instanceof ObjectNotFound) return undefined;
      throw e;
    });
  }

  /** Stored refs under `prefix` (temp objects left out). */
  private async refs(prefix: string): Promise<string[]> {
    const found = await this.backend.list(prefix);
    return found.map((o) => o.ref).filter((r) => !isTempName(r.slice(r.lastIndexOf('/') + 1))).sort();
  }

  /** Records (or replaces) a download's entry. */
  async record(e: CatalogueEntry): Promise<void> {
    await this.backend.putRef(entryRef(e.gstin, e.id), Buffer.from(`${JSON.stringify(e, null, 2)}\n`, 'utf8'));
  }

  /** Records the entry a manifest stands for; returns it (undefined when the manifest has no download id). */
  async recordManifest(m: Manifest, manifestRef: string): Promise<CatalogueEntry | undefined> {
    const e = entryFromManifest(m, manifestRef);
    if (e) await this.record(e);
    return e;
  }

  async get(gstin: string, id: string): Promise<CatalogueEntry | undefined> {
    const buf = await this.bytes(entryRef(gstin, id));
    return buf ? (JSON.parse(buf.toString('utf8')) as CatalogueEntry) : undefined;
  }

  /** Entries, newest first, filtered by GSTIN / kind / period / outcome. */
  async list(filter: CatalogueFilter = {}): Promise<CatalogueEntry[]> {
    const prefix = filter.gstin ? `${CATALOGUE_PREFIX}/${filter.gstin}/` : `${CATALOGUE_PREFIX}/`;
    const out: CatalogueEntry[] = [];
    const refs = (await this.refs(prefix)).filter((r) => r.endsWith('.json'));
    // entries are small objects: read LIST_READS at a time (on S3 each read is a request)
    for (let i = 0; i < refs.length; i += LIST_READS) {
      const bufs = await Promise.all(refs.slice(i, i + LIST_READS).map((ref) => this.bytes(ref)));
      for (const buf of bufs) {
        if (!buf) continue;
        const e = JSON.parse(buf.toString('utf8')) as CatalogueEntry;
        if (matches(e, filter)) out.push(e);
      }
    }
    return out.sort((a, b) => b.fetchedAt.localeCompare(a.fetchedAt) || a.id.localeCompare(b.id));
  }

  /**
   * Rebuilds the index from the manifests (the record): every `manifest.json` outside the catalogue that names a
   * download. Where several manifests name one download (GSTR-2B generations), the download's own manifest wins
   * over a generation's. Returns the entries written.
   */
  async rebuild(): Promise<CatalogueEntry[]> {
    const best = new Map<string, CatalogueEntry>();
    for (const ref of await this.refs('')) {
      if (ref.startsWith(`${CATALOGUE_PREFIX}/`) || !(ref === MANIFEST_NAME || ref.endsWith(`/${MANIFEST_NAME}`))) continue;
      const buf = await this.bytes(ref);
      if (!buf) continue;
      const e = entryFromManifest(JSON.parse(buf.toString('utf8')) as Manifest, ref);
      if (!e) continue;
      const seen = best.get(e.id);
      if (!seen || ref.split('/').length < seen.manifest.split('/').length) best.set(e.id, e);
    }
    for (const e of best.values()) await this.record(e);
    return [...best.values()];
  }
}
