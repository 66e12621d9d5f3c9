/** Counts per route and status, plus the last requests, for `GET /__sandbox/requests`. */
import type { RequestLogEntry, RequestsReport } from './types';

const KEEP = 200;
/** Query parameters never shown in logs. */
const SECRET_PARAMS = /^(token|password|otp|auth.*|.*secret.*)$/i;

/** The path with secret-looking query values masked. */
export function safePath(url: URL): string {
  const q = [...url.searchParams.entries()].map(([k, v]) => `${k}=${SECRET_PARAMS.test(k) ? '***' : encodeURIComponent(v)}`);
  return q.length ? `${url.pathname}?${q.join('&')}` : url.pathname;
}

export class RequestLog {
  private report: RequestsReport = RequestLog.empty();

  private static empty(): RequestsReport {
    return { total: 0, byRoute: {}, byStatus: {}, last: [], bytesByTask: {} };
  }

  record(e: RequestLogEntry): void {
    const r = this.report;
    r.total++;
    const route = (r.byRoute[e.route] ??= { total: 0, byStatus: {} });
    route.total++;
    route.byStatus[e.status] = (route.byStatus[e.status] ?? 0) + 1;
    r.byStatus[e.status] = (r.byStatus[e.status] ?? 0) + 1;
    r.last.push(e);
    if (r.last.length > KEEP) r.last.shift();
  }

  /** Body bytes that went out for a task (called as they are written). */
  sent(taskId: string, bytes: number): void {
    this.report.bytesByTask[taskId] = (this.report.bytesByTask[taskId] ?? 0) + bytes;
  }

  get(): RequestsReport {
    return this.report;
  }

  reset(): void {
    this.report = RequestLog.empty();
  }
}
