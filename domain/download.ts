/**
 * What a download produces, as every layer names it: where it lands (a location), the files it stored and the
 * manifest that lists them. Plain types; the store (store/) implements them, workflows pass them around.
 */
import type { DownloadKind } from './gst';

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
}

export function location(kind: DownloadKind, gstin: string, period: string, section?: string): DownloadLocation {
  return section ? { kind, gstin, period, section } : { kind, gstin, period };
}
