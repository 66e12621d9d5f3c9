/**
 * GSTR-2B: documents generated per (GSTIN, period, generation, index), grouped like GSTN's current ("v4") 2B:
 * `docdata` and `docRejdata` (documents rejected in IMS) with b2b/b2ba/ecom/ecoma `inv`, cdnr/cdnra `nt`,
 * isd/isda `doclist`, flat `impg`, impgsez `boe` and `itcrev` nested one level deeper; `cpsumm` and `cpSummRej`.
 * A return with more documents than `gstr2bDocsPerFile` is chunked: the first answer is the summary with `fc`,
 * then `file_num=1..fc`. Generation 0 is the first; each regeneration (IMS actions) has a later `gendt` and
 * changed documents.
 */
import { okEnvelope } from '../eas/contract';
import { addAmounts, amounts, dayInPeriod, makeGstin, nextPeriod, otherState, stateOf, tradeName, type Amounts } from './data';
import { rngFor, sha256Hex, type Rng } from './rng';
import { SEEDS } from './seeds';
import type { SandboxSizes } from './types';

export interface Gstr2bKey {
  gstin: string;
  rtnprd: string;
  /** 0 for the first generation, +1 for each regeneration. */
  generation?: number;
}

type Section = 'b2b' | 'b2ba' | 'cdnr' | 'cdnra' | 'isd' | 'isda' | 'impg' | 'impgsez' | 'ecom' | 'ecoma' | 'itcrev';
const SECTION_ORDER: Section[] = ['b2b', 'b2ba', 'cdnr', 'cdnra', 'isd', 'isda', 'impg', 'impgsez', 'ecom', 'ecoma', 'itcrev'];
const WEIGHTS: Array<[Section, number]> = [
  ['b2b', 50], ['b2ba', 6], ['cdnr', 12], ['cdnra', 4], ['isd', 5], ['isda', 2], ['impg', 4], ['impgsez', 3], ['ecom', 6], ['ecoma', 2], ['itcrev', 6],
];
/** The array that holds a section's documents inside a counterparty group (itcrev rows are b2b invoices). */
const DOC_KEY: Record<Section, string> = {
  b2b: 'inv', b2ba: 'inv', cdnr: 'nt', cdnra: 'nt', isd: 'doclist', isda: 'doclist', impg: '', impgsez: 'boe', ecom: 'inv', ecoma: 'inv', itcrev: 'inv',
};

interface Supplier {
  ctin: string;
  trdnm: string;
  supfildt: string;
  supprd: string;
}

interface Doc {
  section: Section;
  supplier: Supplier;
  doc: Record<string, unknown>;
  totals: Omit<Amounts, 'rt' | 'val'>;
  itcavl: boolean;
  /** Rejected in IMS: listed under docRejdata / cpSummRej instead. */
  rejected: boolean;
}

function pickSection(r: Rng): Section {
  let x = r.int(1, 100);
  for (const [s, w] of WEIGHTS) if ((x -= w) <= 0) return s;
  return 'b2b';
}

/** The generation date: the 14th of the next month, a day later for each regeneration (at most the 28th). */
export function gendt(rtnprd: string, generation = 0): string {
  const next = nextPeriod(rtnprd);
  return `${String(Math.min(28, 14 + generation)).padStart(2, '0')}-${next.slice(0, 2)}-${next.slice(2)}`;
}

/** When the return is generated (14th of the following month, 00:00 IST), epoch ms. */
export function generatedAt(rtnprd: string): number {
  const next = nextPeriod(rtnprd);
  return Date.UTC(Number(next.slice(2)), Number(next.slice(0, 2)) - 1, 14) - 5.5 * 3600_000;
}

function supplier(seed: number, k: Gstr2bKey, j: number): Supplier {
  const r = rngFor(seed, '2b-sup', k.gstin, k.rtnprd, j);
  const own = stateOf(k.gstin);
  return {
    ctin: makeGstin(r, r.chance(0.6) ? own : otherState(r, own)),
    trdnm: tradeName(r),
    supfildt: `${String(r.int(1, 11)).padStart(2, '0')}-${nextPeriod(k.rtnprd).slice(0, 2)}-${nextPeriod(k.rtnprd).slice(2)}`,
    supprd: k.rtnprd,
  };
}

function makeDoc(seed: number, k: Gstr2bKey, i: number, total: number): Doc {
  const r = k.generation ? rngFor(seed, '2b', k.gstin, k.rtnprd, i, 'gen', k.generation) : rngFor(seed, '2b', k.gstin, k.rtnprd, i);
  const section = pickSection(r);
  const rejected = section !== 'impg' && section !== 'itcrev' && r.chance(0.08);
  const sup = supplier(seed, k, r.int(0, Math.max(1, Math.ceil(total / 5)) - 1));
  const own = stateOf(k.gstin);
  const imports = section === 'impg' || section === 'impgsez';
  const inter = imports || stateOf(sup.ctin) !== own;
  const pos = inter && !imports ? stateOf(sup.ctin) : own;
  const dt = dayInPeriod(r, k.rtnprd);
  const num = String(i + 1).padStart(6, '0');
  const itcavl = imports || section === 'isd' || r.chance(0.9);
  if (section === 'isd' || section === 'isda') {
    const a = amounts(r, inter);
    const amend = section === 'isda' ? { odoctyp: 'ISDI', odocnum: `ISD${num}`, odocdt: dt } : {};
    const doc = { ...amend, doctyp: 'ISDI', docnum: `ISD${num}`, docdt: dt, oinvnum: `P${num}`, oinvdt: dt, igst: a.igst, cgst: a.cgst, sgst: a.sgst, cess: a.cess, itcelg: 'Y' };
    return { section, supplier: sup, doc, totals: { ...a, txval: 0 }, itcavl, rejected };
  }
  if (imports) {
    const a = amounts(r, true, 18);
    const doc = { refdt: dt, recdt: dt, portcode: r.pick(['INNSA1', 'INMAA1', 'INBOM4', '18272A']), boenum: String(r.int(1_000_000, 9_999_999)), boedt: dt, isamd: 'N', txval: a.txval, igst: a.igst, cess: a.cess };
    return { section, supplier: sup, doc, totals: { ...a, cgst: 0, sgst: 0 }, itcavl, rejected };
  }
  const items = Array.from({ length: r.int(1, 3) }, (_, n) => {
    const a = amounts(r, inter);
    return { num: n + 1, rt: a.rt, txval: a.txval, igst: a.igst, cgst: a.cgst, sgst: a.sgst, cess: a.cess };
  });
  const totals = addAmounts(items);
  const val = Math.round((totals.txval + totals.igst + totals.cgst + totals.sgst + totals.cess) * 100) / 100;
  const common = { val, pos, rev: 'N', itcavl: itcavl ? 'Y' : 'N', rsn: itcavl ? '' : 'P', diffprcnt: 1 };
  let doc: Record<string, unknown>;
  if (section === 'b2b' || section === 'b2ba' || section === 'ecom' || section === 'ecoma' || section === 'itcrev') {
    const amended = section === 'b2ba' || section === 'ecoma';
    const amend = amended ? { oinum: `INV${num}`, oidt: dt } : {};
    doc = { ...amend, inum: amended ? `INV${num}A` : `INV${num}`, typ: 'R', dt, ...common, items };
  } else {
    const typ = r.chance(0.8) ? 'C' : 'D';
    const amend = section === 'cdnra' ? { onttyp: typ, ontnum: `NT${num}`, ontdt: dt } : {};
    doc = { ...amend, ntnum: section === 'cdnra' ? `NT${num}A` : `NT${num}`, typ, suptyp: 'R', dt, ...common, items };
  }
  return { section, supplier: sup, doc, totals, itcavl, rejected };
}

/**
 * GSTN's docdata: per section, per counterparty (first-seen order), the documents; impg rows stand alone;
 * itcrev is nested one level deeper, `[{ b2b: [groups] }]`, as in GSTN's v4 sample.
 */
function docdata(docs: Doc[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const section of SECTION_ORDER) {
    const mine = docs.filter((d) => d.section === section);
    if (!mine.length) continue;
    if (section === 'impg') {
      out.impg = mine.map((d) => d.doc);
      continue;
    }
    if (section === 'itcrev') {
      out.itcrev = [{ b2b: docdata(mine.map((d) => ({ ...d, section: 'b2b' }))).b2b }];
      continue;
    }
    const groups = new Map<string, Record<string, unknown>>();
    for (const d of mine) {
      let g = groups.get(d.supplier.ctin);
      if (!g) {
        const s = d.supplier;
        g = section === 'impgsez' ? { ctin: s.ctin, trdnm: s.trdnm } : { ctin: s.ctin, trdnm: s.trdnm, supfildt: s.supfildt, supprd: s.supprd };
        g[DOC_KEY[section]] = [];
        groups.set(s.ctin, g);
      }
      (g[DOC_KEY[section]] as unknown[]).push(d.doc);
    }
    out[section] = [...groups.values()];
  }
  return out;
}

const TAX = ['igst', 'cgst', 'sgst', 'cess'] as const;
function taxOf(docs: Doc[]): Record<string, number> {
  const t = addAmounts(docs.map((d) => d.totals));
  return { igst: t.igst, cgst: t.cgst, sgst: t.sgst, cess: t.cess };
}

function itcsumm(docs: Doc[]): Record<string, unknown> {
  const block = (avl: boolean): Record<string, unknown> => {
    const mine = docs.filter((d) => d.itcavl === avl);
    const group = (sections: Section[]): Record<string, unknown> => {
      const g: Record<string, unknown> = taxOf(mine.filter((d) => sections.includes(d.section)));
      for (const s of sections) g[s] = taxOf(mine.filter((d) => d.section === s));
      return g;
    };
    return { nonrevsup: group(['b2b', 'b2ba', 'cdnr', 'cdnra', 'ecom', 'ecoma']), isdsup: group(['isd', 'isda']), imports: group(['impg', 'impgsez']) };
  };
  return { itcavl: block(true), itcunavl: block(false), itcrev: taxOf(docs.filter((d) => d.section === 'itcrev')) };
}

function cpsumm(docs: Doc[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const section of SECTION_ORDER) {
    if (section === 'impg' || section === 'itcrev') continue;
    const mine = docs.filter((d) => d.section === section);
    const ctins = [...new Set(mine.map((d) => d.supplier.ctin))];
    if (!ctins.length) continue;
    out[section] = ctins.map((ctin) => {
      const g = mine.filter((d) => d.supplier.ctin === ctin);
      const s = g[0]!.supplier;
      const t = addAmounts(g.map((d) => d.totals));
      return { ctin, trdnm: s.trdnm, supprd: s.supprd, supfildt: s.supfildt, ttldocs: g.length, txval: t.txval, ...Object.fromEntries(TAX.map((x) => [x, t[x]])) };
    });
  }
  return out;
}

/** Documents in a docdata: each inv/nt/doclist/boe row, and each impg row (docs/eas-contract.md). */
export function countDocs(node: unknown, key = ''): number {
  if (Array.isArray(node)) {
    if (key === 'inv' || key === 'nt' || key === 'doclist' || key === 'boe' || key === 'impg') return node.length;
    return node.reduce((a: number, x) => a + countDocs(x), 0);
  }
  if (node && typeof node === 'object') {
    return Object.entries(node as Record<string, unknown>).reduce((a, [k, v]) => a + countDocs(v, k), 0);
  }
  return 0;
}

export interface Gstr2bAnswer {
  body: Buffer;
  records: number;
}

export interface Gstr2bReturn {
  /** Answers in order: the full return, or the summary then file 1..fc. */
  answers: Gstr2bAnswer[];
  /** File count when chunked, else undefined. */
  fc?: number;
  gendt?: string;
}

function envelope(head: Record<string, unknown>, rest: Record<string, unknown>): Buffer {
  const data = { ...head, ...rest };
  return Buffer.from(JSON.stringify(okEnvelope({ chksum: sha256Hex(JSON.stringify(data)).slice(0, 40).toUpperCase(), data })));
}

export function gstr2bReturn(seed: number, k: Gstr2bKey, sizes: SandboxSizes): Gstr2bReturn {
  if (k.gstin === SEEDS.gstr2b.gstin && k.rtnprd === SEEDS.gstr2b.rtnprd) {
    const body = SEEDS.gstr2b.body as { data: { data: { docdata: unknown } } };
    return { answers: [{ body: Buffer.from(JSON.stringify(body)), records: countDocs(body.data.data.docdata) }] };
  }
  const gen = k.generation ?? 0;
  // a regeneration changes documents and adds a few (IMS actions on the suppliers' side)
  const n = sizes.gstr2bRecords + 2 * gen;
  const docs = Array.from({ length: n }, (_, i) => makeDoc(seed, k, i, n));
  const head = { gstin: k.gstin, rtnprd: k.rtnprd, version: '4.0', gendt: gendt(k.rtnprd, gen) };
  const per = Math.max(1, sizes.gstr2bDocsPerFile);
  const summaries = (all: Doc[]) => ({ itcsumm: itcsumm(all.filter((d) => !d.rejected)), cpsumm: cpsumm(all.filter((d) => !d.rejected)), cpSummRej: cpsumm(all.filter((d) => d.rejected)) });
  const blocks = (part: Doc[]) => {
    const dd = docdata(part.filter((d) => !d.rejected));
    const rej = docdata(part.filter((d) => d.rejected));
    return { body: { docdata: dd, docRejdata: rej }, records: countDocs(dd) + countDocs(rej) };
  };
  if (n <= per) {
    const b = blocks(docs);
    return { answers: [{ body: envelope(head, { ...summaries(docs), ...b.body }), records: b.records }], gendt: head.gendt };
  }
  const fc = Math.ceil(n / per);
  const answers: Gstr2bAnswer[] = [{ body: envelope(head, { fc, ...summaries(docs) }), records: 0 }];
  for (let f = 0; f < fc; f++) {
    const b = blocks(docs.slice(f * per, (f + 1) * per));
    answers.push({ body: envelope(head, { fc, ...b.body }), records: b.records });
  }
  return { answers, fc, gendt: head.gendt };
}
