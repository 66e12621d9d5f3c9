/**
 * The activities: each one short, idempotent step that talks to EAS or the store and returns references.
 * Built from their dependencies so tests can hand in a client, a store and a config.
 */
import { log } from '@temporalio/activity';
import type { AccountResolver } from '../eas/accounts';
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
import { createSessionActivities } from './session';
import { finishActivities, irnName, pageName, type PageFile } from './finish';
import { DEFAULT_CONFIG } from '../domain/config';
import { createPageActivities, Limiter } from './pages';
import { createPollingActivities } from './polling';
import { createGstinListActivities } from './gstin-list';
import { gstr2bActivities } from './gstr2b';

export type { EinvoiceResult } from './einvoice';

export interface ActivityDeps {
  /** The EAS client (tenant) of each GSTIN. */
  accounts: AccountResolver;
  store: Store;
  config: DownloadConfig;
  /** GST_NOTIFY_URL: where OTP-needed events are POSTed. */
  notifyUrl?: string;
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

export function createActivities({ accounts, store, config, notifyUrl, gstinIndex, scratch, zipSegmentBytes = 16 * 1024 * 1024 }: ActivityDeps) {
  /**
   * The client of the GSTIN's tenant. Task calls scheduled before they carried the GSTIN (downloads started by an
   * older worker) use the default account.
   */
  const easFor = async (gstin: string | undefined): Promise<EasClient> => (gstin ? (await accounts.forGstin(gstin)).client : accounts.fallback());
  /** Stores one answer; a retried attempt first clears what a killed attempt left half-written for it. */
  async function putFile(loc: DownloadLocation, name: string, body: Buffer, records: number): Promise<StoredFile> {
    await sweepTempsOnRetry(store, loc, name);
    return store.put(loc, name, body, records);
  }

  const pageRequests = new Limiter(config.pageRequestsPerWorker ?? DEFAULT_CONFIG.pageRequestsPerWorker ?? 64);
  return {
    ...createSessionActivities({ accounts, notifyUrl }),
    ...createPageActivities({ easFor, store, pageRequests }),
    ...createPollingActivities({ easFor }),
    ...createGstinListActivities({ store }),

    /** Local activity: the worker's tunables, recorded in history so replays see the same values. */
    async loadDownloadConfig(gstin?: string): Promise<DownloadConfig> {
      const indexed = typeof gstin === 'string' && gstin && gstinIndex ? gstinIndex(gstin.trim()) : undefined;
      return indexed !== undefined && indexed !== gstin ? { ...config, gstinIndex: indexed } : config;
    },

    async submitEinvoice(input: EinvoiceInput): Promise<string> {
      return (await easFor(input.gstin)).submitEinvoiceDownload(input);
    },

    async submitIms(gstin: string, section: string, status?: string): Promise<string> {
      return (await easFor(gstin)).submitImsDownload(gstin, section, status);
    },

    /** A task's status; a task that failed with GSTN's answer (no-data, …) says which, with the GSTN code. */
    async checkTask(taskId: string, gstin?: string): Promise<{ status: string; error?: string; outcome?: GstnAnswerOutcome; gstnCode?: string }> {
      const s = await (await easFor(gstin)).taskStatus(taskId);
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

    async countPages(taskId: string, gstin?: string): Promise<number> {
      return (await easFor(gstin)).taskPages(taskId);
    },

    /** Stores one IMS page; the result also carries the page's per-section counts (for the manifest). */
    async downloadImsPage(taskId: string, page: number, loc: DownloadLocation): Promise<PageFile> {
      const { body, data } = await (await easFor(loc.gstin)).taskPage(taskId, page);
      return { ...(await putFile(loc, pageName(page), body, imsPageRecords(data))), sections: imsPageSections(data) };
    },

    /** Brings the task's ZIP over (resumably), checks it, and stores result.json, every file-N.json and the ZIP. */
    async downloadEinvoiceResult(taskId: string, loc: DownloadLocation): Promise<EinvoiceResult> {
      return downloadEinvoiceResult({ eas: await easFor(loc.gstin), store, scratch, zipSegmentBytes }, taskId, loc);
    },

    /** The first GSTR-2B answer: the whole return, or its summary with the file count. */
    async fetchGstr2b(input: Gstr2bInput, loc: DownloadLocation): Promise<Gstr2bFirst> {
      const { body, data } = await (await easFor(input.gstin)).gstr2b(input.gstin, input.retPeriod);
      const fc = typeof data.data.fc === 'number' && !data.data.docdata ? data.data.fc : 0;
      const name = fc > 0 ? 'summary.json' : 'gstr2b.json';
      const file = await putFile(loc, name, body, fc > 0 ? 0 : sumCounts(gstr2bSections(data.data)));
      return { file, fileCount: fc, gendt: data.data.gendt };
    },

    async fetchGstr2bFile(input: Gstr2bInput, fileNum: number, loc: DownloadLocation): Promise<StoredFile> {
      const { body, data } = await (await easFor(input.gstin)).gstr2b(input.gstin, input.retPeriod, fileNum);
      return putFile(loc, `file-${fileNum}.json`, body, sumCounts(gstr2bSections(data.data)));
    },

    async fetchIrnDetails(gstin: string, irn: string, loc: DownloadLocation): Promise<StoredFile> {
      const { body } = await (await easFor(gstin)).irnDetails(gstin, irn);
      return putFile(loc, irnName(irn), body, 1);
    },

    ...gstr2bActivities(easFor, store),
    ...finishActivities(store),
  };
}

export type Activities = ReturnType<typeof createActivities>;
