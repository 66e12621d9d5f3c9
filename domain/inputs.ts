/**
 * The downloads' inputs (the public contract of the workflows) and their validation, shared by the client library,
 * the CLI and the workflows (which must stay deterministic: this module is pure — no I/O, no clock; "now" is
 * passed in). Shapes come from the zod schemas in ./schemas.ts; the rules that need a setting or the clock are
 * checked here after parsing. A change here changes how running downloads replay: put it behind `patched()`.
 */
import type { z } from 'zod';
import { GSTIN_FORMAT, RETURN_PERIOD_FORMAT, type ImsSection, type ImsStatus, type SupplyType } from './gst';
import { FIRST_RETURN_PERIOD, periodKey } from './periods';
import { einvoiceInputSchema, GSTIN_SHAPE, gstr2bInputSchema, imsInputSchema, irnInputSchema, PERIOD_SHAPE } from './schemas';

export { MAX_IRNS } from './schemas';

/** A bad input, naming the field. Never retried. */
export class InvalidInputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'InvalidInputError';
    this.field = field;
  }
}

export type GstinChecksumMode = 'strict' | 'off';

export interface ValidationOptions {
  /** `strict` (default) also checks the GSTIN check character; `off` checks the format only. */
  gstinChecksum?: GstinChecksumMode;
  /** The current time, for "not in the future" (workflows pass their deterministic clock). */
  now: Date;
}

const CHARSET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The GSTIN check character for the first 14 characters (GSTN's mod-36 scheme). */
export function gstinCheckChar(first14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const v = CHARSET.indexOf(first14[i]!);
    const p = v * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(p / 36) + (p % 36);
  }
  return CHARSET[(36 - (sum % 36)) % 36]!;
}

export function validateGstin(value: unknown, field: string, mode: GstinChecksumMode = 'strict'): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidInputError(field, 'a GSTIN is required');
  }
  const gstin = value.trim().toUpperCase();
  if (!GSTIN_FORMAT.test(gstin)) throw new InvalidInputError(field, `"${value}" ${GSTIN_SHAPE}`);
  if (mode === 'strict') {
    const expected = gstinCheckChar(gstin.slice(0, 14));
    if (gstin[14] !== expected) {
      throw new InvalidInputError(
        field,
        `"${gstin}" has a wrong check character (expected ${expected}); set GSTIN_CHECKSUM=off to allow it`,
      );
    }
  }
  return gstin;
}

export function validateReturnPeriod(value: unknown, field: string, now: Date): string {
  if (typeof value !== 'string' || !RETURN_PERIOD_FORMAT.test(value)) throw new InvalidInputError(field, `"${String(value)}" ${PERIOD_SHAPE}`);
  if (periodKey(value) < periodKey(FIRST_RETURN_PERIOD)) {
    throw new InvalidInputError(field, `${value} is before GST began (${FIRST_RETURN_PERIOD})`);
  }
  const current = now.getUTCFullYear() * 100 + (now.getUTCMonth() + 1);
  if (periodKey(value) > current) {
    throw new InvalidInputError(field, `${value} is in the future`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Parsing with a schema
// ---------------------------------------------------------------------------------------------

/** `irns[3]`, `gstins[0]`, `input` for the whole. */
function fieldName(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return 'input';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** Parses `input` with an object schema; the first problem becomes an InvalidInputError naming its field. */
export function parseInput<S extends z.ZodObject>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  // a misspelt field first: it explains the rest
  const unknown = r.error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    throw new InvalidInputError(String(unknown.keys[0]), `is not a known field (expected ${Object.keys(schema.shape).join(', ')})`);
  }
  const first = r.error.issues[0]!;
  throw new InvalidInputError(fieldName(first.path), first.message);
}

/** The GSTIN check character, where the setting asks for it (the shape is the schema's). */
function checked(gstin: string, field: string, opts: ValidationOptions): string {
  return validateGstin(gstin, field, opts.gstinChecksum ?? 'strict');
}

// ---------------------------------------------------------------------------------------------
// The four downloads' inputs (the public contract of the workflows)
// ---------------------------------------------------------------------------------------------

export interface EinvoiceInput {
  gstin: string;
  retPeriod: string;
  supplyType: SupplyType;
  supplierGstin?: string;
  recipientGstin?: string;
}

export interface ImsInput {
  gstin: string;
  section: ImsSection;
  status?: ImsStatus;
}

export interface Gstr2bInput {
  gstin: string;
  retPeriod: string;
}

export interface IrnInput {
  gstin: string;
  irns: string[];
}

export function validateEinvoiceInput(input: unknown, opts: ValidationOptions): EinvoiceInput {
  const o = parseInput(einvoiceInputSchema, input);
  const out: EinvoiceInput = {
    gstin: checked(o.gstin, 'gstin', opts),
    retPeriod: validateReturnPeriod(o.retPeriod, 'retPeriod', opts.now),
    supplyType: o.supplyType,
  };
  const supplier = o.supplierGstin === undefined ? undefined : checked(o.supplierGstin, 'supplierGstin', opts);
  const recipient = o.recipientGstin === undefined ? undefined : checked(o.recipientGstin, 'recipientGstin', opts);
  if (!supplier && !recipient) {
    throw new InvalidInputError('supplierGstin', 'one of supplierGstin or recipientGstin is required');
  }
  if (supplier) out.supplierGstin = supplier;
  if (recipient) out.recipientGstin = recipient;
  return out;
}

export function validateImsInput(input: unknown, opts: ValidationOptions): ImsInput {
  const o = parseInput(imsInputSchema, input);
  const out: ImsInput = { gstin: checked(o.gstin, 'gstin', opts), section: o.section };
  if (o.status !== undefined) out.status = o.status;
  return out;
}

export function validateGstr2bInput(input: unknown, opts: ValidationOptions): Gstr2bInput {
  const o = parseInput(gstr2bInputSchema, input);
  return { gstin: checked(o.gstin, 'gstin', opts), retPeriod: validateReturnPeriod(o.retPeriod, 'retPeriod', opts.now) };
}

export function validateIrnInput(input: unknown, opts: ValidationOptions): IrnInput {
  const o = parseInput(irnInputSchema, input);
  return { gstin: checked(o.gstin, 'gstin', opts), irns: [...new Set(o.irns)] };
}
