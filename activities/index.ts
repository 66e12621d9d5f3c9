/**
 * The activities: each one short, idempotent step that talks to EAS or the store and returns references.
 * Built from their dependencies so tests can hand in a client, a store and a config.
 */
import { log } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import type { EasClient } from '../eas/client';
import { isEasError } from '../eas/errors';
import type { EinvoiceInput, Gstr2bInput } from '../domain/inputs';
import { ObjectNotFound, type DownloadLocation, type Manifest, type Store, type StoredFile } from '../store/store';
import type { DownloadConfig } from '../domain/config';
import { MAX_SUMMARY_FILES } from '../domain/config';
import { downloadEinvoiceResult, type EinvoiceResult } from './einvoice';
import { corrupt } from './errors';
import { sweepLocation, sweepTempsOnRetry } from './housekeeping';
import { gstr2bRecords, imsPageRecords } from './records';
import type { Scratch } from './scratch';

export type { EinvoiceResult } from './einvoice';

export interface ActivityDeps {
  eas: EasClient;
  store: Store;
  config: DownloadConfig;
  /** The value indexed as GstGstin for a GSTIN (a keyed hash when configured); absent = the GSTIN. */
  gstinIndex?: (gstin: string) => string;
  /** This worker's local scratch space (ZIP reading). */
  scratch: Scratch;
  /** Bytes per committed segment of a ZIP transfer (default 16 MiB). */
  zipSegmentBytes?: number;
}

export interface Gstr2bFirst {
  file: StoredFile;
  /** Number of further files to fetch (0 for a return that came whole). */
  fileCount: number;
  gendt?: string;
}

/** What a page activity returned, compactly (the name and reference follow from the page): bytes, sha256, records. */
export type PageDigest = [bytes: number, sha256: string, records: number];

export interface FinishInput {
  loc: DownloadLocation;
  manifest: Omit<Manifest, 'location' | 'files' | 'records'>;
  /** Files known to the workflow (single-answer kinds). */
  files: StoredFile[];
  /** Paged downloads: pages 1..N named page-N.json. */
  pages?: number;
  /** IRN downloads: irn-<irn>.json for each IRN. */
  irns?: string[];
  /**
   * What the page (or IRN) activities returned, by position; the manifest is built from these. A page without
   * one (null: fetched by a run from before the workflow kept them) is read back from the store instead.
   */
  digests?: Array<PageDigest | null>;
}

export interface FinishResult {
  manifest: StoredFile;
  location: string;
  files: StoredFile[];
  filesTruncated: boolean;
  records: number;
  bytes: number;
}

export function pageName(n: number): string {
  return `page-${n}.json`;
}

export function irnName(irn: string): string {
  return `irn-${irn}.json`;
}

function imsPageBodyRecords(body: Buffer): number {
  const parsed = JSON.parse(body.toString('utf8')) as { data?: Record<string, unknown> };
  return imsPageRecords(parsed.data ?? {});
}

/** A stored file's reference with its checksum and records, read back from the store. */
async function readBack(store: Store, loc: DownloadLocation, name: string, records: (body: Buffer) => number): Promise<StoredFile> {
  const ref = store.refOf(loc, name);
  const body = await store.read(ref).catch((e: unknown) => {
    if (e instanceof ObjectNotFound) throw corrupt(`${name} is missing from ${store.locationRef(loc)}`);
    throw e;
  });
  return { name, ref, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), records: records(body) };
}

export function createActivities({ eas, store, config, gstinIndex, scratch, zipSegmentBytes = 16 * 1024 * 1024 }: ActivityDeps) {
  /** Stores one answer; a retried attempt first clears what a killed attempt left half-written for it. */
  async function putFile(loc: DownloadLocation, name: string, body: Buffer, records: number): Promise<StoredFile> {
    await sweepTempsOnRetry(store, loc, name);
    return store.put(loc, name, body, records);
  }

  return {
    /** Local activity: the worker's tunables, recorded in history so replays see the same values. */
    async loadDownloadConfig(gstin?: string): Promise<DownloadConfig> {
      const indexed = typeof gstin === 'string' && gstin && gstinIndex ? gstinIndex(gstin.trim()) : undefined;
      return indexed !== undefined && indexed !== gstin ? { ...config, gstinIndex: indexed } : config;
    },

    async refreshGstnSession(gstin: string): Promise<void> {
      await eas.refreshSession(gstin);
      log.info('GSTN session refreshed', { gstin });
    },

    /** Asks GSTN to send the taxpayer an OTP; returns the request id (not a secret). */
    async requestGstnOtp(gstin: string): Promise<string> {
      const id = await eas.requestOtp(gstin);
      log.info('GSTN OTP requested', { gstin, otpRequestId: id });
      return id;
    },

    /** Verifies an OTP (the `provideOtp` update path). A wrong OTP fails, non-retryable (InvalidOtp). */
    async verifyGstnOtp(gstin: string, otpRequestId: string, otp: string): Promise<void> {
      await eas.verifyOtp(gstin, otpRequestId, otp);
      log.info('GSTN OTP verified; session restored', { gstin, otpRequestId });
    },

    /** The cheap check while waiting for an OTP: is there a live (refreshable) session again? */
    async checkGstnSession(gstin: string): Promise<boolean> {
      try {
        await eas.refreshSession(gstin);
        return true;
      } catch (e) {
        if (isEasError(e) && (e.kind === 'gstn-session' || e.kind === 'gstn-session-expired')) return false;
        throw e;
      }
    },

    async submitEinvoice(input: EinvoiceInput): Promise<string> {
      return eas.submitEinvoiceDownload(input);
    },

    async submitIms(gstin: string, section: string, status?: string): Promise<string> {
      return eas.submitImsDownload(gstin, section, status);
    },

    async checkTask(taskId: string): Promise<{ status: string; error?: string }> {
      const s = await eas.taskStatus(taskId);
      return s.error ? { status: s.status, error: `${s.error.message} ${JSON.stringify(s.error.args ?? {})}` } : { status: s.status };
    },

    async countPages(taskId: string): Promise<number> {
      return eas.taskPages(taskId);
    },

    async downloadImsPage(taskId: string, page: number, loc: DownloadLocation): Promise<StoredFile> {
      const { body, data } = await eas.taskPage(taskId, page);
      return putFile(loc, pageName(page), body, imsPageRecords(data));
    },

    /** Brings the task's ZIP over (resumably), checks it, and stores result.json, every file-N.json and the ZIP. */
    async downloadEinvoiceResult(taskId: string, loc: DownloadLocation): Promise<EinvoiceResult> {
      return downloadEinvoiceResult({ eas, store, scratch, zipSegmentBytes }, taskId, loc);
    },

    /** The first GSTR-2B answer: the whole return, or its summary with the file count. */
    async fetchGstr2b(input: Gstr2bInput, loc: DownloadLocation): Promise<Gstr2bFirst> {
      const { body, data } = await eas.gstr2b(input.gstin, input.retPeriod);
      const fc = typeof data.data.fc === 'number' && !data.data.docdata ? data.data.fc : 0;
      const name = fc > 0 ? 'summary.json' : 'gstr2b.json';
      const file = await putFile(loc, name, body, fc > 0 ? 0 : gstr2bRecords(data.data.docdata));
      return { file, fileCount: fc, gendt: data.data.gendt };
    },

    async fetchGstr2bFile(input: Gstr2bInput, fileNum: number, loc: DownloadLocation): Promise<StoredFile> {
      const { body, data } = await eas.gstr2b(input.gstin, input.retPeriod, fileNum);
      return putFile(loc, `file-${fileNum}.json`, body, gstr2bRecords(data.data.docdata));
    },

    async fetchIrnDetails(gstin: string, irn: string, loc: DownloadLocation): Promise<StoredFile> {
      const { body } = await eas.irnDetails(gstin, irn);
      return putFile(loc, irnName(irn), body, 1);
    },

    /**
     * Writes manifest.json from what the page activities returned (pages without a digest are read back), removes
     * what the manifest does not list from the folder, and returns the summary's file list.
     */
    async finishDownload(input: FinishInput): Promise<FinishResult> {
      const listed = async (names: string[], records: (body: Buffer) => number): Promise<StoredFile[]> => {
        const out: StoredFile[] = [];
        for (const [i, name] of names.entries()) {
          const d = input.digests?.[i];
          out.push(d ? { name, ref: store.refOf(input.loc, name), bytes: d[0], sha256: d[1], records: d[2] } : await readBack(store, input.loc, name, records));
        }
        return out;
      };
      let files = input.files;
      if (input.pages !== undefined) files = await listed(Array.from({ length: input.pages }, (_, i) => pageName(i + 1)), imsPageBodyRecords);
      else if (input.irns) files = await listed(input.irns.map(irnName), () => 1);
      const records = files.reduce((n, f) => n + f.records, 0);
      const manifest: Manifest = { ...input.manifest, location: store.locationRef(input.loc), files, records };
      const file = await store.writeManifest(input.loc, manifest);
      const removed = await sweepLocation(store, input.loc, files);
      if (removed.length) log.info('removed objects the manifest does not list', { location: manifest.location, removed });
      return {
        manifest: file,
        location: manifest.location,
        files: files.slice(0, MAX_SUMMARY_FILES),
        filesTruncated: files.length > MAX_SUMMARY_FILES,
        records,
        bytes: files.reduce((n, f) => n + f.bytes, 0),
      };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
