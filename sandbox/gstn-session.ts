/**
 * GSTN sessions, held by the gateway per GSTIN (docs/eas-contract.md, "GSTN session"): OTPREQUEST (naming the
 * GSTIN's GSTN username) → AUTHTOKEN with the OTP of the latest request opens a session that lives 6 h and can be
 * refreshed until 24 h after the OTP (both configurable: `sessionLifeMs`, `sessionMaxAgeMs`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  GSTIN_FORMAT,
  GSTN_API_VERSIONS,
  GSTN_AUTH_ACTIONS,
  HEADERS,
  gstnErrorArgs,
  type GstnAuthAction,
  type GstnErrorName,
  type RouteMatch,
} from '../eas/contract';
import { fail, header, okReply, type EnvelopeStyle, type Reply } from './http';
import { OtpRequests, type OtpRefusal } from './otp-requests';
import type { SandboxState } from './state';

interface Session {
  gstin: string;
  ids: Set<string>;
  otpAt: number;
  liveUntil: number;
  loggedOut: boolean;
  /** Reached its maximum age by an admin call (only a new OTP helps). */
  ended: boolean;
}

const REFUSALS: Record<OtpRefusal, GstnErrorName> = {
  'unknown-request': 'invalidOtp',
  'wrong-otp': 'invalidOtp',
  used: 'invalidOtp',
  superseded: 'otpSuperseded',
};

/** How sessions created implicitly (`sessions: 'all'`) start: after admin lapse/end calls they start that way. */
type AutoState = 'live' | 'lapsed' | 'ended';

export interface SessionInfo {
  gstin: string;
  live: boolean;
  refreshable: boolean;
  liveUntil: string;
  maxAgeAt: string;
}

export class SessionStore {
  private readonly byGstin = new Map<string, Session>();
  private readonly byId = new Map<string, Session>();
  readonly otps = new OtpRequests();
  private autoState: AutoState = 'live';

  constructor(private readonly state: SandboxState) {
    const s = state.opts.sessions;
    if (Array.isArray(s)) for (const g of s) this.open(g);
  }

  private get auto(): boolean {
    return this.state.opts.sessions === 'all';
  }

  /** Opens a live session for the GSTIN, as a verified OTP would. Returns its id. */
  open(gstin: string): string {
    const now = this.state.now();
    const s: Session = { gstin, ids: new Set(), otpAt: now, liveUntil: now + Math.min(this.state.opts.sessionLifeMs, this.maxAgeMs), loggedOut: false, ended: false };
    this.byGstin.set(gstin, s);
    return this.newId(s);
  }

  isLive(gstin: string): boolean {
    const s = this.find(gstin);
    return !!s && !s.loggedOut && this.state.now() < s.liveUntil;
  }

  /** Throws 502 RET11402 unless the GSTIN has a live session. */
  requireLive(gstin: string): void {
    if (!this.isLive(gstin)) fail('gstnReturnedError', gstnErrorArgs('unauthorized'));
  }

  /** Admin: sessions lapse now (a refresh revives them). */
  lapse(gstins?: string[]): void {
    const now = this.state.now();
    this.apply(gstins, 'lapsed', (s) => (s.liveUntil = Math.min(s.liveUntil, now - 1)));
  }

  /** Admin: sessions reach their maximum age (only a new OTP helps). */
  end(gstins?: string[]): void {
    const now = this.state.now();
    this.apply(gstins, 'ended', (s) => {
      s.liveUntil = Math.min(s.liveUntil, now - 1);
      s.ended = true;
    });
  }

  resetAuto(): void {
    this.autoState = 'live';
  }

  list(): { implicit: boolean; sessions: SessionInfo[] } {
    const now = this.state.now();
    const sessions = [...this.byGstin.values()].map((s) => ({
      gstin: s.gstin,
      live: !s.loggedOut && now < s.liveUntil,
      refreshable: this.refreshable(s, now),
      liveUntil: new Date(s.liveUntil).toISOString(),
      maxAgeAt: new Date(s.otpAt + this.maxAgeMs).toISOString(),
    }));
    return { implicit: this.auto, sessions };
  }

  /** The session routes, v1.0 (action in the path, legacy envelope) and v3.0 (action header, v3 envelope). */
  handle(req: IncomingMessage, match: RouteMatch, body: Record<string, unknown> | undefined): Reply {
    const style: EnvelopeStyle = match.params.flynnVersion === 'v1.0' ? 'legacy' : 'v3';
    const gstnVersion = match.params.gstnVersion ?? '';
    if (!(GSTN_API_VERSIONS as readonly string[]).includes(gstnVersion)) {
      fail('invalidApiVersion', { version: gstnVersion }, style);
    }
    const action = style === 'legacy' ? match.params.action : header(req, HEADERS.action)?.toUpperCase();
    if (!action) fail('paramIsMandatory', { 'parameter-name': 'action' }, style);
    if (!(GSTN_AUTH_ACTIONS as readonly string[]).includes(action)) {
      fail('invalidParam', { 'parameter-name': 'action', value: action }, style);
    }
    const b = body ?? {};
    const str = (k: string): string | undefined => (typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined);
    switch (action as GstnAuthAction) {
      case 'OTPREQUEST': {
        const gstin = str('gstin');
        if (!gstin) fail('paramIsMandatory', { 'parameter-name': 'gstin' }, style);
        if (!GSTIN_FORMAT.test(gstin)) fail('invalidGstinFormat', { 'parameter-name': 'gstin' }, style);
        const username = str('username');
        if (!username) fail('paramIsMandatory', { 'parameter-name': 'username' }, style);
        if (username !== this.state.gstnUsernameFor(gstin)) this.gstnFail('invalidUsername', style);
        const r = this.otps.request(gstin, this.state.now());
        return okReply({ 'otp-request-id': r.otpRequestId }, style);
      }
      case 'AUTHTOKEN': {
        const reqId = str('otp-request-id');
        if (!reqId) fail('paramIsMandatory', { 'parameter-name': 'otp-request-id' }, style);
        const otp = str('otp');
        if (!otp) fail('paramIsMandatory', { 'parameter-name': 'otp' }, style);
        const verdict = this.otps.verify(reqId, otp);
        if ('refused' in verdict) this.gstnFail(REFUSALS[verdict.refused], style);
        return okReply({ 'gst-session-id': this.open(verdict.gstin) }, style);
      }
      case 'REFRESHTOKEN': {
        const id = str('gst-session-id');
        const gstin = str('gstin');
        if (!id && !gstin) fail('paramIsMandatory', { 'parameter-name': 'gst-session-id' }, style);
        const s = id ? this.byId.get(id) : this.find(gstin!);
        if (!s || s.loggedOut) this.gstnFail('invalidSessionId', style);
        const now = this.state.now();
        if (!this.refreshable(s, now)) this.gstnFail('sessionMaxAge', style);
        s.liveUntil = Math.min(now + this.state.opts.sessionLifeMs, s.otpAt + this.maxAgeMs);
        return okReply({ 'gst-session-id': this.newId(s) }, style);
      }
      case 'LOGOUT': {
        const id = str('gst-session-id');
        if (!id) fail('paramIsMandatory', { 'parameter-name': 'gst-session-id' }, style);
        const s = this.byId.get(id);
        if (!s || s.loggedOut) this.gstnFail('invalidSessionId', style);
        s.loggedOut = true;
        return okReply({}, style);
      }
    }
  }

  private get maxAgeMs(): number {
    return this.state.config.sessionMaxAgeMs;
  }

  private refreshable(s: Session, now: number): boolean {
    return !s.loggedOut && !s.ended && now < s.otpAt + this.maxAgeMs;
  }

  private gstnFail(name: GstnErrorName, style: EnvelopeStyle): never {
    fail('gstnReturnedError', gstnErrorArgs(name), style);
  }

  private newId(s: Session): string {
    const id = randomUUID();
    s.ids.add(id);
    this.byId.set(id, s);
    return id;
  }

  /** The GSTIN's session; with `sessions: 'all'` one is created on first sight. */
  private find(gstin: string): Session | undefined {
    const s = this.byGstin.get(gstin);
    if (s || !this.auto) return s;
    this.open(gstin);
    const created = this.byGstin.get(gstin)!;
    if (this.autoState !== 'live') {
      const now = this.state.now();
      created.liveUntil = now - 1;
      if (this.autoState === 'ended') created.ended = true;
    }
    return created;
  }

  private apply(gstins: string[] | undefined, autoState: AutoState, f: (s: Session) => void): void {
    if (!gstins) {
      this.autoState = autoState;
      for (const s of this.byGstin.values()) f(s);
      return;
    }
    for (const g of gstins) {
      const s = this.find(g);
      if (s) f(s);
    }
  }
}
