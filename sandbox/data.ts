/** Building blocks of the generated data: GSTINs, names, dates and tax amounts that add up. */
import type { Rng } from './rng';

const CHARSET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** State codes of the larger states/UTs. */
export const STATE_CODES = ['01', '03', '06', '07', '08', '09', '10', '19', '23', '24', '27', '29', '32', '33', '36', '37'];

/** GSTN's mod-36 check character over the first 14 characters. */
export function gstinCheckChar(first14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const p = CHARSET.indexOf(first14[i]!) * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(p / 36) + (p % 36);
  }
  return CHARSET[(36 - (sum % 36)) % 36]!;
}

/** A well-formed GSTIN (with a correct check character) in the given state. */
export function makeGstin(r: Rng, state: string): string {
  let pan = '';
  for (let i = 0; i < 3; i++) pan += r.pick([...LETTERS]);
  pan += r.pick(['C', 'P', 'F', 'H']);
  pan += r.pick([...LETTERS]);
  pan += String(r.int(0, 9999)).padStart(4, '0');
  pan += r.pick([...LETTERS]);
  const first14 = `${state}${pan}${r.int(1, 9)}Z`;
  return first14 + gstinCheckChar(first14);
}

export function stateOf(gstin: string): string {
  return gstin.slice(0, 2);
}

/** A state code other than `not`. */
export function otherState(r: Rng, not: string): string {
  const choices = STATE_CODES.filter((s) => s !== not);
  return r.pick(choices);
}

const NAME_A = ['Shree', 'Bharat', 'Sai', 'Ganesh', 'Kaveri', 'Ashoka', 'Indus', 'Lotus', 'Sagar', 'Surya'];
const NAME_B = ['Traders', 'Enterprises', 'Industries', 'Textiles', 'Steels', 'Agro', 'Pharma', 'Logistics'];

export function tradeName(r: Rng): string {
  return `${r.pick(NAME_A)} ${r.pick(NAME_B)}`;
}

/** MMYYYY → {month, year}. */
export function parsePeriod(p: string): { month: number; year: number } {
  return { month: Number(p.slice(0, 2)), year: Number(p.slice(2)) };
}

export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** DD-MM-YYYY of a day in the period's month. */
export function dayInPeriod(r: Rng, period: string): string {
  const { month, year } = parsePeriod(period);
  return `${pad2(r.int(1, 28))}-${pad2(month)}-${year}`;
}

/** The period after `p` (MMYYYY). */
export function nextPeriod(p: string): string {
  const { month, year } = parsePeriod(p);
  return month === 12 ? `01${year + 1}` : `${pad2(month + 1)}${year}`;
}

export interface Amounts {
  rt: number;
  txval: number;
  igst: number;
  cgst: number;
  sgst: number;
  cess: number;
  /** txval + igst + cgst + sgst + cess */
  val: number;
}

const RATES = [0, 5, 12, 18, 18, 28];

/**
 * Amounts in rupees with paise, computed in paise so they add up exactly: IGST only when inter-state,
 * otherwise CGST = SGST.
 */
export function amounts(r: Rng, interState: boolean, rate?: number): Amounts {
  const rt = rate ?? r.pick(RATES);
  const tx = r.int(500, 500_000) * 100 + r.int(0, 99);
  let ig = 0;
  let half = 0;
  if (interState) ig = Math.round((tx * rt) / 100);
  else half = Math.round((tx * rt) / 200);
  const ce = rt === 28 && r.chance(0.5) ? Math.round((tx * 12) / 100) : 0;
  const p = (paise: number): number => paise / 100;
  return { rt, txval: p(tx), igst: p(ig), cgst: p(half), sgst: p(half), cess: p(ce), val: p(tx + ig + 2 * half + ce) };
}

/** Sums amounts (in paise, so no float drift). */
export function addAmounts(list: Array<Pick<Amounts, 'txval' | 'igst' | 'cgst' | 'sgst' | 'cess'>>): {
  txval: number;
  igst: number;
  cgst: number;
  sgst: number;
  cess: number;
} {
  const sum = (k: 'txval' | 'igst' | 'cgst' | 'sgst' | 'cess'): number =>
    list.reduce((a, x) => a + Math.round(x[k] * 100), 0) / 100;
  return { txval: sum('txval'), igst: sum('igst'), cgst: sum('cgst'), sgst: sum('sgst'), cess: sum('cess') };
}

export function hexOf(r: Rng, chars: number): string {
  let s = '';
  for (let i = 0; i < chars; i++) s += '0123456789abcdef'[r.int(0, 15)];
  return s;
}
