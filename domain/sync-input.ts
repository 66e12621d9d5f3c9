/**
 * The monthly sync's input (the public contract of `syncReturnPeriod`) and its validation. Pure: shared by the
 * client library, the CLI and the workflow.
 */
import { IMS_SECTIONS, SUPPLY_TYPES, type ImsSection, type SupplyType } from './gst';
import { asObject, InvalidInputError, rejectUnknown, validateGstin, validateReturnPeriod, type ValidationOptions } from './inputs';

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
