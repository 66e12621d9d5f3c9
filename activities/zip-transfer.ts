/**
 * Brings a task's ZIP into a local scratch file, resumably and without shared disk: the transfer is cut into
 * segments that are committed to the store as they arrive (`.part-einvoice.zip-<offset>`, beside a small
 * `.part-einvoice.zip-meta.json` naming the task and size), and the committed byte offset is the heartbeat detail.
 * A later attempt — on any worker — copies the committed segments back and asks the gateway for the rest with
 * `Range: bytes=<offset>-`; when the gateway sends the whole file instead (200), it starts over cleanly.
 */
import { Context } from '@temporalio/activity';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { EasClient, TaskZip } from '../eas/client';
import { ObjectNotFound, type DownloadLocation, type Store } from '../store/store';
import { progress } from './progress';

export const PART_PREFIX = '.part-einvoice.zip-';
const META = `${PART_PREFIX}meta.json`;
const PART = /\.part-einvoice\.zip-(\d{15})$/;

/** What a transfer heartbeats: `offset` is where the next attempt resumes (bytes committed to the store). */
export interface TransferDetails {
  stage: 'transfer';
  offset: number;
  received: number;
  total?: number;
}

interface Meta {
  taskId: string;
  total?: number;
}

interface Part {
  ref: string;
  offset: number;
  bytes: number;
}

const partName = (offset: number) => `${PART_PREFIX}${String(offset).padStart(15, '0')}`;

/** Removes every segment (and the meta) of a location's ZIP transfer. */
export async function dropParts(store: Store, loc: DownloadLocation): Promise<void> {
  for (const o of await store.list(store.refOf(loc, PART_PREFIX))) await store.delete(o.ref);
}

async function readMeta(store: Store, loc: DownloadLocation): Promise<Meta | undefined> {
  try {
    return JSON.parse((await store.read(store.refOf(loc, META))).toString('utf8')) as Meta;
  } catch (e) {
    if (e instanceof ObjectNotFound || e instanceof SyntaxError) return undefined;
    throw e;
  }
}

/** The committed segments that continue each other from byte 0; any other segment is removed. */
async function committedParts(store: Store, loc: DownloadLocation, taskId: string): Promise<{ parts: Part[]; meta?: Meta }> {
  const meta = await readMeta(store, loc);
  if (!meta || meta.taskId !== taskId) {
    await dropParts(store, loc);
    return { parts: [] };
  }
  const found: Part[] = [];
  for (const o of await store.list(store.refOf(loc, PART_PREFIX))) {
    const m = PART.exec(o.ref);
    if (m) found.push({ ref: o.ref, offset: Number(m[1]), bytes: o.bytes });
  }
  found.sort((a, b) => a.offset - b.offset);
  const parts: Part[] = [];
  let next = 0;
  for (const p of found) {
    if (p.offset === next && p.bytes > 0) {
      parts.push(p);
      next += p.bytes;
    } else await store.delete(p.ref);
  }
  return { parts, meta };
}

export interface TransferResult {
  bytes: number;
  sha256: string;
  /** Bytes taken from committed segments instead of the gateway. */
  resumedFrom: number;
}

/**
 * Fills `file` with the task's whole ZIP (committed segments first, then the gateway) and returns its size and
 * sha256. Segments stay in the store until the caller drops them (after the ZIP itself is stored).
 */
export async function transferZip(
  eas: EasClient,
  store: Store,
  loc: DownloadLocation,
  taskId: string,
  file: string,
  segmentBytes: number,
): Promise<TransferResult> {
  const ctx = Context.current();
  const beat = progress<TransferDetails>();
  let { parts, meta } = await committedParts(store, loc, taskId);
  // Written with awaited writes, so a segment can be streamed back from the file as soon as it is complete.
  let out: FileHandle = await open(file, 'w');
  let hash: Hash = createHash('sha256');
  let offset = 0;
  for (const p of parts) {
    for await (const chunk of await store.get(p.ref)) {
      await out.write(chunk as Buffer);
      hash.update(chunk as Buffer);
    }
    offset += p.bytes;
    beat({ stage: 'transfer', offset, received: offset, total: meta?.total });
  }
  const resumedFrom = offset;
  const restart = async () => {
    await dropParts(store, loc);
    await out.truncate(0);
    await out.close();
    out = await open(file, 'w');
    hash = createHash('sha256');
    offset = 0;
    meta = undefined;
  };
  // Waiting for the answer's headers (a gateway may take a while to start a big file) is bounded by the EAS
  // client's stall timeout, not by the heartbeat timeout: keep heartbeating meanwhile.
  const request = async (from: number): Promise<TaskZip> => {
    const keepAlive = setInterval(() => beat({ stage: 'transfer', offset, received: offset, total: meta?.total }, true), 1000);
    try {
      return await eas.openTaskZip(taskId, { offset: from, signal: ctx.cancellationSignal });
    } finally {
      clearInterval(keepAlive);
    }
  };
  let zip: TaskZip | undefined;
  let received = offset;
  try {
    if (meta?.total === undefined || offset < meta.total) {
      zip = await request(offset);
      const sameFile = zip.start === offset && (offset === 0 || meta?.total === undefined || zip.total === meta.total);
      if (!sameFile) {
        zip.body.destroy();
        await restart();
        received = 0;
        zip = await request(0);
      }
      if (offset === 0 || !meta) {
        meta = { taskId, ...(zip.total !== undefined ? { total: zip.total } : {}) };
        await store.put(loc, META, JSON.stringify(meta), 0);
      }
    }
    // A segment is committed by streaming its bytes back from the file (never held in memory).
    let segHash = createHash('sha256');
    const commit = async () => {
      if (received === offset) return;
      const sha256 = segHash.digest('hex');
      segHash = createHash('sha256');
      await store.put(loc, partName(offset), createReadStream(file, { start: offset, end: received - 1 }), 0, { sha256 });
      offset = received;
      beat({ stage: 'transfer', offset, received, total: meta?.total }, true);
    };
    if (zip) {
      for await (const c of zip.body) {
        const chunk = c as Buffer;
        await out.write(chunk);
        hash.update(chunk);
        segHash.update(chunk);
        received += chunk.length;
        if (received - offset >= segmentBytes) await commit();
        else beat({ stage: 'transfer', offset, received, total: meta?.total });
      }
      await commit();
    }
    await out.close();
  } catch (e) {
    zip?.body.destroy();
    await out.close().catch(() => undefined);
    if (ctx.cancellationSignal.aborted && ctx.cancellationSignal.reason) throw ctx.cancellationSignal.reason;
    throw e;
  }
  return { bytes: received, sha256: hash.digest('hex'), resumedFrom };
}
