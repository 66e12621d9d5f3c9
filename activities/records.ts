/**
 * How many records a payload holds, in total and per section (the definitions in docs/eas-contract.md).
 * Written against GSTN's real shapes (../shared/reference/fixtures/): GSTR-2B `docdata` and `docRejdata`
 * (documents rejected in IMS) with `inv` / `nt` / `doclist` / `boe` arrays under counterparty groups, a flat
 * `impg`, and `itcrev` nested one level deeper (`[{b2b:[{inv:[…]}], …}]`); IMS pages as section arrays whose
 * records carry `ispendactnallwd` (Vayana's docs) or `ispendactblocked` (GSTN's sample).
 */

/** Per-section record counts, e.g. `{ "docdata.b2b": 3, "docRejdata.impg": 1 }` or `{ b2b: 50 }`. */
export type SectionCounts = Record<string, number>;

export function sumCounts(counts: SectionCounts): number {
  return Object.values(counts).reduce((n, v) => n + v, 0);
}

/** Adds `b` into `a` (in place) and returns `a`. */
export function addCounts(a: SectionCounts, b: SectionCounts | undefined): SectionCounts {
  for (const [k, v] of Object.entries(b ?? {})) a[k] = (a[k] ?? 0) + v;
  return a;
}

/** An IMS page: the sum of its section arrays. */
export function imsPageRecords(data: Record<string, unknown>): number {
  return sumCounts(imsPageSections(data));
}

/** An IMS page's records per section (only arrays count; anything else beside them is ignored). */
export function imsPageSections(data: Record<string, unknown>): SectionCounts {
  const out: SectionCounts = {};
  for (const [k, v] of Object.entries(data)) if (Array.isArray(v)) out[k] = v.length;
  return out;
}

/** Whether an IMS record says the recipient may no longer act on it (either field name; "Y" or true). */
export function imsPendingActionBlocked(record: Record<string, unknown>): boolean {
  const v = record.ispendactblocked ?? record.ispendactnallwd;
  return v === 'Y' || v === true;
}

/** The arrays whose elements are documents; `impg` is itself such an array (one bill of entry per row). */
const DOC_LISTS = new Set(['inv', 'nt', 'doclist', 'boe', 'impg']);

/** Documents under one node: each element of a document array, wherever it sits (itcrev nests one level more). */
function documents(node: unknown, key?: string): number {
  if (Array.isArray(node)) {
    if (key !== undefined && DOC_LISTS.has(key)) return node.length;
    return node.reduce<number>((n, x) => n + documents(x), 0);
  }
  if (node && typeof node === 'object') {
    return Object.entries(node as Record<string, unknown>).reduce((n, [k, v]) => n + documents(v, k), 0);
  }
  return 0;
}

/** GSTR-2B docdata: each inv/nt/doclist/boe row, and each row of impg. */
export function gstr2bRecords(docdata: unknown): number {
  return documents(docdata);
}

/** The document blocks of a GSTR-2B answer: accepted / pending documents, and those rejected in IMS. */
export const GSTR2B_DOC_BLOCKS = ['docdata', 'docRejdata'] as const;

/**
 * A GSTR-2B answer's (`data.data`) documents per `<block>.<section>`, e.g. `docdata.b2b`, `docdata.itcrev`,
 * `docRejdata.impg`. Sections with zero documents are listed too, so a missing section is visible.
 */
export function gstr2bSections(data: Record<string, unknown>): SectionCounts {
  const out: SectionCounts = {};
  for (const block of GSTR2B_DOC_BLOCKS) {
    const b = data[block];
    if (!b || typeof b !== 'object' || Array.isArray(b)) continue;
    for (const [section, v] of Object.entries(b as Record<string, unknown>)) out[`${block}.${section}`] = documents(v, section);
  }
  return out;
}
