/**
 * GST's own vocabulary: the shapes of GSTINs, return periods and IRNs, and the lists of IMS sections, IMS statuses
 * and e-invoice supply types. Plain data (shared by the EAS contract, the sandbox, input validation and workflows).
 */

/** GSTIN shape as the gateway checks it: 2 digits + 13 of [0-9A-Z] (format only, no check digit). */
export const GSTIN_FORMAT = /^[0-9]{2}[0-9A-Z]{13}$/;
/** Return period MMYYYY. */
export const RETURN_PERIOD_FORMAT = /^(0[1-9]|1[0-2])[0-9]{4}$/;
/** IRN: 64 hex characters. */
export const IRN_FORMAT = /^[0-9a-fA-F]{64}$/;

/** IMS sections accepted on the enriched route (upper case, as in the docs' `B2B`); pages key them lower-case. */
export const IMS_SECTIONS = ['B2B', 'B2BA', 'B2BDN', 'B2BDNA', 'B2BCN', 'B2BCNA', 'ECOM', 'ECOMA'] as const;
export type ImsSection = (typeof IMS_SECTIONS)[number];
/** IMS invoice statuses: Accepted, Rejected, Pending, No action. */
export const IMS_STATUSES = ['A', 'R', 'P', 'N'] as const;
export type ImsStatus = (typeof IMS_STATUSES)[number];
/** Supply types of GSTN's e-invoice (IRN list) download. */
export const SUPPLY_TYPES = ['B2B', 'SEZWP', 'SEZWOP', 'DEXP', 'EXPWP', 'EXPWOP'] as const;
export type SupplyType = (typeof SUPPLY_TYPES)[number];

/** The kinds of download this product makes. */
export type DownloadKind = 'einvoice' | 'ims' | 'gstr2b' | 'irn';
