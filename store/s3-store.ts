import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
  type ListObjectsV2CommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Hasher, bodyStream, checkKnown, readAll, sha256Of } from './hashing';
import {
  ObjectNotFound,
  StoreError,
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

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' or ending in '/'). */
  prefix: string;
  client: S3ClientConfig;
  /** Multipart part size (bytes, ≥ 5 MiB); bodies larger than this go up in parts. */
  partSize?: number;
  /** Parts in flight per upload (memory: partSize × queueSize). */
  queueSize?: number;
}

const META_SHA = 'sha256';

type SdkError = { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };

function notFound(e: unknown): boolean {
  const err = e as SdkError;
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || (err?.$metadata?.httpStatusCode === 404 && err?.name !== 'NoSuchBucket');
}

const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'NoSuchBucket', 'AllAccessDisabled', 'AccountProblem', 'CredentialsProviderError']);

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout']);

/** An SDK error as a StoreError (a missing key stays as it is: callers turn it into ObjectNotFound). */
function classify(e: unknown, what: string): unknown {
  if (e instanceof StoreError || e instanceof ObjectNotFound || notFound(e)) return e;
  const err = e as SdkError;
  const fromService = err?.$metadata !== undefined || DENIED.has(err?.name ?? '');
  const network = NETWORK.has(err?.code ?? '') || NETWORK.has(err?.name ?? '');
  if (!fromService && !network) return e; // not the store's: e.g. the body being uploaded failed
  const status = err?.$metadata?.httpStatusCode;
  const why = `${what}: ${err?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${err?.message ?? String(e)}`;
  if (DENIED.has(err?.name ?? '') || status === 401 || status === 403) return new StoreError('denied', why, { cause: e });
  return new StoreError('unavailable', why, { cause: e });
}

/**
 * S3-compatible object storage (AWS S3, MinIO, SeaweedFS, moto…). Objects carry their sha256 as user metadata.
 * A buffer goes up in one PutObject; a stream goes up with multipart (lib-storage) — straight to its key when the
 * caller knows the sha256, else to a temp key (`.tmp-<name>.<random>`) that is copied into place with the digest
 * and removed. Both are atomic: S3 shows an object only once its upload completes. (CopyObject handles up to 5 GB.)
 */
export class S3Store extends ManifestsOnObjects implements Store {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;

  /** Every request goes through here, so failures reach callers classified. */
  private async send<T>(command: object, what: string): Promise<T> {
    try {
      return (await this.client.send(command as never)) as T;
    } catch (e) {
      throw classify(e, what);
    }
  }

  constructor(o: S3StoreOptions) {
    super();
    this.client = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', ...o.client });
    this.bucket = o.bucket;
    this.prefix = o.prefix;
    this.partSize = Math.max(o.partSize ?? 8 * 1024 * 1024, 5 * 1024 * 1024);
    this.queueSize = o.queueSize ?? 2;
  }

  locationRef(loc: DownloadLocation): string {
    return locationRefOf(loc);
  }

  refOf(loc: DownloadLocation, name: string): string {
    return `${this.locationRef(loc)}/${checkSegment(name, 'file name')}`;
  }

  private key(ref: string): string {
    return this.prefix + refParts(ref).join('/');
  }

  async put(loc: DownloadLocation, name: string, body: Body, records: number, known?: { sha256?: string }): Promise<StoredFile> {
    const ref = this.refOf(loc, name);
    const s = await this.putAt(ref, body, known);
    return { name, ref, ...s, records };
  }

  async putRef(ref: string, body: Body): Promise<ObjectStat> {
    return this.putAt(refParts(ref).join('/'), body);
  }

  private async putAt(ref: string, body: Body, known?: { sha256?: string }): Promise<ObjectStat> {
    const name = ref.slice(ref.lastIndexOf('/') + 1);
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const sha256 = sha256Of(buf);
      checkKnown(name, known, sha256);
      await this.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.key(ref), Body: buf, ContentLength: buf.length, Metadata: { [META_SHA]: sha256 } }),
        `put ${ref}`,
      );
      return { bytes: buf.length, sha256 };
    }
    if (known?.sha256) {
      const hasher = await this.upload(this.key(ref), body, { [META_SHA]: known.sha256 });
      if (hasher.sha256() !== known.sha256) {
        await this.delete(ref);
        checkKnown(name, known, hasher.sha256());
      }
      return { bytes: hasher.bytes, sha256: known.sha256 };
    }
    const tempRef = `${ref.slice(0, ref.length - name.length)}${TEMP_PREFIX}${name}.${randomBytes(6).toString('hex')}`;
    try {
      const hasher = await this.upload(this.key(tempRef), body, {});
      await this.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: this.key(ref),
          CopySource: `${this.bucket}/${this.key(tempRef)}`.split('/').map(encodeURIComponent).join('/'),
          MetadataDirective: 'REPLACE',
          Metadata: { [META_SHA]: hasher.sha256() },
        }),
        `copy into ${ref}`,
      );
      return { bytes: hasher.bytes, sha256: hasher.sha256() };
    } finally {
      await this.delete(tempRef);
    }
  }

  /** Multipart upload of a stream (lib-storage aborts the upload when the body fails). */
  private async upload(key: string, body: Readable, metadata: Record<string, string>): Promise<Hasher> {
    const hasher = new Hasher();
    const source = bodyStream(body);
    source.on('error', (e) => hasher.destroy(e));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: source.pipe(hasher), Metadata: metadata },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (e) {
      throw classify(e, `upload ${key}`);
    }
    return hasher;
  }

  async get(ref: string): Promise<Readable> {
    try {
      const out = await this.send<GetObjectCommandOutput>(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(ref) }), `get ${ref}`);
      if (!out.Body) throw new ObjectNotFound(ref);
      return out.Body as Readable;
    } catch (e) {
      if (notFound(e)) throw new ObjectNotFound(ref);
      throw e;
    }
  }

  async read(ref: string): Promise<Buffer> {
    return readAll(await this.get(ref));
  }

  async stat(ref: string): Promise<ObjectStat | undefined> {
    try {
      const head = await this.send<HeadObjectCommandOutput>(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(ref) }), `stat ${ref}`);
      const sha = head.Metadata?.[META_SHA];
      if (sha) return { bytes: head.ContentLength ?? 0, sha256: sha };
      // Written by another tool: hash it.
      const hasher = new Hasher();
      await pipeline(await this.get(ref), hasher, async (src: AsyncIterable<Buffer>) => {
        for await (const _ of src); // eslint-disable-line @typescript-eslint/no-unused-vars
      });
      return { bytes: hasher.bytes, sha256: hasher.sha256() };
    } catch (e) {
      if (notFound(e) || e instanceof ObjectNotFound) return undefined;
      throw e;
    }
  }

  async list(prefix: string): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.send<ListObjectsV2CommandOutput>(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }),
        `list ${prefix}`,
      );
      for (const o of page.Contents ?? []) {
        if (o.Key) out.push({ ref: o.Key.slice(this.prefix.length), bytes: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  }

  async delete(ref: string): Promise<void> {
    try {
      await this.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(ref) }), `delete ${ref}`);
    } catch (e) {
      if (!notFound(e)) throw e;
    }
  }
}
