/** theodore (login, refresh, logout) and the EAS header check every non-theodore call makes. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HEADERS, TOKEN_RULES, type LoginData } from '../eas/contract';
import { SANDBOX_USER } from './user';
import { fail, header, okReply, type EnvelopeStyle, type Reply } from './http';
import { seedOf } from './rng';
import type { SandboxState } from './state';

interface Token {
  token: string;
  durationMs: number;
  expiry: number;
  hardExpiry: number;
  ended: boolean;
}

const MIN_MS = 60_000;
const ORG = {
  id: SANDBOX_USER.orgId,
  name: 'Sandbox Traders Private Limited',
  taxIdentifier: 'AABCS1234K',
  taxIdentifierType: 'PAN',
  country: 'IN',
  services: [{ serviceCode: 'eapi', serviceName: 'Enriched API' }],
};

export class TokenStore {
  private readonly tokens = new Map<string, Token>();

  constructor(private readonly state: SandboxState) {}

  private get userId(): string {
    const hex = seedOf('user', this.state.opts.email).toString(16).padStart(8, '0');
    return `${hex}-0000-4000-8000-${hex}0000`;
  }

  login(body: Record<string, unknown> | undefined): Reply {
    if (!body) fail('issueWithParameter', { 'parameter-name': 'body' }, 'legacy');
    for (const field of ['handle', 'password'] as const) {
      const v = body[field];
      if (typeof v !== 'string' || v === '') fail('issueWithParameter', { 'parameter-name': field }, 'legacy');
    }
    if (body.handleType !== 'email' && body.handleType !== 'mobile') {
      fail('issueWithParameter', { 'parameter-name': 'handleType' }, 'legacy');
    }
    const mins = body.tokenDurationInMins ?? TOKEN_RULES.defaultDurationMins;
    if (typeof mins !== 'number' || !Number.isInteger(mins) || mins <= 0) {
      fail('issueWithParameter', { 'parameter-name': 'tokenDurationInMins' }, 'legacy');
    }
    const handle = String(body.handle).toLowerCase();
    if (body.handleType !== 'email' || handle !== this.state.opts.email.toLowerCase() || body.password !== this.state.opts.password) {
      fail('invalidCredentials', {}, 'legacy');
    }
    const now = this.state.now();
    const active = [...this.tokens.values()].filter((t) => !t.ended && now < t.expiry).length;
    if (active >= TOKEN_RULES.maxActiveTokens) fail('activeTokensLimit', {}, 'legacy');
    const durationMs = Math.min(mins, TOKEN_RULES.maxDurationMins) * MIN_MS;
    const t: Token = {
      token: `sbx.${randomBytes(24).toString('base64url')}`,
      durationMs,
      expiry: now + durationMs,
      hardExpiry: now + durationMs * TOKEN_RULES.hardExpiryFactor,
      ended: false,
    };
    this.tokens.set(t.token, t);
    return okReply(this.loginData(t), 'legacy');
  }

  refresh(req: IncomingMessage): Reply {
    const t = this.bearer(req);
    const now = this.state.now();
    if (now >= t.hardExpiry) fail('expiredToken', {}, 'legacy');
    t.expiry = Math.min(now + t.durationMs, t.hardExpiry);
    return okReply(this.loginData(t), 'legacy');
  }

  logout(req: IncomingMessage): Reply {
    this.bearer(req).ended = true;
    return okReply({}, 'legacy');
  }

  /** Admin: every token is now past its expiry, but still refreshable until its hard expiry. */
  expireAll(): number {
    const now = this.state.now();
    let n = 0;
    for (const t of this.tokens.values()) {
      if (t.ended) continue;
      t.expiry = Math.min(t.expiry, now - 1);
      n++;
    }
    return n;
  }

  /** The org + token check of every EAS call; throws the error reply. */
  checkEas(req: IncomingMessage, style: EnvelopeStyle): void {
    if (header(req, HEADERS.orgId) !== SANDBOX_USER.orgId) fail('invalidOrg', {}, style);
    const raw = header(req, HEADERS.userToken);
    const t = raw ? this.tokens.get(raw) : undefined;
    if (!t || t.ended) fail('invalidToken', {}, style);
    if (this.state.now() >= t.expiry) fail('expiredToken', {}, style);
  }

  private bearer(req: IncomingMessage): Token {
    const m = /^Bearer\s+(\S+)$/i.exec(header(req, HEADERS.authorization) ?? '');
    const t = m ? this.tokens.get(m[1]!) : undefined;
    if (!t || t.ended) fail('invalidToken', {}, 'legacy');
    return t;
  }

  private loginData(t: Token): LoginData {
    return {
      token: t.token,
      userId: this.userId,
      expiry: t.expiry,
      email: this.state.opts.email,
      givenName: 'Sandbox',
      familyName: 'User',
      mobile: null,
      associatedOrgs: [{ organisation: ORG, userAccessInfo: { primary: true, admin: true } }],
    };
  }
}
