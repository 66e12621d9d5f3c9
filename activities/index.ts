/**
 * The activities: each one short, idempotent step that talks to EAS or the store and returns references.
 * Built from their dependencies so tests can hand in a client, a store and a config.
 */
import { log } from '@temporalio/activity';
import type { EasClient } from '../eas/client';
import { gstnCodeKind, outcomeOfKind } from '../eas/contract';
import type { GstnAnswerOutcome } from '../domain/outcomes';
import { isEasError } from '../eas/errors';
import type { EinvoiceInput, Gstr2bInput } from '../domain/inputs';
import type { DownloadLocation, Store, StoredFile } from '../store/store';
import type { DownloadConfig } from '../domain/config';
import { downloadEinvoiceResult, type EinvoiceResult } from './einvoice';
import { sweepTempsOnRetry } from './housekeeping';
import { gstr2bSections, imsPageRecords, imsPageSections, sumCounts } from './records';
import type { Scratch } from './scratch';
import { finishActivities, irnName, pageName, type PageFile } from './finish';
import { gstr2bActivities } from './gstr2b';

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

export { pageName, irnName, type FinishInput, type FinishResult, type PageDigest } from './finish';
export type { Gstr2bGenerationFirst } from './gstr2b';

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

    /** A task's status; a task that failed with GSTN's answer (no-data, …) says which, with the GSTN code. */
    async checkTask(taskId: string): Promise<{ status: string; error?: string; outcome?: GstnAnswerOutcome; gstnCode?: string }> {
      const s = await eas.taskStatus(taskId);
      if (!s.error) return { status: s.status };
      const out: { status: string; error: string; outcome?: GstnAnswerOutcome; gstnCode?: string } = {
        status: s.status,
        error: `${s.error.message} ${JSON.stringify(s.error.args ?? {})}`,
      };
      const code = (s.error.args?.['gstn-err'] as { 'error-code'?: string } | undefined)?.['error-code'];
      const kind = gstnCodeKind(code);
      const outcome = kind && outcomeOfKind(kind);
      if (outcome) {
        out.outcome = outcome;
        out.gstnCode = code;
      }
      return out;
    },

    async countPages(taskId: string): Promise<number> {
      return eas.taskPages(taskId);
    },

    /** Stores one IMS page; the result also carries the page's per-section counts (for the manifest). */
    async downloadImsPage(taskId: string, page: number, loc: DownloadLocation): Promise<PageFile> {
      const { body, data } = await eas.taskPage(taskId, page);
      return { ...(await putFile(loc, pageName(page), body, imsPageRecords(data))), sections: imsPageSections(data) };
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
      const file = await putFile(loc, name, body, fc > 0 ? 0 : sumCounts(gstr2bSections(data.data)));
      return { file, fileCount: fc, gendt: data.data.gendt };
    },

    async fetchGstr2bFile(input: Gstr2bInput, fileNum: number, loc: DownloadLocation): Promise<StoredFile> {
      const { body, data } = await eas.gstr2b(input.gstin, input.retPeriod, fileNum);
      return putFile(loc, `file-${fileNum}.json`, body, sumCounts(gstr2bSections(data.data)));
    },

    async fetchIrnDetails(gstin: string, irn: string, loc: DownloadLocation): Promise<StoredFile> {
      const { body } = await eas.irnDetails(gstin, irn);
      return putFile(loc, irnName(irn), body, 1);
    },

    ...gstr2bActivities(eas, store),
    ...finishActivities(store),
  };
}

export type Activities = ReturnType<typeof createActivities>;
