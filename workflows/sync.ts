/**
 * The monthly sync: one return period's downloads for a set of GSTINs, each a CHILD workflow with the same
 * deterministic id the client library gives it (client/ids.ts), so a download already run — by hand, or by an
 * earlier sync — is not run again. A Temporal Schedule (client/schedules.ts) starts it once a month; without a
 * `retPeriod` it syncs the month before its SCHEDULED time in India, so a late, caught-up or backfilled run still
 * syncs the month it was meant for. See docs/schedules.md.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
  type SearchAttributePair,
} from '@temporalio/common';
import { IMS_SECTIONS, SUPPLY_TYPES, type ImsSection, type SupplyType } from '../eas/contract';
import {
  asObject,
  InvalidInputError,
  rejectUnknown,
  validateGstin,
  validateReturnPeriod,
  type EinvoiceInput,
  type Gstr2bInput,
  type ImsInput,
  type ValidationOptions,
} from '../eas/validation';
import { workflowIds } from '../client/ids';
import { fanOut, IST_OFFSET_MS, loadConfig, validated } from './common';
import { GstDownloadKind, GstGstin, GstReturnPeriod } from './search-attributes';
import type { DownloadSummary } from './types';

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/** Kinds a sync can run. gstr2b and einvoice are per return period; ims is a snapshot of the day (no period). */
export const SYNC_KINDS = ['gstr2b', 'einvoice', 'ims'] as const;
export type SyncKind = (typeof SYNC_KINDS)[number];
/** The default: the two per-period downloads. IMS has no period, so a monthly run of it is opt-in. */
export const DEFAULT_SYNC_KINDS: SyncKind[] = ['gstr2b', 'einvoice'];

/** Which side of the e-invoices to download for each GSTIN: as recipient (inward, default), supplier, or both. */
export const EINVOICE_ROLES = ['recipient', 'supplier', 'both'] as const;
export type EinvoiceRole = (typeof EINVOICE_ROLES)[number];

export const MAX_SYNC_GSTINS = 50;
export const MAX_SYNC_CONCURRENCY = 16;
export const DEFAULT_SYNC_CONCURRENCY = 4;

export interface SyncInput {
  gstins: string[];
  kinds?: SyncKind[];
  /** MMYYYY; absent → the month before the scheduled start time (or the start time) in India. */
  retPeriod?: string;
  /** einvoice: supply type (default B2B). */
  supplyType?: SupplyType;
  /** einvoice: the GSTIN's side (default recipient). */
  einvoiceAs?: EinvoiceRole;
  /** ims: sections (default all). */
  imsSections?: ImsSection[];
  /** Child downloads in flight at once (default 4). */
  concurrency?: number;
}

/** A validated sync input: every option filled in except retPeriod. */
export interface SyncPlan {
  gstins: string[];
  kinds: SyncKind[];
  retPeriod?: string;
  supplyType: SupplyType;
  einvoiceAs: EinvoiceRole;
  imsSections: ImsSection[];
  concurrency: number;
}

/** A list given as an array or a comma-separated string, trimmed, upper- or lower-cased, de-duplicated. */
function list(value: unknown, field: string, lower = false): string[] {
  const raw = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(raw)) throw new InvalidInputError(field, 'must be a list');
  const items = raw.map((v) => (typeof v === 'string' ? v.trim() : v));
  if (items.some((v) => typeof v !== 'string')) throw new InvalidInputError(field, 'must be a list of strings');
  const strs = (items as string[]).filter((v) => v !== '').map((v) => (lower ? v.toLowerCase() : v.toUpperCase()));
  return [...new Set(strs)];
}

function pick<T extends string>(value: string, field: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InvalidInputError(field, `"${value}" is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** An optional string option (absent, null or '' → the default); anything else that is not a string is kept as-is for the error. */
function text(value: unknown, dflt: string): string {
  if (value === undefined || value === null || value === '') return dflt;
  return typeof value === 'string' ? value.trim() : String(value);
}

const KNOWN_FIELDS = ['gstins', 'kinds', 'retPeriod', 'supplyType', 'einvoiceAs', 'imsSections', 'concurrency'];

/** Validates a sync input (pure: shared by the client library, the CLI and the workflow). */
export function validateSyncInput(input: unknown, opts: ValidationOptions): SyncPlan {
  const o = asObject(input);
  rejectUnknown(o, KNOWN_FIELDS);
  const mode = opts.gstinChecksum ?? 'strict';
  const gstins = list(o.gstins ?? [], 'gstins').map((g, i) => validateGstin(g, `gstins[${i}]`, mode));
  if (gstins.length === 0) throw new InvalidInputError('gstins', 'at least one GSTIN is required');
  if (gstins.length > MAX_SYNC_GSTINS) {
    throw new InvalidInputError('gstins', `at most ${MAX_SYNC_GSTINS} GSTINs per sync (got ${gstins.length}); split them over several schedules`);
  }
  const kinds = o.kinds === undefined || o.kinds === null ? [...DEFAULT_SYNC_KINDS] : list(o.kinds, 'kinds', true);
  if (kinds.length === 0) throw new InvalidInputError('kinds', `at least one kind is required (${SYNC_KINDS.join(', ')})`);
  for (const k of kinds) {
    if (!(SYNC_KINDS as readonly string[]).includes(k)) {
      const hint = k === 'irn' ? ' (IRN details are fetched per list of IRNs, not per period)' : '';
      throw new InvalidInputError('kinds', `"${k}" is not a kind a sync runs; expected ${SYNC_KINDS.join(', ')}${hint}`);
    }
  }
  const plan: SyncPlan = {
    gstins,
    kinds: kinds as SyncKind[],
    supplyType: pick(text(o.supplyType, 'B2B').toUpperCase(), 'supplyType', SUPPLY_TYPES),
    einvoiceAs: pick(text(o.einvoiceAs, 'recipient').toLowerCase(), 'einvoiceAs', EINVOICE_ROLES),
    imsSections: o.imsSections === undefined || o.imsSections === null ? [...IMS_SECTIONS] : list(o.imsSections, 'imsSections').map((s) => pick(s, 'imsSections', IMS_SECTIONS)),
    concurrency: DEFAULT_SYNC_CONCURRENCY,
  };
  if (plan.imsSections.length === 0) throw new InvalidInputError('imsSections', `at least one section is required (${IMS_SECTIONS.join(', ')})`);
  if (o.concurrency !== undefined && o.concurrency !== null) {
    const c = o.concurrency;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > MAX_SYNC_CONCURRENCY) {
      throw new InvalidInputError('concurrency', `"${String(c)}" is not a whole number from 1 to ${MAX_SYNC_CONCURRENCY}`);
    }
    plan.concurrency = c;
  }
  if (o.retPeriod !== undefined && o.retPeriod !== null && o.retPeriod !== '') {
    plan.retPeriod = validateReturnPeriod(o.retPeriod, 'retPeriod', opts.now);
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Periods in India (fixed +05:30: India has no daylight saving time)
// ---------------------------------------------------------------------------------------------

function period(year: number, month: number): string {
  return `${String(month).padStart(2, '0')}${year}`;
}

/** The return period (MMYYYY) of the month BEFORE the instant `ms`, as the calendar reads in India. */
export function previousPeriodIst(ms: number): string {
  const d = new Date(ms + IST_OFFSET_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  return m === 1 ? period(y - 1, 12) : period(y, m - 1);
}

/** The first instant (epoch ms) of the month after `retPeriod`, and the last one of that month, in India. */
export function monthAfterIst(retPeriod: string): { startMs: number; endMs: number } {
  const m = Number(retPeriod.slice(0, 2));
  const y = Number(retPeriod.slice(2));
  // Date.UTC rolls month 12 over to January of the next year.
  const startMs = Date.UTC(y, m, 1) - IST_OFFSET_MS;
  const endMs = Date.UTC(y, m + 1, 1) - IST_OFFSET_MS - 1;
  return { startMs, endMs };
}

/** Every period from `from` to `to`, inclusive, in order. */
export function periodsBetween(from: string, to: string): string[] {
  const key = (p: string) => Number(p.slice(2)) * 12 + Number(p.slice(0, 2)) - 1;
  const out: string[] = [];
  for (let k = key(from); k <= key(to); k++) out.push(period(Math.floor(k / 12), (k % 12) + 1));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The workflow
// ---------------------------------------------------------------------------------------------

export type SyncStatus = 'done' | 'already-done' | 'failed';

export interface SyncItem {
  gstin: string;
  kind: SyncKind;
  workflowId: string;
  status: SyncStatus;
  /** done: what the download returned. */
  records?: number;
  location?: string;
  /** failed: the download's error. */
  error?: string;
  errorType?: string;
}

export interface SyncResult {
  retPeriod: string;
  /** Where the period came from: the input, the schedule's scheduled time, or the workflow's start time. */
  periodFrom: 'input' | 'scheduled' | 'start';
  /** The instant the period was derived from (ISO), unless it came from the input. */
  referenceTime?: string;
  kinds: SyncKind[];
  gstins: string[];
  items: SyncItem[];
  done: number;
  alreadyDone: number;
  failed: number;
  failures: Array<{ workflowId: string; error: string }>;
  startedAt: string;
  finishedAt: string;
}

/** Set by the server on every workflow a Schedule starts: the nominal time of that action. */
const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The scheduled start time if a Schedule started this run, else the workflow's start time (both deterministic). */
function referenceTime(): { ms: number; from: 'scheduled' | 'start' } {
  const info = workflowInfo();
  let at: Date | undefined;
  try {
    at = info.typedSearchAttributes.get(TemporalScheduledStartTime);
  } catch {
    at = undefined;
  }
  if (!at) {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- older servers send the attribute untyped
    const raw = info.searchAttributes?.TemporalScheduledStartTime?.[0];
    if (raw !== undefined) at = new Date(raw as string);
  }
  if (at && !Number.isNaN(at.getTime())) return { ms: at.getTime(), from: 'scheduled' };
  return { ms: info.startTime.getTime(), from: 'start' };
}

interface ChildSpec {
  gstin: string;
  kind: SyncKind;
  type: string;
  workflowId: string;
  input: EinvoiceInput | Gstr2bInput | ImsInput;
  retPeriod?: string;
}

/** The child downloads of a sync, in a stable order (GSTIN, then kind). */
export function childSpecs(plan: SyncPlan, retPeriod: string, nowMs: number): ChildSpec[] {
  const out: ChildSpec[] = [];
  for (const gstin of plan.gstins) {
    for (const kind of plan.kinds) {
      if (kind === 'gstr2b') {
        const input: Gstr2bInput = { gstin, retPeriod };
        out.push({ gstin, kind, type: 'downloadGstr2b', workflowId: workflowIds.gstr2b(input), input, retPeriod });
      } else if (kind === 'einvoice') {
        const sides = plan.einvoiceAs === 'both' ? (['recipient', 'supplier'] as const) : [plan.einvoiceAs];
        for (const side of sides) {
          const input: EinvoiceInput = { gstin, retPeriod, supplyType: plan.supplyType };
          if (side === 'recipient') input.recipientGstin = gstin;
          else input.supplierGstin = gstin;
          out.push({ gstin, kind, type: 'downloadEinvoices', workflowId: workflowIds.einvoice(input), input, retPeriod });
        }
      } else {
        for (const section of plan.imsSections) {
          const input: ImsInput = { gstin, section };
          out.push({ gstin, kind, type: 'downloadImsInvoices', workflowId: workflowIds.ims(input, nowMs), input });
        }
      }
    }
  }
  return out;
}

async function runChild(spec: ChildSpec): Promise<SyncItem> {
  const item = { gstin: spec.gstin, kind: spec.kind, workflowId: spec.workflowId };
  const attrs: SearchAttributePair[] = [
    { key: GstGstin, value: spec.gstin },
    { key: GstDownloadKind, value: spec.kind },
  ];
  if (spec.retPeriod) attrs.push({ key: GstReturnPeriod, value: spec.retPeriod });
  try {
    const summary = await executeChild<(i: unknown) => Promise<DownloadSummary>>(spec.type, {
      workflowId: spec.workflowId,
      args: [spec.input],
      // As the client library: a running or completed download with this id is not started again; only a failed,
      // terminated or timed-out one runs again. Closing the sync terminates its children (the default).
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: attrs,
    });
    return { ...item, status: 'done', records: summary.records, location: summary.location };
  } catch (e) {
    if (isCancellation(e)) throw e;
    if (e instanceof WorkflowExecutionAlreadyStartedError) return { ...item, status: 'already-done' };
    // ChildWorkflowFailure → (ActivityFailure →) the failure that says what went wrong
    let cause: unknown = e;
    while ((cause instanceof ChildWorkflowFailure || cause instanceof ActivityFailure) && cause.cause) cause = cause.cause;
    const error = cause instanceof Error ? cause.message : String(cause);
    const errorType = cause instanceof ApplicationFailure ? cause.type ?? undefined : cause instanceof Error ? cause.name : undefined;
    return { ...item, status: 'failed', error, ...(errorType ? { errorType } : {}) };
  }
}

/** Runs every spec with at most `limit` in flight; results in spec order. A failed child never stops the others. */
async function runAll(specs: ChildSpec[], limit: number): Promise<SyncItem[]> {
  const results: SyncItem[] = new Array(specs.length);
  // runChild reports a failed download in its item; only a cancellation throws, and that stops the sync
  await fanOut(0, specs.length - 1, limit, async (i) => void (results[i] = await runChild(specs[i]!)), () => false);
  return results;
}

/**
 * Syncs one return period for a set of GSTINs. Completes with a per-download report (done / already-done /
 * failed) even when some downloads failed; fails only on bad input (non-retryable `InvalidInput`).
 */
export async function syncReturnPeriod(raw: SyncInput): Promise<SyncResult> {
  const cfg = await loadConfig();
  const startedAt = new Date(Date.now()).toISOString();
  const plan = validated((o) => validateSyncInput(raw, o), cfg);
  const ref = plan.retPeriod ? undefined : referenceTime();
  const retPeriod = plan.retPeriod ?? validated((o) => validateReturnPeriod(previousPeriodIst(ref!.ms), 'retPeriod', o.now), cfg);

  const attrs: SearchAttributePair[] = [
    { key: GstReturnPeriod, value: retPeriod },
    { key: GstDownloadKind, value: 'sync' },
  ];
  if (plan.gstins.length === 1) attrs.push({ key: GstGstin, value: plan.gstins[0]! });
  upsertSearchAttributes(attrs);

  const items = await runAll(childSpecs(plan, retPeriod, Date.now()), plan.concurrency);
  const failed = items.filter((i) => i.status === 'failed');
  return {
    retPeriod,
    periodFrom: ref ? ref.from : 'input',
    ...(ref ? { referenceTime: new Date(ref.ms).toISOString() } : {}),
    kinds: plan.kinds,
    gstins: plan.gstins,
    items,
    done: items.filter((i) => i.status === 'done').length,
    alreadyDone: items.filter((i) => i.status === 'already-done').length,
    failed: failed.length,
    failures: failed.map((i) => ({ workflowId: i.workflowId, error: i.error ?? 'failed' })),
    startedAt,
    finishedAt: new Date(Date.now()).toISOString(),
  };
}
