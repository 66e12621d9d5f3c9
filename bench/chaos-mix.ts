/**
 * The downloads of a chaos run (bench/chaos-run.ts): every kind in turn — IMS with 40 pages, an e-invoice ZIP of
 * ~2.1 MiB over a slow link (so 1 MiB segments are committed and more is in flight when a worker dies), GSTR-2B in
 * 6 files, an IRN batch of 5 — each for its own GSTIN, so no two downloads share a store folder.
 */
import { createHash } from 'node:crypto';
import type { SandboxAdmin } from '../sandbox/admin';
import type { TruthKind } from '../sandbox/truth';
import type { SandboxSizes } from '../sandbox/types';
import { fleetGstin } from './harness';

export interface ChaosDownload {
  type: string;
  kind: TruthKind;
  gstin: string;
  input: Record<string, unknown>;
  /** The sandbox truth of each part (one per IRN of a batch, else one). */
  truthParams: Array<Record<string, string>>;
}

const KINDS = ['ims', 'einvoice', 'gstr2b', 'irn'] as const;

const SIZES: Record<(typeof KINDS)[number], Partial<SandboxSizes>> = {
  ims: { imsRecords: 600, imsPageSize: 15 },
  einvoice: { einvoiceFiles: 2, einvoiceRecordsPerFile: 12_000 },
  gstr2b: { gstr2bRecords: 300, gstr2bDocsPerFile: 50 },
  irn: {},
};

/** The i-th download of the mix (kinds in turn; GSTINs from 9000 on, apart from the other benchmarks' fleets). */
export function chaosDownload(i: number): ChaosDownload {
  const kind = KINDS[i % KINDS.length]!;
  const gstin = fleetGstin(9000 + i);
  switch (kind) {
    case 'ims':
      return { type: 'downloadImsInvoices', kind, gstin, input: { gstin, section: 'B2B' }, truthParams: [{ gstin, section: 'B2B' }] };
    case 'einvoice': {
      const input = { gstin, retPeriod: '092024', supplyType: 'B2B', recipientGstin: gstin };
      return { type: 'downloadEinvoices', kind, gstin, input, truthParams: [input] };
    }
    case 'gstr2b':
      return { type: 'downloadGstr2b', kind, gstin, input: { gstin, retPeriod: '102025' }, truthParams: [{ gstin, rtnprd: '102025' }] };
    case 'irn': {
      const irns = Array.from({ length: 5 }, (_, j) => createHash('sha256').update(`chaos-irn-${i}-${j}`).digest('hex'));
      return { type: 'getIrnDetails', kind, gstin, input: { gstin, irns }, truthParams: irns.map((irn) => ({ gstin, irn })) };
    }
  }
}

export function chaosDownloads(n: number): ChaosDownload[] {
  return Array.from({ length: n }, (_, i) => chaosDownload(i));
}

/**
 * Sizes every GSTIN of the mix, slows the ZIP link to `zipBytesPerSecond` and pages by 100 ms, and builds every ZIP
 * now (the sandbox builds one on first use: the link, not the build, should be what is slow).
 */
export async function prepareSandbox(admin: SandboxAdmin, list: ChaosDownload[], zipBytesPerSecond: number): Promise<void> {
  await admin.config({ gstins: Object.fromEntries(list.map((d) => [d.gstin, SIZES[d.kind as keyof typeof SIZES]])) });
  await admin.addFaults(
    { route: 'taskDownload', kind: 'bandwidth', bytesPerSecond: zipBytesPerSecond },
    { route: 'taskPage', kind: 'latency', rate: 1, latencyMs: 100 },
  );
  for (const d of list) if (d.kind === 'einvoice') await admin.truth('einvoice', d.truthParams[0]!);
}
