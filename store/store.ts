/**
 * Where downloads land. An interface so another backend (S3, a database) can follow; the file-system one is
 * in ./file-store.ts. No Temporal here: activities call the store and pass references through workflows.
 */

export type DownloadKind = 'einvoice' | 'ims' | 'gstr2b' | 'irn';

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

export interface Store {
  /** The reference of a download's folder. */
  locationRef(loc: DownloadLocation): string;
  /** Writes `data` as `name` atomically; writing the same bytes again changes nothing. */
  writeFile(loc: DownloadLocation, name: string, data: Buffer | string, records: number): Promise<StoredFile>;
  /** A path on local disk where a large file can be streamed before `adoptFile` moves it in. */
  tempPath(loc: DownloadLocation, name: string): Promise<string>;
  /** Moves a finished temp file in atomically (hashing it as a stream), and returns its reference. */
  adoptFile(loc: DownloadLocation, name: string, tempPath: string, records: number): Promise<StoredFile>;
  /** A stored file's metadata if it exists (bytes, sha256), else undefined. */
  stat(loc: DownloadLocation, name: string): Promise<{ bytes: number; sha256: string } | undefined>;
  /** Local path of a stored file (for streaming readers such as the ZIP reader). */
  localPath(ref: string): string;
  read(ref: string): Promise<Buffer>;
  writeManifest(loc: DownloadLocation, manifest: Manifest): Promise<StoredFile>;
  readManifest(loc: DownloadLocation): Promise<Manifest | undefined>;
}
