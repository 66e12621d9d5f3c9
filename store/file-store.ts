import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Hasher, bodyStream, checkKnown } from './hashing';
import {
  ObjectNotFound,
  TEMP_PREFIX,
  checkSegment,
  locationRefOf,
  ManifestsOnObjects,
  refParts,
  type Body,
  type DownloadLocation,
  type ListedObject,
  type ObjectStat,
  type Store,
  type StoredFile,
} from './store';

/** Files stat-ed at once by `list`. */
const LIST_STATS = 64;

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'ENOENT';

/**
 * The file-system store under a root folder (DATA_DIR). Every put streams into a temp file (`.tmp-<name>.<random>`)
 * in the target folder and is renamed into place, so a reader never sees half a file; a writer killed mid-way
 * leaves only that temp file, which `list` shows and housekeeping removes.
 */
export class FileStore extends ManifestsOnObjects implements Store {
  readonly root: string;

  constructor(root: string) {
    super();
    this.root = path.resolve(root);
  }

  locationRef(loc: DownloadLocation): string {
    return locationRefOf(loc);
  }

  refOf(loc: DownloadLocation, name: string): string {
    return `${this.locationRef(loc)}/${checkSegment(name, 'file name')}`;
  }

  /** Where a reference lives on this machine (file store only: tests and tools, never activities). */
  localPath(ref: string): string {
    return path.join(this.root, ...refParts(ref));
  }

  async put(loc: DownloadLocation, name: string, body: Body, records: number, known?: { sha256?: string }): Promise<StoredFile> {
    const ref = this.refOf(loc, name);
    const s = await this.putAt(ref, body, known);
    return { name, ref, ...s, records };
  }

  async putRef(ref: string, body: Body): Promise<ObjectStat> {
    return this.putAt(ref, body);
  }

  private async putAt(ref: string, body: Body, known?: { sha256?: string }): Promise<ObjectStat> {
    const target = this.localPath(ref);
    const name = path.basename(target);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = path.join(path.dirname(target), `${TEMP_PREFIX}${name}.${randomBytes(6).toString('hex')}`);
    const hasher = new Hasher();
    try {
      await pipeline(bodyStream(body), hasher, createWriteStream(tmp));
      checkKnown(name, known, hasher.sha256());
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return { bytes: hasher.bytes, sha256: hasher.sha256() };
  }

  async get(ref: string): Promise<Readable> {
    const file = this.localPath(ref);
    const s = await stat(file).catch((e: unknown) => {
      throw isMissing(e) ? new ObjectNotFound(ref) : e;
    });
    if (!s.isFile()) throw new ObjectNotFound(ref);
    return createReadStream(file);
  }

  async read(ref: string): Promise<Buffer> {
    return readFile(this.localPath(ref)).catch((e: unknown) => {
      throw isMissing(e) || (e as NodeJS.ErrnoException)?.code === 'EISDIR' ? new ObjectNotFound(ref) : e;
    });
  }

  async stat(ref: string): Promise<ObjectStat | undefined> {
    let stream: Readable;
    try {
      stream = await this.get(ref);
    } catch (e) {
      if (e instanceof ObjectNotFound) return undefined;
      throw e;
    }
    const hasher = new Hasher();
    await pipeline(stream, hasher, async (src: AsyncIterable<Buffer>) => {
      for await (const _ of src); // eslint-disable-line @typescript-eslint/no-unused-vars
    });
    return { bytes: hasher.bytes, sha256: hasher.sha256() };
  }

  async list(prefix: string): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    const cut = prefix.lastIndexOf('/');
    const base = cut < 0 ? '' : prefix.slice(0, cut);
    const walk = async (rel: string): Promise<void> => {
      const dir = rel ? path.join(this.root, ...refParts(rel)) : this.root;
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (isMissing(e) || (e as NodeJS.ErrnoException)?.code === 'ENOTDIR') return;
        throw e;
      }
      const files: Array<{ ref: string; name: string }> = [];
      for (const entry of entries) {
        const ref = rel ? `${rel}/${entry.name}` : entry.name;
        if (!ref.startsWith(prefix) && !prefix.startsWith(`${ref}/`)) continue;
        if (entry.isDirectory()) await walk(ref);
        else if (entry.isFile() && ref.startsWith(prefix)) files.push({ ref, name: entry.name });
      }
      // sizes LIST_STATS at a time: a download folder holds thousands of pages
      for (let i = 0; i < files.length; i += LIST_STATS) {
        const sizes = await Promise.all(files.slice(i, i + LIST_STATS).map((f) => stat(path.join(dir, f.name)).then((s) => s.size, () => undefined)));
        sizes.forEach((bytes, k) => {
          if (bytes !== undefined) out.push({ ref: files[i + k]!.ref, bytes });
        });
      }
    };
    await walk(base);
    return out.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  }

  async delete(ref: string): Promise<void> {
    await rm(this.localPath(ref), { force: true });
  }
}
