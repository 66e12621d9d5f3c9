/** A tiny typed client for the sandbox's `/__sandbox/` admin API (tests, benchmarks, demos). */
import type { GstnErrorName } from '../eas/contract';
import type { AnswerKind } from './answers';
import type { SessionInfo } from './gstn-session';
import type { TruthKind } from './truth';
import type { ConfigPatch, FaultRule, RequestsReport, SandboxConfig, Truth } from './types';

export interface AnswerRule {
  gstin: string;
  kind: AnswerKind;
  period?: string;
  section?: string;
  /** no-data | not-generated | not-applicable | queued | api-access-disabled | fixture:<name> */
  answer: string;
  /** queued: minutes to wait */
  est?: number;
  times?: number;
}

export class SandboxAdmin {
  constructor(private readonly baseUrl: string) {}

  config(patch?: ConfigPatch): Promise<SandboxConfig> {
    return patch ? this.post('config', patch) : this.get('config');
  }

  faults(): Promise<{ faults: FaultRule[] }> {
    return this.get('faults');
  }

  addFaults(...faults: FaultRule[]): Promise<{ faults: FaultRule[] }> {
    return this.post('faults', { faults });
  }

  clearFaults(): Promise<{ faults: FaultRule[] }> {
    return this.call('DELETE', 'faults');
  }

  /** Every EAS token is now expired (refreshable until its hard expiry). */
  expireTokens(): Promise<{ expired: number }> {
    return this.post('tokens/expire', {});
  }

  sessions(): Promise<{ implicit: boolean; sessions: SessionInfo[] }> {
    return this.get('sessions');
  }

  /** Opens live GSTN sessions without the OTP dance. */
  openSessions(gstins: string[]): Promise<{ sessions: Array<{ gstin: string; 'gst-session-id': string }> }> {
    return this.post('sessions/open', { gstins });
  }

  /** Sessions lapse (a refresh revives them); all GSTINs when none are listed. */
  expireSessions(gstins?: string[]): Promise<unknown> {
    return this.post('sessions/expire', gstins ? { gstins } : {});
  }

  /** Sessions reach their maximum age (a new OTP is needed); all GSTINs when none are listed. */
  endSessions(gstins?: string[]): Promise<unknown> {
    return this.post('sessions/end', gstins ? { gstins } : {});
  }

  failNextTasks(count: number, gstnError?: GstnErrorName): Promise<{ failNext: number }> {
    return this.post('tasks/fail', gstnError ? { count, gstnError } : { count });
  }

  expireTasks(taskIds?: string[]): Promise<{ expired: number }> {
    return this.post('tasks/expire', taskIds ? { taskIds } : {});
  }

  /** GSTN answers on demand: the next `times` calls (all, if absent) of `kind` for the GSTIN answer `answer`. */
  answer(rule: AnswerRule): Promise<{ answers: unknown[] }> {
    return this.post('answers', rule);
  }

  clearAnswers(): Promise<{ answers: unknown[] }> {
    return this.call('DELETE', 'answers');
  }

  /** Regenerates a period's GSTR-2B: a later gendt and changed documents. */
  regenerate(gstin: string, period: string): Promise<{ generation: number; gendt: string }> {
    return this.post('regenerate', { gstin, period });
  }

  advanceClock(advanceMs: number): Promise<{ now: number }> {
    return this.post('clock', { advanceMs });
  }

  clock(): Promise<{ now: number }> {
    return this.get('clock');
  }

  requests(): Promise<RequestsReport> {
    return this.get('requests');
  }

  reset(): Promise<{ reset: boolean }> {
    return this.post('reset', {});
  }

  truth(kind: TruthKind, params: Record<string, string | undefined>): Promise<Truth> {
    const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1]));
    return this.get(`truth/${kind}?${q.toString()}`);
  }

  private get<T>(path: string): Promise<T> {
    return this.call('GET', path);
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    return this.call('POST', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/__sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox admin ${method} ${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }
}
