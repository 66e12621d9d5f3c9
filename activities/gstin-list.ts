/**
 * A fleet's GSTINs from a list in the store (`gstinsRef` of a sync): one GSTIN per line, blank lines and `#`
 * comments ignored, duplicates dropped (first kept). The sync reads it a slice at a time, so its history holds a few
 * hundred GSTINs per read, never the whole list. A bad line is a bad input: InvalidInput naming the line, not retried.
 */
import { ApplicationFailure } from '@temporalio/common';
import { InvalidInputError, validateGstin, type GstinChecksumMode } from '../domain/inputs';
import { MAX_SYNC_LIST_GSTINS } from '../domain/sync-input';
import { ObjectNotFound, type Store } from '../store/store';

export interface GstinSlice {
  /** The GSTINs at offset .. offset + limit - 1 (fewer at the end). */
  gstins: string[];
  /** GSTINs in the whole list. */
  total: number;
}

function invalid(field: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ message: `${field}: ${message}`, type: 'InvalidInput', nonRetryable: true, details: [{ field }] });
}

/** Parses and checks a whole list (pure). */
export function parseGstinList(text: string, ref: string, mode: GstinChecksumMode): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trim();
    if (!line) continue;
    let g: string;
    try {
      g = validateGstin(line.toUpperCase(), `${ref} line ${i + 1}`, mode);
    } catch (e) {
      if (e instanceof InvalidInputError) throw invalid('gstinsRef', e.message);
      throw e;
    }
    if (seen.has(g)) continue;
    seen.add(g);
    out.push(g);
  }
  if (out.length === 0) throw invalid('gstinsRef', `${ref} lists no GSTIN`);
  if (out.length > MAX_SYNC_LIST_GSTINS) throw invalid('gstinsRef', `${ref} lists ${out.length} GSTINs; at most ${MAX_SYNC_LIST_GSTINS} per sync`);
  return out;
}

export function createGstinListActivities({ store }: { store: Store }) {
  return {
    async readGstinList(ref: string, offset: number, limit: number, mode: GstinChecksumMode): Promise<GstinSlice> {
      let text: string;
      try {
        text = (await store.read(ref)).toString('utf8');
      } catch (e) {
        if (e instanceof ObjectNotFound || (e as { code?: string }).code === 'ENOENT') throw invalid('gstinsRef', `no list "${ref}" in the store`);
        throw e;
      }
      const all = parseGstinList(text, ref, mode);
      return { gstins: all.slice(offset, offset + limit), total: all.length };
    },
  };
}
