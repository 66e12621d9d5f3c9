/** E-invoice download: result.json plus `file-N.json` arrays of IRN-list rows (docs/eas-contract.md). */
import { EINVOICE_ZIP, type SupplyType } from '../eas/contract';
import { amounts, dayInPeriod, hexOf, makeGstin, otherState, parsePeriod, pad2, stateOf } from './data';
import { rngFor } from './rng';
import { SEEDS, seedEinvoiceFiles } from './seeds';
import type { SandboxSizes } from './types';
import type { ZipEntry } from './zip';

export interface EinvoiceKey {
  gstin: string;
  retPeriod: string;
  supplyType: SupplyType;
  supplierGstin?: string;
  recipientGstin?: string;
}

const EXPORTS: readonly string[] = ['EXPWP', 'EXPWOP'];

export function einvoiceRow(seed: number, k: EinvoiceKey, file: number, i: number): Record<string, unknown> {
  const r = rngFor(seed, 'einv', k.gstin, k.retPeriod, k.supplyType, k.supplierGstin ?? '', k.recipientGstin ?? '', file, i);
  const own = k.supplierGstin ?? k.recipientGstin ?? k.gstin;
  const sameState = r.chance(0.6);
  const other = makeGstin(r, sameState ? stateOf(own) : otherState(r, stateOf(own)));
  const stin = k.supplierGstin ?? other;
  let rtin = k.recipientGstin ?? other;
  if (EXPORTS.includes(k.supplyType) && !k.recipientGstin) rtin = 'URP';
  const withoutTax = k.supplyType.endsWith('WOP');
  const inter = k.supplyType !== 'B2B' && k.supplyType !== 'DEXP' ? true : stateOf(stin) !== stateOf(rtin);
  const a = amounts(r, inter, withoutTax ? 0 : undefined);
  const docTyp = r.chance(0.85) ? 'INV' : r.pick(['CRN', 'DBN']);
  const [dd, mm, yyyy] = dayInPeriod(r, k.retPeriod).split('-');
  const { year } = parsePeriod(k.retPeriod);
  return {
    Irn: hexOf(r, 64),
    AckNo: Number(`${String(year).slice(2)}${r.int(1, 9)}${String(r.int(0, 999_999_999_999)).padStart(12, '0')}`),
    AckDt: `${yyyy}-${mm}-${dd} ${pad2(r.int(8, 20))}:${pad2(r.int(0, 59))}:00`,
    DocTyp: docTyp,
    DocNo: `${docTyp}/${k.retPeriod}/${file}-${String(i + 1).padStart(6, '0')}`,
    DocDt: `${dd}/${mm}/${yyyy}`,
    SupplyType: k.supplyType,
    stin,
    rtin,
    TotInvVal: a.val,
    AssVal: a.txval,
    IgstVal: a.igst,
    CgstVal: a.cgst,
    SgstVal: a.sgst,
    CesVal: a.cess,
    Status: r.chance(0.95) ? 'ACT' : 'CNL',
  };
}

/** `file-N.json` as chunks of a JSON array, so big files never sit in memory whole. */
function* fileChunks(seed: number, k: EinvoiceKey, file: number, rows: number): Iterable<Buffer> {
  const step = 500;
  yield Buffer.from('[');
  for (let start = 0; start < rows; start += step) {
    const parts: string[] = [];
    for (let i = start; i < Math.min(rows, start + step); i++) parts.push(JSON.stringify(einvoiceRow(seed, k, file, i)));
    yield Buffer.from((start > 0 ? ',' : '') + parts.join(','));
  }
  yield Buffer.from(']');
}

function resultJson(files: string[]): unknown {
  return {
    status: '1',
    data: files.map((f) => ({ status: '1', data: f, error: null, info: null, additionalInfo: null, alert: null })),
    error: null,
    info: null,
    additionalInfo: null,
    alert: null,
  };
}

/** The ZIP's entries, in order: result.json, then file-1.json … file-N.json. */
export function einvoiceEntries(seed: number, k: EinvoiceKey, sizes: SandboxSizes): ZipEntry[] {
  const isSeed = k.gstin === SEEDS.einvoice.gstin && k.retPeriod === SEEDS.einvoice.retPeriod;
  const files = isSeed
    ? seedEinvoiceFiles()
    : Array.from({ length: sizes.einvoiceFiles }, (_, i) => EINVOICE_ZIP.dataFile(i + 1));
  const result = Buffer.from(JSON.stringify(isSeed ? SEEDS.einvoice.result : resultJson(files)));
  const rows = sizes.einvoiceRecordsPerFile;
  return [
    { name: EINVOICE_ZIP.resultFile, records: 0, chunks: () => [result] },
    ...files.map((name, i) => ({ name, records: rows, chunks: () => fileChunks(seed, k, i + 1, rows) })),
  ];
}

export function einvoiceCacheKey(seed: number, k: EinvoiceKey, sizes: SandboxSizes): string {
  return JSON.stringify([seed, k.gstin, k.retPeriod, k.supplyType, k.supplierGstin, k.recipientGstin, sizes.einvoiceFiles, sizes.einvoiceRecordsPerFile]);
}
