/**
 * GSTR-2B generations. GSTN regenerates a period's 2B (after IMS actions, or on demand) with a new `gendt` and
 * checksum, so one period can have several generations. Each lands in its own folder
 * `<gstin>/<period>/gstr2b/g<YYYYMMDD of gendt>-<checksum, 12 chars>/`; the download's manifest one level up says
 * which is current and lists them all. Asking again and finding the generation already stored writes nothing.
 */
import { createHash } from 'node:crypto';
import { gstnBodyMeaning } from '../eas/contract';
import type { EasClient } from '../eas/client';
import type { Gstr2bInput } from '../domain/inputs';
import type { DownloadLocation, Store, StoredFile } from '../store/store';
import { storedSummary, type FinishResult } from './finish';
import { gstr2bSections, sumCounts } from './records';

export interface Gstr2bGenerationRef {
  loc: DownloadLocation;
  id: string;
  gendt: string;
  chksum: string;
}

export interface Gstr2bGenerationFirst {
  /** GSTN queued the request: come back after `estMinutes`. */
  queued?: { token: string; estMinutes: number };
  /** This generation is stored already and complete: nothing was written; its summary. */
  unchanged?: FinishResult;
  /** Otherwise the first answer, stored in the generation's folder. */
  file?: StoredFile;
  fileCount: number;
  gendt?: string;
  generation?: Gstr2bGenerationRef;
}

/** `g<YYYYMMDD>-<12 lower-case checksum characters>` from gendt DD-MM-YYYY and GSTN's checksum. */
export function generationId(gendt: string | undefined, chksum: string): string {
  const m = /^(\d{2})-(\d{2})-(\d{4})$/.exec(gendt ?? '');
  const day = m ? `${m[3]}${m[2]}${m[1]}` : 'unknown';
  return `g${day}-${chksum.replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toLowerCase()}`;
}

export function gstr2bActivities(eas: EasClient, store: Store) {
  return {
    /**
     * The first GSTR-2B answer of a generation-aware download: queued, an unchanged generation (nothing written),
     * or the whole return / its summary with the file count, stored in the generation's folder.
     */
    async fetchGstr2bGeneration(input: Gstr2bInput, loc: DownloadLocation): Promise<Gstr2bGenerationFirst> {
      const { body, data } = await eas.gstr2b(input.gstin, input.retPeriod);
      const meaning = gstnBodyMeaning(data);
      if (meaning.kind === 'queued') return { queued: { token: meaning.token, estMinutes: meaning.estMinutes }, fileCount: 0 };
      const chksum = typeof data.chksum === 'string' && data.chksum ? data.chksum : createHash('sha256').update(body).digest('hex');
      const gendt = data.data.gendt;
      const id = generationId(gendt, chksum);
      const generation: Gstr2bGenerationRef = { loc: { ...loc, section: id }, id, gendt: gendt ?? '', chksum };
      const current = await store.readManifest(loc);
      if (current?.generations?.some((g) => g.id === id)) {
        const ref = `${store.locationRef(loc)}/manifest.json`;
        const unchanged = storedSummary(current, ref, (await store.read(ref)).length);
        return { unchanged, fileCount: 0, gendt, generation };
      }
      const fc = typeof data.data.fc === 'number' && !data.data.docdata ? data.data.fc : 0;
      const name = fc > 0 ? 'summary.json' : 'gstr2b.json';
      const file = await store.writeFile(generation.loc, name, body, fc > 0 ? 0 : sumCounts(gstr2bSections(data.data)));
      return { file, fileCount: fc, gendt, generation };
    },
  };
}
