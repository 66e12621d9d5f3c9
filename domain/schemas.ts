/**
 * The workflows' inputs as zod schemas: the one description of each input's shape, from which both the validation
 * (domain/inputs.ts, domain/sync-input.ts) and the published JSON Schemas (docs/schemas/, `npm run schemas`) come.
 * Shapes here; rules that need more than the value itself (the GSTIN check character under a setting, a period
 * "not in the future" against the workflow clock, "one of two counterparties") are checked after parsing.
 *
 * Normalisation (trimming, case, blanks as absent) is part of the schema (`z.preprocess`), so the JSON Schemas show
 * the normalised form a caller should send; a caller may also send the loose forms the preprocessors accept.
 */
import { z } from 'zod';
import { GSTIN_FORMAT, IMS_SECTIONS, IMS_STATUSES, IRN_FORMAT, RETURN_PERIOD_FORMAT, SUPPLY_TYPES } from './gst';

/** The most IRNs one getIrnDetails download takes. */
export const MAX_IRNS = 1000;

/** Kinds a sync can run. gstr2b and einvoice are per return period; ims is a snapshot of the day (no period). */
export const SYNC_KINDS = ['gstr2b', 'einvoice', 'ims'] as const;
/** Which side of the e-invoices to download for each GSTIN: as recipient (inward, default), supplier, or both. */
export const EINVOICE_ROLES = ['recipient', 'supplier', 'both'] as const;
/** GSTINs given in the input itself (they are recorded in history with it). */
export const MAX_SYNC_GSTINS = 1000;
/** GSTINs in a list the sync reads from the store (`gstinsRef`), a few hundred at a time. */
export const MAX_SYNC_LIST_GSTINS = 100_000;
/** Child downloads in flight at once (the sliding window). */
export const MAX_SYNC_CONCURRENCY = 64;
export const DEFAULT_SYNC_CONCURRENCY = 4;
/** A store reference: folder/…/file, each part letters, digits, `.`, `_`, `-` (no `.` or `..` parts). */
export const STORE_REF_FORMAT = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

const show = (v: unknown) => `"${String(v)}"`;
const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
const upper = (v: unknown) => (typeof v === 'string' ? v.trim().toUpperCase() : v);
const lower = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);
const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
/** An optional value: absent, null or '' mean "not given". */
const optional = <T extends z.ZodType>(schema: T, norm: (v: unknown) => unknown = (v) => v) =>
  z.preprocess((v) => (blank(v) ? undefined : norm(v)), schema.optional());

export const GSTIN_SHAPE =
  'is not a GSTIN (15 characters: 2-digit state code, PAN, entity number, Z, check character)';
export const PERIOD_SHAPE = 'is not a return period MMYYYY (month 01-12), e.g. 082023';

const gstinString = z
  .string({ error: 'a GSTIN is required' })
  .min(1, { error: 'a GSTIN is required' })
  .regex(GSTIN_FORMAT, { error: (iss) => `${show(iss.input)} ${GSTIN_SHAPE}` })
  .meta({ description: 'GSTIN: 2-digit state code, PAN, entity number, Z, check character', examples: ['27AAPFU0939F1ZV'] });
export const gstin = z.preprocess(upper, gstinString);

export const retPeriod = z
  .string({ error: (iss) => `${show(iss.input)} ${PERIOD_SHAPE}` })
  .regex(RETURN_PERIOD_FORMAT, { error: (iss) => `${show(iss.input)} ${PERIOD_SHAPE}` })
  .meta({ description: 'Return period MMYYYY (not before 072017, not in the future)', examples: ['082023'] });

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (iss) => `${show(iss.input)} is not one of ${values.join(', ')}` });

const irn = z.preprocess(
  lower,
  z.string().regex(IRN_FORMAT, { error: (iss) => `${show(iss.input)} is not an IRN (64 hexadecimal characters)` }).meta({ description: 'IRN: 64 hexadecimal characters' }),
);

/** Objects refuse a field they do not know: a misspelt field is an error, not silently ignored. */
const strict = <S extends z.ZodRawShape>(shape: S) => z.object(shape, { error: 'must be a JSON object' }).strict();

export const einvoiceInputSchema = strict({
  gstin,
  retPeriod,
  supplyType: z.preprocess(upper, oneOf(SUPPLY_TYPES)),
  supplierGstin: optional(gstinString, upper),
  recipientGstin: optional(gstinString, upper),
}).meta({ title: 'downloadEinvoices input', description: 'E-invoices of one return period; one of supplierGstin or recipientGstin is required.' });

export const imsInputSchema = strict({
  gstin,
  section: z.preprocess(upper, oneOf(IMS_SECTIONS)),
  status: optional(oneOf(IMS_STATUSES), upper),
}).meta({ title: 'downloadImsInvoices input', description: 'IMS invoices of one section (optionally one status), as of today.' });

export const gstr2bInputSchema = strict({ gstin, retPeriod }).meta({ title: 'downloadGstr2b input', description: 'GSTR-2B of one return period.' });

export const irnInputSchema = strict({
  gstin,
  irns: z
    .array(irn, { error: 'a non-empty list of IRNs is required' })
    .min(1, { error: 'a non-empty list of IRNs is required' })
    .max(MAX_IRNS, { error: (iss) => `at most ${MAX_IRNS} IRNs per download (got ${(iss.input as unknown[]).length})` }),
}).meta({ title: 'getIrnDetails input', description: `Details of 1 to ${MAX_IRNS} IRNs (duplicates are dropped).` });

/** A list given as an array or a comma-separated string, each item trimmed and cased, blanks and duplicates dropped. */
const listOf = <T extends z.ZodType>(item: T, norm: (v: unknown) => unknown, absentIsEmpty = false) =>
  z.preprocess(
    (v) => {
      const raw = typeof v === 'string' ? v.split(',') : absentIsEmpty && (v === undefined || v === null) ? [] : v;
      if (!Array.isArray(raw)) return raw;
      const items = raw.map((x) => (typeof x === 'string' ? norm(x) : x)).filter((x) => x !== '');
      return [...new Set(items)];
    },
    z.array(item, { error: 'must be a list' }),
  );

export const syncInputSchema = strict({
  gstins: listOf(gstinString, upper, true).meta({ description: `GSTINs to sync (1 to ${MAX_SYNC_GSTINS}); an array or a comma-separated string. Or, instead, gstinsRef` }),
  gstinsRef: optional(
    z.string().regex(STORE_REF_FORMAT, { error: (iss) => `${show(iss.input)} is not a store reference (folder/file.txt: letters, digits, . _ -)` }),
    trimmed,
  ).meta({ description: `A list of GSTINs in the store (one per line, # comments; up to ${MAX_SYNC_LIST_GSTINS}), e.g. lists/acme.txt under DATA_DIR`, examples: ['lists/acme.txt'] }),
  kinds: optional(listOf(z.string(), lower), undefined).meta({ description: `Kinds to download: ${SYNC_KINDS.join(', ')} (default gstr2b, einvoice)` }),
  retPeriod: optional(retPeriod, trimmed),
  supplyType: optional(oneOf(SUPPLY_TYPES), upper),
  einvoiceAs: optional(oneOf(EINVOICE_ROLES), lower),
  imsSections: optional(listOf(oneOf(IMS_SECTIONS), upper)),
  concurrency: optional(
    z
      .number({ error: (iss) => `${show(iss.input)} is not a whole number from 1 to ${MAX_SYNC_CONCURRENCY}` })
      .int({ error: (iss) => `${show(iss.input)} is not a whole number from 1 to ${MAX_SYNC_CONCURRENCY}` })
      .min(1, { error: (iss) => `${show(iss.input)} is not a whole number from 1 to ${MAX_SYNC_CONCURRENCY}` })
      .max(MAX_SYNC_CONCURRENCY, { error: (iss) => `${show(iss.input)} is not a whole number from 1 to ${MAX_SYNC_CONCURRENCY}` }),
  ),
  refreshGstr2b: optional(z.boolean({ error: (iss) => `${show(iss.input)} is not true or false` })).meta({
    description: 'Download the period\'s GSTR-2B again even if done: a regenerated 2B is kept as a new generation (default false)',
  }),
}).meta({ title: 'syncReturnPeriod input', description: "One return period's downloads for a set of GSTINs, as child workflows." });

export const sessionInputSchema = strict({
  gstin,
  carry: z
    .object({}, { error: 'must be a JSON object' })
    .passthrough()
    .optional()
    .meta({ description: 'Internal: the state a run hands to the next (continue-as-new). Leave it out.' }),
}).meta({
  title: 'gstnSession input',
  description: 'The GSTN session of one GSTIN (workflow id gstn-session-<GSTIN>); started by downloads with signal-with-start (gstnSessionNeeded).',
});

/** Every workflow input's schema, by workflow type (the published contract). */
export const INPUT_SCHEMAS = {
  downloadEinvoices: einvoiceInputSchema,
  downloadImsInvoices: imsInputSchema,
  downloadGstr2b: gstr2bInputSchema,
  getIrnDetails: irnInputSchema,
  syncReturnPeriod: syncInputSchema,
  gstnSession: sessionInputSchema,
} as const;
