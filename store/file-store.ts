import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { CatalogueBackend } from './catalogue';
import type { DownloadLocation, Manifest, Store, StoredFile } from './store';

const MANIFEST = 'manifest.json';
const SAFE = /^[A-Za-z0-9._-]+$/;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

function checkSegment(s: string, what: string): string {
  if (!SAFE.test(s) || s === '.' || s === '..') throw new Error(`store: unsafe ${what} "${s}"`);
  return s;
}

/**
 * The file-system store under DATA_DIR. Every write goes to a temp file in the same folder and is renamed
 * into place, so a reader never sees half a file and a crash leaves no partial file under the real name.
 */
export class FileStore implements Store, CatalogueBackend {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  locationRef(loc: DownloadLocation): string {
    const parts = [loc.gstin, loc.period, loc.kind, ...(loc.section ? [loc.section] : [])];
    return parts.map((p) => checkSegment(p, 'folder')).join('/');
  }

  private dir(loc: DownloadLocation): string {
    return path.join(this.root, ...this.locationRef(loc).split('/'));
  }

  private ref(loc: DownloadLocation, name: string): string {
    return `${this.locationRef(loc)}/${checkSegment(name, 'file name')}`;
  }

  localPath(ref: string): string {
    const parts = ref.split('/').map((p) => checkSegment(p, 'reference part'));
    return path.join(this.root, ...parts);
  }

  async read(ref: string): Promise<Buffer> {
    return readFile(this.localPath(ref));
  }

  async stat(loc: DownloadLocation, name: string): Promise<{ bytes: number; sha256: string } | undefined> {
    const file = path.join(this.dir(loc), checkSegment(name, 'file name'));
    try {
      await stat(file);
    } catch {
      return undefined;
    }
    return sha256File(file);
  }

  async tempPath(loc: DownloadLocation, name: string): Promise<string> {
    const dir = this.dir(loc);
    await mkdir(dir, { recursive: true });
    return path.join(dir, `.${checkSegment(name, 'file name')}.${randomBytes(6).toString('hex')}.tmp`);
  }

  async writeFile(loc: DownloadLocation, name: string, data: Buffer | string, records: number): Promise<StoredFile> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const digest = sha256(buf);
    const target = path.join(this.dir(loc), checkSegment(name, 'file name'));
    const existing = await this.stat(loc, name);
    if (!existing || existing.sha256 !== digest) {
      const tmp = await this.tempPath(loc, name);
      try {
        await writeFile(tmp, buf);
        await rename(tmp, target);
      } finally {
        await rm(tmp, { force: true });
      }
    }
    return { name, ref: this.ref(loc, name), bytes: buf.length, sha256: digest, records };
  }

  async adoptFile(loc: DownloadLocation, name: string, tempPath: string, records: number): Promise<StoredFile> {
    const { sha256: digest, bytes } = await sha256File(tempPath);
    const target = path.join(this.dir(loc), checkSegment(name, 'file name'));
    await rename(tempPath, target);
    return { name, ref: this.ref(loc, name), bytes, sha256: digest, records };
  }

  async get(ref: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.localPath(ref));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async put(ref: string, data: Buffer): Promise<void> {
    const file = this.localPath(ref);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, data);
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async list(prefix: string): Promise<string[]> {
    // the folder part of the prefix bounds the walk; the rest filters names
    const slash = prefix.lastIndexOf('/');
    const dirRef = slash < 0 ? '' : prefix.slice(0, slash);
    const dir = dirRef ? this.localPath(dirRef) : this.root;
    let names: string[];
    try {
      names = (await readdir(dir, { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile() && !d.name.startsWith('.'))
        .map((d) => path.relative(this.root, path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name)).split(path.sep).join('/'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return names.filter((r) => r.startsWith(prefix)).sort();
  }

  async writeManifest(loc: DownloadLocation, manifest: Manifest): Promise<StoredFile> {
    return this.writeFile(loc, MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`, 0);
  }

  async readManifest(loc: DownloadLocation): Promise<Manifest | undefined> {
    try {
      return JSON.parse((await this.read(this.ref(loc, MANIFEST))).toString('utf8')) as Manifest;
    } catch {
      return undefined;
    }
  }
}

export function storeFromEnv(env: NodeJS.ProcessEnv = process.env): FileStore {
  return new FileStore(env.DATA_DIR ?? './data');
}
