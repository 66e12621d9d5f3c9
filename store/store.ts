/**
 * Where downloads land. An interface so another backend (S3, a database) can follow; the file-system one is
 * in ./file-store.ts. No Temporal here: activities call the store and pass references through workflows.
 */

import type { DownloadLocation, Manifest, StoredFile } from '../domain/download';

export type { DownloadKind, DownloadLocation, Gstr2bGeneration, Manifest, StoredFile } from '../domain/download';

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
