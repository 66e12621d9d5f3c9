/** How many records a payload holds (the definitions in docs/eas-contract.md). */

/** An IMS page: the sum of its section arrays. */
export function imsPageRecords(data: Record<string, unknown>): number {
  return Object.values(data).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : 0), 0);
}

const DOC_LISTS = new Set(['inv', 'nt', 'doclist', 'boe']);

/** GSTR-2B docdata: each inv/nt/doclist/boe row, and each row of impg. */
export function gstr2bRecords(docdata: unknown): number {
  let n = 0;
  const walk = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) {
      if (key && (DOC_LISTS.has(key) || key === 'impg')) {
        n += node.length;
        return;
      }
      node.forEach((x) => walk(x));
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) walk(v, k);
    }
  };
  walk(docdata);
  return n;
}
