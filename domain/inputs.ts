/**
 * The downloads' inputs (the public contract of the workflows) and their validation, shared by the client library,
 * the CLI and the workflows (which must stay deterministic: this module is pure — no I/O, no clock; "now" is
 * passed in). A change here changes how running downloads replay: put it behind `patched()` in the workflow.
 */
import {
  GSTIN_FORMAT,
  IMS_SECTIONS,
  IMS_STATUSES,
  IRN_FORMAT,
  RETURN_PERIOD_FORMAT,
  SUPPLY_TYPES,
  type ImsSection,
  type ImsStatus,
  type SupplyType,
} from './gst';
import { FIRST_RETURN_PERIOD, periodKey } from './periods';

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
  if (!GSTIN_FORMAT.test(gstin)) {
    throw new InvalidInputError(
      field,
      `"${value}" is not a GSTIN (15 characters: 2-digit state code, PAN, entity number, Z, check character)`,
    );
  }
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
  if (typeof value !== 'string' || !RETURN_PERIOD_FORMAT.test(value)) {
    throw new InvalidInputError(field, `"${String(value)}" is not a return period MMYYYY (month 01-12), e.g. 082023`);
  }
  if (periodKey(value) < periodKey(FIRST_RETURN_PERIOD)) {
    throw new InvalidInputError(field, `${value} is before GST began (${FIRST_RETURN_PERIOD})`);
  }
  const current = now.getUTCFullYear() * 100 + (now.getUTCMonth() + 1);
  if (periodKey(value) > current) {
    throw new InvalidInputError(field, `${value} is in the future`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  const v = typeof value === 'string' ? value.trim().toUpperCase() : value;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new InvalidInputError(field, `"${String(value)}" is not one of ${allowed.join(', ')}`);
  }
  return v as T;
}

export function validateIrn(value: unknown, field: string): string {
  if (typeof value !== 'string' || !IRN_FORMAT.test(value.trim())) {
    throw new InvalidInputError(field, `"${String(value)}" is not an IRN (64 hexadecimal characters)`);
  }
  return value.trim().toLowerCase();
}

/** The input as a plain object, or an InvalidInputError for anything else. */
export function asObject(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidInputError('input', 'must be a JSON object');
  }
  return input as Record<string, unknown>;
}

/** Refuses a field the input type does not know (a misspelt field is an error, not silently ignored). */
export function rejectUnknown(obj: Record<string, unknown>, known: string[]): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) throw new InvalidInputError(k, `is not a known field (expected ${known.join(', ')})`);
  }
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

/** The most IRNs one getIrnDetails download takes. */
export const MAX_IRNS = 1000;

function optionalGstin(v: unknown, field: string, mode: GstinChecksumMode): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : validateGstin(v, field, mode);
}

export function validateEinvoiceInput(input: unknown, opts: ValidationOptions): EinvoiceInput {
  const o = asObject(input);
  rejectUnknown(o, ['gstin', 'retPeriod', 'supplyType', 'supplierGstin', 'recipientGstin']);
  const mode = opts.gstinChecksum ?? 'strict';
  const out: EinvoiceInput = {
    gstin: validateGstin(o.gstin, 'gstin', mode),
    retPeriod: validateReturnPeriod(o.retPeriod, 'retPeriod', opts.now),
    supplyType: oneOf(o.supplyType, 'supplyType', SUPPLY_TYPES),
  };
  const supplier = optionalGstin(o.supplierGstin, 'supplierGstin', mode);
  const recipient = optionalGstin(o.recipientGstin, 'recipientGstin', mode);
  if (!supplier && !recipient) {
    throw new InvalidInputError('supplierGstin', 'one of supplierGstin or recipientGstin is required');
  }
  if (supplier) out.supplierGstin = supplier;
  if (recipient) out.recipientGstin = recipient;
  return out;
}

export function validateImsInput(input: unknown, opts: ValidationOptions): ImsInput {
  const o = asObject(input);
  rejectUnknown(o, ['gstin', 'section', 'status']);
  const out: ImsInput = {
    gstin: validateGstin(o.gstin, 'gstin', opts.gstinChecksum ?? 'strict'),
    section: oneOf(o.section, 'section', IMS_SECTIONS),
  };
  if (o.status !== undefined && o.status !== null && o.status !== '') {
    out.status = oneOf(o.status, 'status', IMS_STATUSES);
  }
  return out;
}

export function validateGstr2bInput(input: unknown, opts: ValidationOptions): Gstr2bInput {
  const o = asObject(input);
  rejectUnknown(o, ['gstin', 'retPeriod']);
  return {
    gstin: validateGstin(o.gstin, 'gstin', opts.gstinChecksum ?? 'strict'),
    retPeriod: validateReturnPeriod(o.retPeriod, 'retPeriod', opts.now),
  };
}

export function validateIrnInput(input: unknown, opts: ValidationOptions): IrnInput {
  const o = asObject(input);
  rejectUnknown(o, ['gstin', 'irns']);
  const gstin = validateGstin(o.gstin, 'gstin', opts.gstinChecksum ?? 'strict');
  if (!Array.isArray(o.irns) || o.irns.length === 0) {
    throw new InvalidInputError('irns', 'a non-empty list of IRNs is required');
  }
  if (o.irns.length > MAX_IRNS) {
    throw new InvalidInputError('irns', `at most ${MAX_IRNS} IRNs per download (got ${o.irns.length})`);
  }
  const irns = o.irns.map((irn, i) => validateIrn(irn, `irns[${i}]`));
  return { gstin, irns: [...new Set(irns)] };
}
