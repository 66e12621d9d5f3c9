/** Hashing a body while it streams past, and turning any body into a stream. */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { Body } from './store';

/** A pass-through that counts bytes and computes sha256 of what went through. */
export class Hasher extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  private hex?: string;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null, d?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  /** The hex digest (call once the stream has ended). */
  sha256(): string {
    this.hex ??= this.hash.digest('hex');
    return this.hex;
  }
}

export function sha256Of(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

export function bodyStream(body: Body): Readable {
  if (typeof body === 'string') return Readable.from([Buffer.from(body, 'utf8')]);
  if (Buffer.isBuffer(body)) return Readable.from([body]);
  return body;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Fails a put whose body did not hash to what the caller said it would. */
export function checkKnown(name: string, known: { sha256?: string } | undefined, got: string): void {
  if (known?.sha256 && known.sha256 !== got) throw new Error(`store: ${name} hashed to ${got}, not the expected ${known.sha256}`);
}
