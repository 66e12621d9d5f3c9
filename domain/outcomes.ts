/**
 * How a download ends. Every download ends with one of these outcomes (in its result, manifest, catalogue entry
 * and the GstOutcome search attribute): documents (`data`), GSTN's answer that there are none (`no-data`), that
 * the return is not generated yet, even after waiting (`not-generated`), or that it does not apply to this
 * taxpayer and period (`not-applicable`). Pure: imports nothing.
 */
export const DOWNLOAD_OUTCOMES = ['data', 'no-data', 'not-generated', 'not-applicable'] as const;
export type DownloadOutcome = (typeof DOWNLOAD_OUTCOMES)[number];

/** The outcomes that are GSTN's answer instead of documents. */
export type GstnAnswerOutcome = Exclude<DownloadOutcome, 'data'>;

export function isDownloadOutcome(v: unknown): v is DownloadOutcome {
  return typeof v === 'string' && (DOWNLOAD_OUTCOMES as readonly string[]).includes(v);
}
