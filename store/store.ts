/**
 * Where downloads land. No local paths here, so workers on many hosts can share one store: bodies go in and come
 * out as streams. Backends: the file system (./file-store.ts) and S3-compatible object storage (./s3-store.ts),
 * chosen by STORE_URL (./from-env.ts). No Temporal here: activities call the store and pass references through
 * workflows.
 */
import type { Readable } from 'node:stream';
import type { DownloadLocation, Manifest, StoredFile } from '../domain/download';

export type { DownloadKind, DownloadLocation, Gstr2bGeneration, Manifest, StoredFile } from '../domain/download';

export interface ObjectStat {
  bytes: number;
  sha256: string;
}

/** One object found by `list`. */
export interface ListedObject {
  ref: string;
  bytes: number;
}

export type Body = Readable | Buffer | string;

export const MANIFEST_NAME = 'manifest.json';

/** Names of in-flight uploads start with this; `list` shows them (so housekeeping can remove leftovers). */
export const TEMP_PREFIX = '.tmp-';

/**
 * True for a name (last reference part) that is not a download's file: an in-flight upload (TEMP_PREFIX) or other
 * working state such as a ZIP transfer's segments. Such names start with a dot; no download file does.
 */
export function isTempName(name: string): boolean {
  return name.startsWith('.');
}

export class ObjectNotFound extends Error {
  constructor(readonly ref: string) {
    super(`store: no object ${ref}`);
    this.name = 'ObjectNotFound';
  }
}

/**
 * A store backend's failure, classified so activities need not know the backend: `unavailable` (the service or
 * the network failed; try again later) or `denied` (credentials, permissions, a missing bucket: a person must act).
 */
export class StoreError extends Error {
  constructor(
    readonly kind: 'unavailable' | 'denied',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

export function isStoreError(e: unknown): e is StoreError {
  return e instanceof StoreError;
}

export interface Store {
  /** The reference of a download's folder. */
  locationRef(loc: DownloadLocation): string;
  /** The reference of `name` in a download's folder (checks both are safe). */
  refOf(loc: DownloadLocation, name: string): string;
  /**
   * Streams `body` in as `name`. Atomic: readers see the old object or the whole new one, never a part; a writer
   * killed mid-way leaves at most a temp object (named with TEMP_PREFIX) that `list` shows. `sha256`, when the
   * caller knows it, lets a backend skip a copy; the body is still hashed and a mismatch fails the put.
   */
  put(loc: DownloadLocation, name: string, body: Body, records: number, known?: { sha256?: string }): Promise<StoredFile>;
  /** Streams `body` in at a reference outside any download folder (e.g. the catalogue's entries); atomic like put. */
  putRef(ref: string, body: Body): Promise<ObjectStat>;
  /** A stored object as a stream; rejects with ObjectNotFound. */
  get(ref: string): Promise<Readable>;
  /** A (small) stored object in memory; rejects with ObjectNotFound. */
  read(ref: string): Promise<Buffer>;
  /** Size and sha256 of a stored object, or undefined. */
  stat(ref: string): Promise<ObjectStat | undefined>;
  /** Every object whose reference starts with `prefix` (e.g. `locationRef(loc) + '/'`), temp objects included. */
  list(prefix: string): Promise<ListedObject[]>;
  /** Removes an object; removing a missing one is not an error. */
  delete(ref: string): Promise<void>;
  /** Writes manifest.json (callers write it last: a folder with a manifest is complete). */
  writeManifest(loc: DownloadLocation, manifest: Manifest): Promise<StoredFile>;
  readManifest(loc: DownloadLocation): Promise<Manifest | undefined>;
  /** A manifest by its reference (as `list` finds them), or undefined. */
  readManifestRef(ref: string): Promise<Manifest | undefined>;
}

/** Characters allowed in every reference part; no part may be `.` or `..`. */
const SAFE = /^[A-Za-z0-9._-]+$/;

export function checkSegment(s: string, what: string): string {
  if (!SAFE.test(s) || s === '.' || s === '..') throw new Error(`store: unsafe ${what} "${s}"`);
  return s;
}

export function locationRefOf(loc: DownloadLocation): string {
  const parts = [loc.gstin, loc.period, loc.kind, ...(loc.section ? [loc.section] : [])];
  return parts.map((p) => checkSegment(p, 'folder')).join('/');
}

/** The parts of a reference, each checked (a reference from outside never escapes the store). */
export function refParts(ref: string): string[] {
  return ref.split('/').map((p) => checkSegment(p, 'reference part'));
}

/**
 * What every backend builds on put/read the same way: the manifest's file (pretty JSON, written last) and reading
 * one back (undefined when absent or unreadable). Backends extend this and implement the rest of Store.
 */
export abstract class ManifestsOnObjects {
  abstract refOf(loc: DownloadLocation, name: string): string;
  abstract put(loc: DownloadLocation, name: string, body: Body, records: number, known?: { sha256?: string }): Promise<StoredFile>;
  abstract read(ref: string): Promise<Buffer>;

  async writeManifest(loc: DownloadLocation, manifest: Manifest): Promise<StoredFile> {
    return this.put(loc, MANIFEST_NAME, manifestBody(manifest), 0);
  }

  async readManifest(loc: DownloadLocation): Promise<Manifest | undefined> {
    return this.readManifestRef(this.refOf(loc, MANIFEST_NAME));
  }

  async readManifestRef(ref: string): Promise<Manifest | undefined> {
    try {
      return parseManifest(await this.read(ref));
    } catch (e) {
      if (e instanceof ObjectNotFound) return undefined;
      throw e;
    }
  }
}

export function manifestBody(manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}

export function parseManifest(body: Buffer): Manifest | undefined {
  try {
    return JSON.parse(body.toString('utf8')) as Manifest;
  } catch {
    return undefined;
  }
}
