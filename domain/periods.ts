/**
 * Return periods (MMYYYY) and dates in India. India Standard Time is UTC+05:30 all year (no daylight saving
 * time), so every conversion is a fixed offset. Pure: "now" is always passed in.
 */

export const IST_OFFSET_MS = 330 * 60_000;

/** First return period under GST. */
export const FIRST_RETURN_PERIOD = '072017';

/** Folder date (YYYY-MM-DD) in India for kinds without a return period. */
export function istDate(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 10);
}

/** A number that orders periods: YYYYMM. */
export function periodKey(p: string): number {
  return Number(p.slice(2)) * 100 + Number(p.slice(0, 2));
}

function period(year: number, month: number): string {
  return `${String(month).padStart(2, '0')}${year}`;
}

/** The return period (MMYYYY) of the month BEFORE the instant `ms`, as the calendar reads in India. */
export function previousPeriodIst(ms: number): string {
  const d = new Date(ms + IST_OFFSET_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  return m === 1 ? period(y - 1, 12) : period(y, m - 1);
}

/** The first instant (epoch ms) of the month after `retPeriod`, and the last one of that month, in India. */
export function monthAfterIst(retPeriod: string): { startMs: number; endMs: number } {
  const m = Number(retPeriod.slice(0, 2));
  const y = Number(retPeriod.slice(2));
  // Date.UTC rolls month 12 over to January of the next year.
  const startMs = Date.UTC(y, m, 1) - IST_OFFSET_MS;
  const endMs = Date.UTC(y, m + 1, 1) - IST_OFFSET_MS - 1;
  return { startMs, endMs };
}

/** Every period from `from` to `to`, inclusive, in order. */
export function periodsBetween(from: string, to: string): string[] {
  const key = (p: string) => Number(p.slice(2)) * 12 + Number(p.slice(0, 2)) - 1;
  const out: string[] = [];
  for (let k = key(from); k <= key(to); k++) out.push(period(Math.floor(k / 12), (k % 12) + 1));
  return out;
}
