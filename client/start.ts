import { Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { TypedSearchAttributes as TypedSearchAttributesClass, type TypedSearchAttributes } from '@temporalio/common';
import {
  validateEinvoiceInput,
  validateGstr2bInput,
  validateImsInput,
  validateIrnInput,
  type EinvoiceInput,
  type Gstr2bInput,
  type ImsInput,
  type IrnInput,
  type ValidationOptions,
} from '../domain/inputs';
import { TASK_QUEUE_DEFAULT } from '../domain/config';
import type { downloadEinvoices, downloadGstr2b, downloadImsInvoices, getIrnDetails } from '../workflows';
import { GstDownloadKind, GstGstin, GstReturnPeriod, GstStage } from '../workflows/search-attributes';
import { workflowIds } from '../domain/ids';
import { gstinIndexFromEnv } from '../temporal/search-index';
import { answersStart, type Catalogue, type CatalogueEntry } from './catalogue';

export interface StartOptions {
  taskQueue?: string;
  /** GSTIN check character: `strict` (default, or GSTIN_CHECKSUM) or `off`. */
  gstinChecksum?: 'strict' | 'off';
  /** Override the deterministic id (tests, backfills). */
  workflowId?: string;
  now?: Date;
  /**
   * The catalogue to consult first (catalogueFromEnv() reads DATA_DIR): a completed download of the same inputs is
   * returned as existing, with its entry, and nothing is started.
   */
  catalogue?: Catalogue;
  /** Download again even if the catalogue or Temporal has it (GSTR-2B: finds a new generation, or writes nothing). */
  refresh?: boolean;
}

export interface Started<W extends Workflow> {
  handle: WorkflowHandle<W>;
  workflowId: string;
  /** True when this download was already running or done, and nothing new was started. */
  existing: boolean;
  /** Set when the catalogue answered: the completed download (its workflow may be gone from Temporal). */
  catalogued?: CatalogueEntry;
}

/** Validation settings for a start: the caller's, else GSTIN_CHECKSUM from the environment (strict by default). */
export function validationOptions(o: Pick<StartOptions, 'gstinChecksum' | 'now'>): ValidationOptions {
  const env = (process.env.GSTIN_CHECKSUM ?? 'strict').toLowerCase();
  return { gstinChecksum: o.gstinChecksum ?? (env === 'off' ? 'off' : 'strict'), now: o.now ?? new Date() };
}

async function start<W extends Workflow>(
  client: Client,
  type: string,
  workflowId: string,
  input: object,
  attrs: TypedSearchAttributes | undefined,
  o: StartOptions,
): Promise<Started<W>> {
  const taskQueue = o.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? TASK_QUEUE_DEFAULT;
  const gstin = (input as { gstin: string }).gstin;
  const known = o.catalogue && !o.refresh ? await o.catalogue.get(gstin, workflowId) : undefined;
  if (answersStart(known)) return { handle: client.workflow.getHandle<W>(workflowId), workflowId, existing: true, catalogued: known };
  try {
    // FAIL on a running execution and refuse to rerun a completed one: either way the caller learns the
    // download exists and gets its handle; only a failed or terminated download may run again.
    const handle = (await client.workflow.start(type, {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      // refresh, or a download that ended not-generated: a closed run of this id may run again
      workflowIdReusePolicy: o.refresh || known ? 'ALLOW_DUPLICATE' : 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: attrs,
      // What the Web UI shows at the top of the download (fixed for its lifetime; no secrets in inputs).
      staticSummary: summaryLine(type, input),
      staticDetails: '```json\n' + JSON.stringify(input, null, 2) + '\n```',
    })) as WorkflowHandle<W>;
    return { handle, workflowId, existing: false };
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) {
      return { handle: client.workflow.getHandle<W>(workflowId), workflowId, existing: true };
    }
    throw e;
  }
}

const TITLES: Record<string, string> = {
  downloadEinvoices: 'E-invoices',
  downloadImsInvoices: 'IMS invoices',
  downloadGstr2b: 'GSTR-2B',
  getIrnDetails: 'IRN details',
};

/** One line for the Web UI: what is downloaded, for whom, for when. */
export function summaryLine(type: string, input: object): string {
  const i = input as Record<string, unknown>;
  const parts = [TITLES[type] ?? type, String(i.gstin ?? '')];
  if (i.retPeriod) parts.push(`period ${String(i.retPeriod)}`);
  if (i.supplyType) parts.push(String(i.supplyType));
  if (i.section) parts.push(`section ${String(i.section)}${i.status ? `/${String(i.status)}` : ''}`);
  if (Array.isArray(i.irns)) parts.push(`${i.irns.length} IRN${i.irns.length === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

function attributes(kind: string, gstin: string, retPeriod?: string): TypedSearchAttributes {
  const pairs = [
    { key: GstGstin, value: gstinIndexFromEnv()(gstin) },
    { key: GstDownloadKind, value: kind },
    { key: GstStage, value: 'SUBMITTED' },
    ...(retPeriod ? [{ key: GstReturnPeriod, value: retPeriod }] : []),
  ];
  return new TypedSearchAttributesClass(pairs);
}

export async function startEinvoiceDownload(client: Client, raw: EinvoiceInput, o: StartOptions = {}) {
  const input = validateEinvoiceInput(raw, validationOptions(o));
  const id = o.workflowId ?? workflowIds.einvoice(input);
  return start<typeof downloadEinvoices>(client, 'downloadEinvoices', id, input, attributes('einvoice', input.gstin, input.retPeriod), o);
}

export async function startImsDownload(client: Client, raw: ImsInput, o: StartOptions = {}) {
  const input = validateImsInput(raw, validationOptions(o));
  const id = o.workflowId ?? workflowIds.ims(input, (o.now ?? new Date()).getTime());
  return start<typeof downloadImsInvoices>(client, 'downloadImsInvoices', id, input, attributes('ims', input.gstin), o);
}

export async function startGstr2bDownload(client: Client, raw: Gstr2bInput, o: StartOptions = {}) {
  const input = validateGstr2bInput(raw, validationOptions(o));
  const id = o.workflowId ?? workflowIds.gstr2b(input);
  return start<typeof downloadGstr2b>(client, 'downloadGstr2b', id, input, attributes('gstr2b', input.gstin, input.retPeriod), o);
}

export async function startIrnDetails(client: Client, raw: IrnInput, o: StartOptions = {}) {
  const input = validateIrnInput(raw, validationOptions(o));
  const id = o.workflowId ?? workflowIds.irn(input);
  return start<typeof getIrnDetails>(client, 'getIrnDetails', id, input, attributes('irn', input.gstin), o);
}
