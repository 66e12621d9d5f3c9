/**
 * ZIPs written with yazl to a temp file (big downloads never sit in memory), cached per content key.
 * The entries carry a fixed DOS timestamp, so the same content gives the same bytes on every run and machine.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { TruthFile } from './types';

export interface ZipEntry {
  name: string;
  records: number;
  /** Produces the entry's bytes; called once, when yazl reaches the entry. */
  chunks: () => Iterable<Buffer>;
}

export interface BuiltZip {
  file: string;
  size: number;
  sha256: string;
  entries: TruthFile[];
}

/** Local-time midnight so the DOS fields read 2020-01-01 00:00 in every time zone. */
const FIXED_MTIME = new Date(2020, 0, 1, 0, 0, 0);

export class ZipCache {
  private readonly dir = mkdtempSync(join(tmpdir(), 'eas-sandbox-'));
  private readonly built = new Map<string, Promise<BuiltZip>>();
  private count = 0;

  get(key: string, entries: () => ZipEntry[]): Promise<BuiltZip> {
    let p = this.built.get(key);
    if (!p) {
      p = this.write(entries());
      p.catch(() => this.built.delete(key));
      this.built.set(key, p);
    }
    return p;
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async write(entries: ZipEntry[]): Promise<BuiltZip> {
    const file = join(this.dir, `${++this.count}.zip`);
    const zip = new ZipFile();
    const truths: TruthFile[] = [];
    for (const e of entries) {
      const t: TruthFile = { name: e.name, bytes: 0, sha256: '', records: e.records };
      truths.push(t);
      zip.addReadStreamLazy(e.name, { mtime: FIXED_MTIME, forceDosTimestamp: true }, (cb) => {
        const hash = createHash('sha256');
        function* hashed(): Iterable<Buffer> {
          for (const c of e.chunks()) {
            hash.update(c);
            t.bytes += c.length;
            yield c;
          }
          t.sha256 = hash.digest('hex');
        }
        cb(null, Readable.from(hashed()));
      });
    }
    zip.end();
    const whole = createHash('sha256');
    let size = 0;
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(file);
      zip.outputStream.on('data', (c: Buffer) => {
        whole.update(c);
        size += c.length;
      });
      zip.outputStream.on('error', reject);
      out.on('error', reject);
      out.on('close', () => resolve());
      zip.outputStream.pipe(out);
    });
    return { file, size, sha256: whole.digest('hex'), entries: truths };
  }
}
