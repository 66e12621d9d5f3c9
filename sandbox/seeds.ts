/**
 * The sample payloads of Vayana's route pages (../shared/seeds), served verbatim for their identifying
 * requests. The JSON files are copies of the pages' samples.
 */
import einvoiceResult from './seeds/einvoice-result.json';
import gstr2b from './seeds/gstr2b.json';
import imsPage from './seeds/ims-page.json';
import irnDetails from './seeds/irn-details.json';

export const SEEDS = {
  /** result.json of the e-invoice ZIP (seed 000). */
  einvoice: { gstin: '29HJKPS9689A8Z4', retPeriod: '082023', result: einvoiceResult as unknown },
  /** The one IMS page (seed 001), for section B2B with any status. */
  ims: { gstin: '29HJKPS9689A8Z4', section: 'B2B', page: imsPage as unknown },
  /** The GSTR-2B answer (seed 002). */
  gstr2b: { gstin: '01AABCE2207R1Z5', rtnprd: '032020', body: gstr2b as unknown },
  /** The Get IRN Details answer (seed 003). */
  irn: { irn: '11f8ef701fe294d4a14aad0b12457e62775d0fdc41a0acf05b74fbb2ddc47acb', body: irnDetails as unknown },
} as const;

/** The data files the seed result.json names (`file-1.json`, …). */
export function seedEinvoiceFiles(): string[] {
  const data = (SEEDS.einvoice.result as { data?: Array<{ data?: unknown }> }).data ?? [];
  return data.map((e) => e.data).filter((d): d is string => typeof d === 'string');
}
