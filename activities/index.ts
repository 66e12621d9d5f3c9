/**
 * The activities: each one short, idempotent step that talks to EAS or the store and returns references.
 * Built from their dependencies so tests can hand in a client, a store and a config.
 */
import { heartbeat, log } from '@temporalio/activity';
import { readFile, rm } from 'node:fs/promises';
import type { EasClient } from '../eas/client';
import { EINVOICE_ZIP, gstnCodeKind, outcomeOfKind, type ResultEntry } from '../eas/contract';
import type { GstnAnswerOutcome } from '../domain/outcomes';
import { isEasError } from '../eas/errors';
import type { EinvoiceInput, Gstr2bInput } from '../domain/inputs';
import type { DownloadLocation, Store, StoredFile } from '../store/store';
import type { DownloadConfig } from '../domain/config';
import { DEFAULT_CONFIG } from '../domain/config';
import { corrupt, taskFailed } from './errors';
import { createPageActivities, Limiter } from './pages';
import { createPollingActivities } from './polling';
import { createGstinListActivities } from './gstin-list';
import { countRecordsInFile } from './json-count';
import { gstr2bSections, imsPageRecords, sumCounts } from './records';
import { ZipCorruptError, ZipReader } from './zip-reader';
import { finishActivities, irnName, pageName } from './finish';
import { gstr2bActivities } from './gstr2b';

export interface ActivityDeps {
  eas: EasClient;
  store: Store;
  config: DownloadConfig;
  /** The value indexed as GstGstin for a GSTIN (a keyed hash when configured); absent = the GSTIN. */
  gstinIndex?: (gstin: string) => string;
}

export interface EinvoiceResult {
  files: StoredFile[];
  records: number;
  bytes: number;
  /** result.json entries that reported an error (kept in the manifest). */
  failedEntries: Array<{ message: string; type: string }>;
}

export interface Gstr2bFirst {
  file: StoredFile;
  /** Number of further files to fetch (0 for a return that came whole). */
  fileCount: number;
  gendt?: string;
}

export { pageName, irnName, type FinishInput, type FinishResult } from './finish';
export type { Gstr2bGenerationFirst } from './gstr2b';

export function createActivities({ eas, store, config, gstinIndex }: ActivityDeps) {
  const pageRequests = new Limiter(config.pageRequestsPerWorker ?? DEFAULT_CONFIG.pageRequestsPerWorker ?? 64);
  return {
    ...createPageActivities({ eas, store, pageRequests }),
    ...createPollingActivities({ eas }),
    ...createGstinListActivities({ store }),
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

    async downloadImsPage(taskId: string, page: number, loc: DownloadLocation): Promise<StoredFile> {
      const { body, data } = await eas.taskPage(taskId, page);
      return store.writeFile(loc, pageName(page), body, imsPageRecords(data));
    },

    /** Streams the task's ZIP into the store, checks it, and stores result.json and every file-N.json. */
    async downloadEinvoiceResult(taskId: string, loc: DownloadLocation): Promise<EinvoiceResult> {
      const zipTmp = await store.tempPath(loc, 'einvoice.zip');
      let zip: ZipReader | undefined;
      try {
        await eas.downloadTaskZip(taskId, zipTmp);
        heartbeat('downloaded');
        zip = await ZipReader.open(zipTmp);
        const resultBuf = await extractSmall(zip, store, loc, EINVOICE_ZIP.resultFile);
        const entries = parseResultJson(resultBuf);
        const files: StoredFile[] = [await store.writeFile(loc, EINVOICE_ZIP.resultFile, resultBuf, 0)];
        const failedEntries: EinvoiceResult['failedEntries'] = [];
        for (const entry of entries) {
          if (entry.status !== '1' || typeof entry.data !== 'string') {
            failedEntries.push({ message: entry.error?.message ?? 'unknown', type: entry.error?.type ?? 'unknown' });
            continue;
          }
          const tmp = await store.tempPath(loc, entry.data);
          try {
            await zip.extractTo(entry.data, tmp);
            const records = await countRecordsInFile(tmp).catch((e: Error) => {
              throw new ZipCorruptError(`${entry.data}: ${e.message}`);
            });
            files.push(await store.adoptFile(loc, entry.data, tmp, records));
          } catch (e) {
            await rm(tmp, { force: true });
            throw e;
          }
          heartbeat(entry.data);
        }
        zip.close();
        zip = undefined;
        files.unshift(await store.adoptFile(loc, 'einvoice.zip', zipTmp, 0));
        const data = files.filter((f) => f.name !== 'einvoice.zip');
        return {
          files,
          records: data.reduce((n, f) => n + f.records, 0),
          bytes: files.reduce((n, f) => n + f.bytes, 0),
          failedEntries,
        };
      } catch (e) {
        zip?.close();
        await rm(zipTmp, { force: true });
        if (e instanceof ResultFailedError) throw taskFailed(`task ${taskId}: ${e.message}`);
        if (e instanceof ZipCorruptError || e instanceof SyntaxError) throw corrupt(`task ${taskId}: ${(e as Error).message}`);
        throw e;
      }
    },

    /** The first GSTR-2B answer: the whole return, or its summary with the file count. */
    async fetchGstr2b(input: Gstr2bInput, loc: DownloadLocation): Promise<Gstr2bFirst> {
      const { body, data } = await eas.gstr2b(input.gstin, input.retPeriod);
      const fc = typeof data.data.fc === 'number' && !data.data.docdata ? data.data.fc : 0;
      const name = fc > 0 ? 'summary.json' : 'gstr2b.json';
      const file = await store.writeFile(loc, name, body, fc > 0 ? 0 : sumCounts(gstr2bSections(data.data)));
      return { file, fileCount: fc, gendt: data.data.gendt };
    },

    async fetchGstr2bFile(input: Gstr2bInput, fileNum: number, loc: DownloadLocation): Promise<StoredFile> {
      const { body, data } = await eas.gstr2b(input.gstin, input.retPeriod, fileNum);
      return store.writeFile(loc, `file-${fileNum}.json`, body, sumCounts(gstr2bSections(data.data)));
    },

    async fetchIrnDetails(gstin: string, irn: string, loc: DownloadLocation): Promise<StoredFile> {
      const { body } = await eas.irnDetails(gstin, irn);
      return store.writeFile(loc, irnName(irn), body, 1);
    },

    ...gstr2bActivities(eas, store),
    ...finishActivities(store),
  };
}

export type Activities = ReturnType<typeof createActivities>;

async function extractSmall(zip: ZipReader, store: Store, loc: DownloadLocation, name: string): Promise<Buffer> {
  const tmp = await store.tempPath(loc, name);
  try {
    await zip.extractTo(name, tmp);
    return await readFile(tmp);
  } finally {
    await rm(tmp, { force: true });
  }
}

class ResultFailedError extends Error {}

function parseResultJson(buf: Buffer): ResultEntry[] {
  const parsed = JSON.parse(buf.toString('utf8')) as { status?: string; data?: unknown; error?: { message?: string } };
  if (parsed.status !== '1' || !Array.isArray(parsed.data)) {
    throw new ResultFailedError(`result.json reports failure: ${parsed.error?.message ?? JSON.stringify(parsed).slice(0, 200)}`);
  }
  return parsed.data as ResultEntry[];
}
