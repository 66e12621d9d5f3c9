/**
 * Deterministic workflow ids: the same download asked twice gets the same id, so Temporal runs it once. The
 * client library, the CLI and the monthly sync (for its children) all use these. IMS and IRN downloads have no
 * return period; their ids carry the day (in India) they were asked for.
 */
import { unitHash } from './hash';
import type { EinvoiceInput, Gstr2bInput, ImsInput, IrnInput } from './inputs';
import { istDate } from './periods';

/** Where an e-invoice download lands and how its id ends: the supply type, and the counterparty filter if any. */
export function einvoiceSection(input: EinvoiceInput): string {
  return [input.supplyType, input.supplierGstin ? `S${input.supplierGstin}` : '', input.recipientGstin ? `R${input.recipientGstin}` : '']
    .filter(Boolean)
    .join('_');
}

/** An IRN batch's key: how many IRNs and a hash of the sorted list (its store folder and the end of its id). */
export function irnBatchKey(i: IrnInput): string {
  const sorted = [...i.irns].sort().join(',');
  const h = [0, 1, 2, 3].map((k) => Math.floor(unitHash(`${k}:${sorted}`) * 0x100000000).toString(16).padStart(8, '0')).join('');
  return `${i.irns.length}-${h}`;
}

export const workflowIds = {
  einvoice: (i: EinvoiceInput) => `gst-einvoice-${i.gstin}-${i.retPeriod}-${einvoiceSection(i)}`,
  ims: (i: ImsInput, now = Date.now()) => `gst-ims-${i.gstin}-${i.section}${i.status ? `-${i.status}` : ''}-${istDate(now)}`,
  gstr2b: (i: Gstr2bInput) => `gst-gstr2b-${i.gstin}-${i.retPeriod}`,
  irn: (i: IrnInput) => `gst-irn-${i.gstin}-${irnBatchKey(i)}`,
};
