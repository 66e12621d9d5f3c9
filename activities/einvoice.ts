/**
 * The e-invoice result: the task's ZIP comes over the link resumably (./zip-transfer.ts) into this worker's
 * scratch folder, is checked, and its entries and the ZIP itself are streamed into the store. Heartbeats all
 * along: during the transfer (byte offset), per entry and within large entries, while storing the ZIP.
 */
import { log } from '@temporalio/activity';
import { createReadStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import type { EasClient } from '../eas/client';
import { EINVOICE_ZIP, type ResultEntry } from '../eas/contract';
import type { DownloadLocation, Store, StoredFile } from '../store/store';
import { corrupt, taskFailed } from './errors';
import { JsonRecordCounter } from './json-count';
import { progress } from './progress';
import type { Scratch } from './scratch';
import { sweepTempsOnRetry } from './housekeeping';
import { dropParts, transferZip } from './zip-transfer';
import { ZipCorruptError, ZipReader } from './zip-reader';

export const ZIP_NAME = 'einvoice.zip';

export interface EinvoiceResult {
  files: StoredFile[];
  records: number;
  bytes: number;
  /** result.json entries that reported an error (kept in the manifest). */
  failedEntries: Array<{ message: string; type: string }>;
}

export interface EinvoiceDeps {
  eas: EasClient;
  store: Store;
  scratch: Scratch;
  /** Bytes per committed transfer segment (what a retried attempt at most fetches again). */
  zipSegmentBytes: number;
}

class ResultFailedError extends Error {}

function parseResultJson(buf: Buffer): ResultEntry[] {
  const parsed = JSON.parse(buf.toString('utf8')) as { status?: string; data?: unknown; error?: { message?: string } };
  if (parsed.status !== '1' || !Array.isArray(parsed.data)) {
    throw new ResultFailedError(`result.json reports failure: ${parsed.error?.message ?? JSON.stringify(parsed).slice(0, 200)}`);
  }
  return parsed.data as ResultEntry[];
}

type Beat = ReturnType<typeof progress<Record<string, unknown>>>;

/** Streams a local file into the store, heartbeating as it goes. */
function putFile(store: Store, loc: DownloadLocation, name: string, file: string, records: number, sha256: string, beat: Beat): Promise<StoredFile> {
  let sent = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      beat({ stage: 'store', name, sent });
      cb(null, chunk);
    },
  });
  return store.put(loc, name, createReadStream(file).pipe(counting), records, { sha256 });
}

/** Extracts one JSON entry to scratch (CRC checked, records counted as it streams) and stores it. */
async function storeEntry(zip: ZipReader, store: Store, loc: DownloadLocation, name: string, dir: string, beat: Beat): Promise<StoredFile> {
  const file = path.join(dir, 'entry');
  const counter = new JsonRecordCounter();
  let countError: Error | undefined;
  const { sha256 } = await zip.extractTo(name, file, (chunk, done, total) => {
    if (!countError) {
      try {
        counter.push(chunk);
      } catch (e) {
        countError = e as Error;
      }
    }
    beat({ stage: 'extract', entry: name, done, total });
  });
  let records: number;
  try {
    if (countError) throw countError;
    records = counter.end();
  } catch (e) {
    throw new ZipCorruptError(`${name}: ${(e as Error).message}`);
  }
  beat({ stage: 'extract', entry: name, records }, true);
  const stored = await putFile(store, loc, name, file, records, sha256, beat);
  await rm(file, { force: true });
  return stored;
}

export async function downloadEinvoiceResult(d: EinvoiceDeps, taskId: string, loc: DownloadLocation): Promise<EinvoiceResult> {
  const { store } = d;
  await sweepTempsOnRetry(store, loc); // what a killed attempt left half-written (not its committed segments)
  return d.scratch.attempt(async (dir) => {
    const zipFile = path.join(dir, ZIP_NAME);
    const beat = progress<Record<string, unknown>>();
    let zip: ZipReader | undefined;
    try {
      const got = await transferZip(d.eas, store, loc, taskId, zipFile, d.zipSegmentBytes);
      log.info('e-invoice ZIP transferred', { taskId, bytes: got.bytes, resumedFrom: got.resumedFrom });
      zip = await ZipReader.open(zipFile);
      const resultFile = path.join(dir, EINVOICE_ZIP.resultFile);
      await zip.extractTo(EINVOICE_ZIP.resultFile, resultFile);
      const resultBuf = await readFile(resultFile);
      const entries = parseResultJson(resultBuf);
      const files: StoredFile[] = [await store.put(loc, EINVOICE_ZIP.resultFile, resultBuf, 0)];
      const failedEntries: EinvoiceResult['failedEntries'] = [];
      for (const entry of entries) {
        if (entry.status !== '1' || typeof entry.data !== 'string') {
          failedEntries.push({ message: entry.error?.message ?? 'unknown', type: entry.error?.type ?? 'unknown' });
          continue;
        }
        files.push(await storeEntry(zip, store, loc, entry.data, dir, beat));
      }
      zip.close();
      zip = undefined;
      files.unshift(await putFile(store, loc, ZIP_NAME, zipFile, 0, got.sha256, beat));
      await dropParts(store, loc);
      const data = files.filter((f) => f.name !== ZIP_NAME);
      return {
        files,
        records: data.reduce((n, f) => n + f.records, 0),
        bytes: files.reduce((n, f) => n + f.bytes, 0),
        failedEntries,
      };
    } catch (e) {
      zip?.close();
      if (e instanceof ResultFailedError) {
        await dropParts(store, loc); // the task is submitted again: its ZIP is of no more use
        throw taskFailed(`task ${taskId}: ${e.message}`);
      }
      if (e instanceof ZipCorruptError || e instanceof SyntaxError) {
        await dropParts(store, loc); // a bad archive is fetched whole next time, not resumed
        throw corrupt(`task ${taskId}: ${(e as Error).message}`);
      }
      throw e;
    }
  });
}
