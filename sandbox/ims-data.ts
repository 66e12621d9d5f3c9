/** IMS invoices: records generated per (GSTIN, section, index), filtered by status, cut into pages. */
import { okEnvelope, type ImsSection, type ImsStatus } from '../eas/contract';
import { amounts, dayInPeriod, makeGstin, otherState, stateOf, type Amounts } from './data';
import { rngFor, sha256Hex } from './rng';
import { SEEDS } from './seeds';
import type { SandboxSizes } from './types';

export interface ImsKey {
  gstin: string;
  section: ImsSection;
  status?: ImsStatus;
}

const ACTIONS: readonly ImsStatus[] = ['A', 'R', 'P', 'N'];
const PERIODS = ['102024', '112024', '122024', '012025', '022025', '032025'];

function isSeed(k: ImsKey): boolean {
  return k.gstin === SEEDS.ims.gstin && k.section === SEEDS.ims.section;
}

/** One record; its first draw is its action, so the status filter needs no full generation. */
export function imsRecord(seed: number, k: ImsKey, i: number): Record<string, unknown> {
  const r = rngFor(seed, 'ims', k.gstin, k.section, i);
  const action = r.pick(ACTIONS);
  const s = k.section;
  const isNote = s.startsWith('B2BDN') || s.startsWith('B2BCN');
  const isAmend = s.endsWith('A');
  const isEcom = s.startsWith('ECOM');
  const own = stateOf(k.gstin);
  const inter = r.chance(0.35);
  const pos = inter ? otherState(r, own) : own;
  const stin = makeGstin(r, inter ? otherState(r, pos) : own);
  const rtnprd = r.pick(PERIODS);
  const a: Amounts = amounts(r, inter);
  const num = `${isNote ? (s.startsWith('B2BDN') ? 'DN' : 'CN') : 'INV'}/${rtnprd.slice(2)}/${String(i + 1).padStart(6, '0')}`;
  const rec: Record<string, unknown> = { stin };
  if (isAmend && !isNote) Object.assign(rec, { oinum: `${num}-O`, oidt: dayInPeriod(r, rtnprd) });
  if (isAmend && isNote) Object.assign(rec, { ont_num: `${num}-O`, ont_dt: dayInPeriod(r, rtnprd) });
  rec[isNote ? 'nt_num' : 'inum'] = num;
  if (!isEcom) rec.inv_typ = r.chance(0.9) ? 'R' : 'DE';
  Object.assign(rec, {
    action,
    ispendactnallwd: action === 'P' ? 'N' : 'Y',
    srcform: isEcom ? 'R8' : 'R1',
    rtnprd,
    srcfilstatus: r.chance(0.7) ? 'Filed' : 'Not Filed',
  });
  rec[isNote ? 'nt_dt' : 'idt'] = dayInPeriod(r, rtnprd);
  Object.assign(rec, { val: a.val, pos, txval: a.txval, iamt: a.igst, camt: a.cgst, samt: a.sgst, cess: a.cess });
  rec.hash = sha256Hex(JSON.stringify(rec));
  return rec;
}

const indexCache = new Map<string, number[]>();

/** Indexes of the records that pass the status filter. */
function indexes(seed: number, k: ImsKey, total: number): number[] {
  const key = [seed, k.gstin, k.section, k.status ?? '*', total].join('|');
  let list = indexCache.get(key);
  if (!list) {
    list = [];
    for (let i = 0; i < total; i++) {
      if (!k.status || rngFor(seed, 'ims', k.gstin, k.section, i).pick(ACTIONS) === k.status) list.push(i);
    }
    if (indexCache.size > 200) indexCache.clear();
    indexCache.set(key, list);
  }
  return list;
}

export function imsPageCount(seed: number, k: ImsKey, sizes: SandboxSizes): number {
  if (isSeed(k)) return 1;
  return Math.ceil(indexes(seed, k, sizes.imsRecords).length / Math.max(1, sizes.imsPageSize));
}

/** Page n (1-based) as the exact response body, with its record count. */
export function imsPage(seed: number, k: ImsKey, sizes: SandboxSizes, n: number): { body: Buffer; records: number } {
  if (isSeed(k)) {
    const data = (SEEDS.ims.page as { data: Record<string, unknown[]> }).data;
    const records = Object.values(data).reduce((a, v) => a + (Array.isArray(v) ? v.length : 0), 0);
    return { body: Buffer.from(JSON.stringify(SEEDS.ims.page)), records };
  }
  const size = Math.max(1, sizes.imsPageSize);
  const slice = indexes(seed, k, sizes.imsRecords).slice((n - 1) * size, n * size);
  const recs = slice.map((i) => imsRecord(seed, k, i));
  return { body: Buffer.from(JSON.stringify(okEnvelope({ [k.section.toLowerCase()]: recs }))), records: recs.length };
}
