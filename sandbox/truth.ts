/**
 * Ground truth for tests: what a download serves, file by file (bytes, sha256, records), computed from the
 * very bytes the EAS routes send.
 */
import { IMS_SECTIONS, IMS_STATUSES, SUPPLY_TYPES, type ImsSection, type ImsStatus, type SupplyType } from '../eas/contract';
import type { Downloads } from './downloads';
import type { EinvoiceKey } from './einvoice-data';
import { imsPage, imsPageCount, type ImsKey } from './ims-data';
import { irnBody } from './irn-data';
import { sha256Hex } from './rng';
import type { SandboxState } from './state';
import type { TaskStore } from './tasks';
import type { Truth, TruthFile } from './types';

export const TRUTH_KINDS = ['einvoice', 'ims', 'gstr2b', 'irn'] as const;
export type TruthKind = (typeof TRUTH_KINDS)[number];

export class TruthError extends Error {}

function param(url: URL, name: string, allowed?: readonly string[]): string {
  const v = url.searchParams.get(name);
  if (!v) throw new TruthError(`query parameter ${name} is required`);
  if (allowed && !allowed.includes(v)) throw new TruthError(`${name} must be one of ${allowed.join(', ')}`);
  return v;
}

function file(name: string, body: Buffer, records: number): TruthFile {
  return { name, bytes: body.length, sha256: sha256Hex(body), records };
}

export async function truth(kind: TruthKind, url: URL, state: SandboxState, tasks: TaskStore, downloads: Downloads): Promise<Truth> {
  const gstin = (): string => param(url, 'gstin');
  switch (kind) {
    case 'einvoice': {
      const key: EinvoiceKey = {
        gstin: gstin(),
        retPeriod: param(url, 'retPeriod'),
        supplyType: param(url, 'supplyType', SUPPLY_TYPES) as SupplyType,
      };
      const supplier = url.searchParams.get('supplierGstin');
      const recipient = url.searchParams.get('recipientGstin');
      if (supplier) key.supplierGstin = supplier;
      if (recipient) key.recipientGstin = recipient;
      if (!supplier && !recipient) throw new TruthError('supplierGstin or recipientGstin is required');
      const zip = await tasks.einvoiceZip(key, state.sizesFor(key.gstin));
      const records = zip.entries.reduce((a, e) => a + e.records, 0);
      return { files: [...zip.entries, { name: 'einvoice.zip', bytes: zip.size, sha256: zip.sha256, records }], records };
    }
    case 'ims': {
      const status = url.searchParams.get('status');
      if (status && !(IMS_STATUSES as readonly string[]).includes(status)) throw new TruthError('bad status');
      const key: ImsKey = { gstin: gstin(), section: param(url, 'section', IMS_SECTIONS) as ImsSection };
      if (status) key.status = status as ImsStatus;
      const sizes = state.sizesFor(key.gstin);
      const pages = imsPageCount(state.seed, key, sizes);
      const files = Array.from({ length: pages }, (_, i) => {
        const p = imsPage(state.seed, key, sizes, i + 1);
        return file(`page-${i + 1}.json`, p.body, p.records);
      });
      return { files, records: files.reduce((a, f) => a + f.records, 0), pages };
    }
    case 'gstr2b': {
      const g = gstin();
      const rtnprd = url.searchParams.get('rtnprd') ?? param(url, 'retPeriod');
      const ret = downloads.gstr2bFor({ gstin: g, rtnprd }, state.sizesFor(g));
      const files = ret.fc
        ? ret.answers.map((a, i) => file(i === 0 ? 'summary.json' : `file-${i}.json`, a.body, a.records))
        : [file('gstr2b.json', ret.answers[0]!.body, ret.answers[0]!.records)];
      const out: Truth = { files, records: files.reduce((a, f) => a + f.records, 0) };
      if (ret.fc) out.fc = ret.fc;
      return out;
    }
    case 'irn': {
      const irn = param(url, 'irn');
      const f = file(`irn-${irn}.json`, irnBody(state.seed, irn), 1);
      return { files: [f], records: 1 };
    }
  }
}
