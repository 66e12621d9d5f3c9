/**
 * Reads a ZIP on disk one entry at a time (yauzl: random access through the central directory, entries
 * streamed, never the whole archive in memory — adm-zip would load it all). Each entry's CRC-32 is checked
 * while it streams, since yauzl checks sizes but not CRCs.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import * as yauzl from 'yauzl';

export interface ZipEntryInfo {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
}

export class ZipCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipCorruptError';
  }
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (err, zip) =>
      err || !zip ? reject(new ZipCorruptError(`not a readable ZIP: ${err?.message ?? 'no archive'}`)) : resolve(zip),
    ),
  );
}

export class ZipReader {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly entries: Map<string, yauzl.Entry>,
  ) {}

  /** Opens the archive and reads its central directory (entry metadata only). */
  static async open(file: string): Promise<ZipReader> {
    const zip = await openZip(file);
    const entries = new Map<string, yauzl.Entry>();
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => {
        entries.set(e.fileName, e);
        zip.readEntry();
      });
      zip.on('end', () => resolve());
      zip.on('error', (err: Error) => reject(new ZipCorruptError(`ZIP directory unreadable: ${err.message}`)));
      zip.readEntry();
    });
    return new ZipReader(zip, entries);
  }

  list(): ZipEntryInfo[] {
    return [...this.entries.values()].map((e) => ({
      name: e.fileName,
      compressedSize: e.compressedSize,
      uncompressedSize: e.uncompressedSize,
      crc32: e.crc32,
    }));
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Streams one entry to `dest`, verifying its CRC-32 and size; `onChunk` sees every chunk (record counting, heartbeats). */
  async extractTo(name: string, dest: string, onChunk?: (chunk: Buffer, done: number, total: number) => void): Promise<{ bytes: number; sha256: string }> {
    const entry = this.entries.get(name);
    if (!entry) throw new ZipCorruptError(`ZIP has no ${name}`);
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      this.zip.openReadStream(entry, (err, s) => (err || !s ? reject(new ZipCorruptError(`${name}: ${err?.message}`)) : resolve(s))),
    );
    let crc = 0;
    let bytes = 0;
    const hash = createHash('sha256');
    const check = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        crc = crc32(chunk, crc);
        hash.update(chunk);
        bytes += chunk.length;
        onChunk?.(chunk, bytes, entry.uncompressedSize);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(stream, check, createWriteStream(dest));
    } catch (e) {
      throw new ZipCorruptError(`${name}: ${(e as Error).message}`);
    }
    if (crc >>> 0 !== entry.crc32 >>> 0) throw new ZipCorruptError(`${name}: CRC-32 mismatch`);
    if (bytes !== entry.uncompressedSize) throw new ZipCorruptError(`${name}: ${bytes} of ${entry.uncompressedSize} bytes`);
    return { bytes, sha256: hash.digest('hex') };
  }

  close(): void {
    this.zip.close();
  }
}
