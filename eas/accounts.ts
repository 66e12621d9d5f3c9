/**
 * The EAS accounts of a worker process: one EasClient (so one token, refreshed before expiry) per EAS user and
 * org, made on first use from the credentials provider, and every token logged out on shutdown.
 */
import { EasClient, type EasClientDeps } from './client';
import type { EasConfig } from './config';
import type { CredentialsProvider, EasAccount } from './credentials';
import type { TokenKeeper } from './token-keeper';

export interface GstinAccount {
  client: EasClient;
  gstnUsername: string;
  tenant: string;
}

/** What the activities need: the client and GSTN username that serve a GSTIN. */
export interface AccountResolver {
  forGstin(gstin: string): Promise<GstinAccount>;
  /** The default account's client, for calls that name no GSTIN (task calls of downloads started by older code). */
  fallback(): Promise<EasClient>;
  /** Keep the tokens of clients made from now on with `keeper` (the worker does, before it runs). */
  keepTokensWith?(keeper: TokenKeeper): void;
}

export class EasAccounts implements AccountResolver {
  private readonly clients = new Map<string, EasClient>();

  /** `base`: URLs, timeouts and token life; its email/password are replaced by each account's. */
  constructor(
    private readonly base: EasConfig,
    readonly credentials: CredentialsProvider,
    private deps: EasClientDeps = {},
  ) {}

  keepTokensWith(keeper: TokenKeeper): void {
    this.deps = { ...this.deps, tokens: keeper };
  }

  async forGstin(gstin: string): Promise<GstinAccount> {
    const c = await this.credentials.forGstin(gstin);
    return { client: this.clientFor(c.eas, c.gstnUsername), gstnUsername: c.gstnUsername, tenant: c.tenant };
  }

  /** The account of the worker's EAS_* settings. */
  async fallback(): Promise<EasClient> {
    const { email, password, orgId } = this.base;
    return this.clientFor({ email, password, ...(orgId && { orgId }) });
  }

  /** The one client of an EAS user + org in this process. */
  clientFor(account: EasAccount, gstnUsername = this.base.gstnUsername): EasClient {
    const key = `${account.email.toLowerCase()}\n${account.orgId ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      const { orgId: _ignored, ...base } = this.base;
      client = new EasClient({ ...base, email: account.email, password: account.password, gstnUsername, ...(account.orgId && { orgId: account.orgId }) }, this.deps);
      this.clients.set(key, client);
    }
    return client;
  }

  /** Logs every token out (worker shutdown). Returns how many tokens were ended. */
  async logoutAll(): Promise<number> {
    const ended = await Promise.all([...this.clients.values()].map((c) => c.logout()));
    return ended.filter(Boolean).length;
  }
}

/** A resolver with one client for every GSTIN (tests and tools that hold one EasClient). */
export function singleAccount(client: EasClient, tenant = 'default'): AccountResolver {
  return { forGstin: async () => ({ client, gstnUsername: client.config?.gstnUsername ?? '', tenant }), fallback: async () => client };
}
