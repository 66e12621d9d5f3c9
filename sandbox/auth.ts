/**
 * theodore (login, refresh, logout) and the EAS header check every non-theodore call makes. Several EAS users
 * (tenants), each with its own organisation and at most TOKEN_RULES.maxActiveTokens active tokens.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HEADERS, TOKEN_RULES, type LoginData } from '../eas/contract';
import { SANDBOX_USER } from './user';
import { fail, header, okReply, type EnvelopeStyle, type Reply } from './http';
import { seedOf } from './rng';
import type { SandboxState } from './state';
import type { SandboxUser } from './types';

interface Token {
  token: string;
  user: SandboxUser;
  durationMs: number;
  expiry: number;
  hardExpiry: number;
  ended: boolean;
}

const MIN_MS = 60_000;

function orgOf(u: SandboxUser) {
  return {
    id: u.orgId,
    name: u.orgName ?? 'Sandbox Traders Private Limited',
    taxIdentifier: 'AABCS1234K',
    taxIdentifierType: 'PAN',
    country: 'IN',
    services: [{ serviceCode: 'eapi', serviceName: 'Enriched API' }],
  };
}

/** `GET /__sandbox/tokens`: active tokens, logins and logouts per EAS user (never the tokens themselves). */
export interface TokenReport {
  active: number;
  logouts: number;
  byUser: Record<string, { active: number; logins: number; logouts: number }>;
}

export class TokenStore {
  private readonly tokens = new Map<string, Token>();
  private readonly users: SandboxUser[];
  private readonly logins = new Map<string, number>();
  private readonly logouts = new Map<string, number>();

  constructor(private readonly state: SandboxState) {
    const o = state.opts;
    this.users = [{ email: o.email, password: o.password, orgId: SANDBOX_USER.orgId }, ...o.users];
  }

  private userId(u: SandboxUser): string {
    const hex = seedOf('user', u.email).toString(16).padStart(8, '0');
    return `${hex}-0000-4000-8000-${hex}0000`;
  }

  private activeOf(u: SandboxUser): number {
    const now = this.state.now();
    return [...this.tokens.values()].filter((t) => t.user === u && !t.ended && now < t.expiry).length;
  }

  report(): TokenReport {
    const byUser: TokenReport['byUser'] = {};
    for (const u of this.users) {
      byUser[u.email] = { active: this.activeOf(u), logins: this.logins.get(u.email) ?? 0, logouts: this.logouts.get(u.email) ?? 0 };
    }
    const all = Object.values(byUser);
    return { active: all.reduce((n, u) => n + u.active, 0), logouts: all.reduce((n, u) => n + u.logouts, 0), byUser };
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
    const user = this.users.find((u) => u.email.toLowerCase() === handle);
    if (body.handleType !== 'email' || !user || body.password !== user.password) fail('invalidCredentials', {}, 'legacy');
    const now = this.state.now();
    if (this.activeOf(user) >= TOKEN_RULES.maxActiveTokens) fail('activeTokensLimit', {}, 'legacy');
    this.logins.set(user.email, (this.logins.get(user.email) ?? 0) + 1);
    const durationMs = Math.min(mins, TOKEN_RULES.maxDurationMins) * MIN_MS;
    const t: Token = {
      user,
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
    const t = this.bearer(req);
    t.ended = true;
    this.logouts.set(t.user.email, (this.logouts.get(t.user.email) ?? 0) + 1);
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
    const org = header(req, HEADERS.orgId);
    if (!this.users.some((u) => u.orgId === org)) fail('invalidOrg', {}, style);
    const raw = header(req, HEADERS.userToken);
    const t = raw ? this.tokens.get(raw) : undefined;
    if (!t || t.ended) fail('invalidToken', {}, style);
    if (t.user.orgId !== org) fail('invalidOrg', {}, style);
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
      userId: this.userId(t.user),
      expiry: t.expiry,
      email: t.user.email,
      givenName: 'Sandbox',
      familyName: 'User',
      mobile: null,
      associatedOrgs: [{ organisation: orgOf(t.user), userAccessInfo: { primary: true, admin: true } }],
    };
  }
}
