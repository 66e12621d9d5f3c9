/**
 * What a download produces, as every layer names it: where it lands (a location), the files it stored and the
 * manifest that lists them. Plain types; the store (store/) implements them, workflows pass them around.
 */
import type { DownloadKind } from './gst';
import type { DownloadOutcome } from './outcomes';

export type { DownloadKind };

/** Identifies one download's folder: `<gstin>/<period or date>/<kind>[/<section>]`. */
export interface DownloadLocation {
  gstin: string;
  /** Return period MMYYYY, or the download date YYYY-MM-DD for kinds without a period (IMS, IRN). */
  period: string;
  kind: DownloadKind;
  /** IMS section (+ status), e-invoice supply type (+ counterparty), … */
  section?: string;
}

/** A file in the store; small enough to travel through workflow history. */
export interface StoredFile {
  name: string;
  /** Opaque reference, resolvable by the same store. */
  ref: string;
  bytes: number;
  sha256: string;
  records: number;
}

/** One GSTR-2B generation: GSTN regenerates a period's 2B (e.g. after IMS actions) with a new gendt. */
export interface Gstr2bGeneration {
  /** `g<YYYYMMDD of gendt>-<first 12 of the checksum>`: the folder its files are in. */
  id: string;
  gendt: string;
  chksum: string;
  fetchedAt: string;
  records: number;
  /** The generation's own manifest. */
  manifest: string;
}

export interface Manifest {
  kind: DownloadKind;
  location: string;
  inputs: Record<string, unknown>;
  taskId?: string;
  route: string;
  fetchedAt: string;
  files: StoredFile[];
  records: number;
  pages?: number;
  /** Anything kind-specific (GSTR-2B `gendt`, file count, workflow id, …). */
  provenance?: Record<string, unknown>;
  /** The download id (the deterministic workflow id of these inputs): the catalogue's key. */
  downloadId?: string;
  /** How the download ended; absent in manifests written before outcomes existed (= data). */
  outcome?: DownloadOutcome;
  /** GSTN's code when the outcome is its answer. */
  gstnCode?: string;
  /** Records per section. */
  sections?: Record<string, number>;
  /** GSTR-2B: the current generation, and every generation kept (oldest first). */
  generation?: Gstr2bGeneration;
  generations?: Gstr2bGeneration[];
}

export function location(kind: DownloadKind, gstin: string, period: string, section?: string): DownloadLocation {
  return section ? { kind, gstin, period, section } : { kind, gstin, period };
}
