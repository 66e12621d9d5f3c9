/**
 * The monthly sync's input (the public contract of `syncReturnPeriod`) and its validation. Pure: shared by the
 * client library, the CLI and the workflow. The shape is `syncInputSchema` (./schemas.ts).
 */
import { IMS_SECTIONS, type ImsSection, type SupplyType } from './gst';
import { InvalidInputError, parseInput, validateGstin, validateReturnPeriod, type ValidationOptions } from './inputs';
import { DEFAULT_SYNC_CONCURRENCY, EINVOICE_ROLES, MAX_SYNC_GSTINS, SYNC_KINDS, syncInputSchema } from './schemas';

export { DEFAULT_SYNC_CONCURRENCY, EINVOICE_ROLES, MAX_SYNC_CONCURRENCY, MAX_SYNC_GSTINS, MAX_SYNC_LIST_GSTINS, STORE_REF_FORMAT, SYNC_KINDS } from './schemas';

export type SyncKind = (typeof SYNC_KINDS)[number];
/** The default: the two per-period downloads. IMS has no period, so a monthly run of it is opt-in. */
export const DEFAULT_SYNC_KINDS: SyncKind[] = ['gstr2b', 'einvoice'];
export type EinvoiceRole = (typeof EINVOICE_ROLES)[number];

export interface SyncInput {
  /** The GSTINs (at most MAX_SYNC_GSTINS); or, instead, `gstinsRef`. */
  gstins?: string[];
  /** A list of GSTINs in the store (one per line, `#` comments allowed), e.g. `lists/acme.txt` under DATA_DIR. */
  gstinsRef?: string;
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
  /** gstr2b: download the period's 2B again even if done (a regenerated 2B is kept as a new generation). */
  refreshGstr2b?: boolean;
}

/** A validated sync input: every option filled in except retPeriod. */
export interface SyncPlan {
  /** Empty when the GSTINs come from `gstinsRef`. */
  gstins: string[];
  gstinsRef?: string;
  kinds: SyncKind[];
  retPeriod?: string;
  supplyType: SupplyType;
  einvoiceAs: EinvoiceRole;
  imsSections: ImsSection[];
  concurrency: number;
  refreshGstr2b?: boolean;
}

function syncKinds(kinds: string[] | undefined): SyncKind[] {
  if (kinds === undefined) return [...DEFAULT_SYNC_KINDS];
  if (kinds.length === 0) throw new InvalidInputError('kinds', `at least one kind is required (${SYNC_KINDS.join(', ')})`);
  for (const k of kinds) {
    if (!(SYNC_KINDS as readonly string[]).includes(k)) {
      const hint = k === 'irn' ? ' (IRN details are fetched per list of IRNs, not per period)' : '';
      throw new InvalidInputError('kinds', `"${k}" is not a kind a sync runs; expected ${SYNC_KINDS.join(', ')}${hint}`);
    }
  }
  return kinds as SyncKind[];
}

/** Validates a sync input (pure: shared by the client library, the CLI and the workflow). */
export function validateSyncInput(input: unknown, opts: ValidationOptions): SyncPlan {
  const o = parseInput(syncInputSchema, input);
  const mode = opts.gstinChecksum ?? 'strict';
  const gstins = o.gstins.map((g, i) => validateGstin(g, `gstins[${i}]`, mode));
  if (o.gstinsRef !== undefined) {
    if (gstins.length > 0) throw new InvalidInputError('gstinsRef', 'give either gstins or gstinsRef, not both');
  } else if (gstins.length === 0) throw new InvalidInputError('gstins', 'at least one GSTIN is required (or a list in the store: gstinsRef)');
  if (gstins.length > MAX_SYNC_GSTINS) {
    throw new InvalidInputError('gstins', `at most ${MAX_SYNC_GSTINS} GSTINs in the input (got ${gstins.length}); put the list in the store and pass gstinsRef`);
  }
  const plan: SyncPlan = {
    gstins,
    ...(o.gstinsRef !== undefined && { gstinsRef: o.gstinsRef }),
    kinds: syncKinds(o.kinds),
    supplyType: o.supplyType ?? 'B2B',
    einvoiceAs: o.einvoiceAs ?? 'recipient',
    imsSections: o.imsSections ?? [...IMS_SECTIONS],
    concurrency: o.concurrency ?? DEFAULT_SYNC_CONCURRENCY,
  };
  if (plan.imsSections.length === 0) throw new InvalidInputError('imsSections', `at least one section is required (${IMS_SECTIONS.join(', ')})`);
  if (o.refreshGstr2b) plan.refreshGstr2b = true;
  if (o.retPeriod !== undefined) plan.retPeriod = validateReturnPeriod(o.retPeriod, 'retPeriod', opts.now);
  return plan;
}
