/**
 * Credentials per GSTIN and tenant: which EAS account (user, password, org) and which GSTN username serve a GSTIN.
 * The activities ask a provider by GSTIN; nothing it returns goes into workflow input, history or logs.
 *
 * Sources (docs/operations.md, "Credentials"):
 * - GST_CREDENTIALS_FILE: a JSON file, mode 0600 (refused when group or others may read it), many tenants;
 * - environment variables, one tenant: EAS_EMAIL, EAS_PASSWORD, EAS_ORG_ID (optional), GSTN_USERNAME (every GSTIN)
 *   and GSTN_USERNAMES ("GSTIN=username,…", per GSTIN);
 * - neither: the sandbox's public test user (`npm start` needs no setup).
 * A secret manager is another `CredentialsProvider`.
 */
import { readFileSync, statSync } from 'node:fs';
import { GSTIN_FORMAT, SANDBOX_USER } from './contract';

export interface EasAccount {
  email: string;
  password: string;
  /** The organisation to act for (x-flynn-n-org-id); absent = the user's first associated org. */
  orgId?: string;
}

export interface GstinCredentials {
  /** The tenant's name (not a secret: it may appear in logs). */
  tenant: string;
  gstnUsername: string;
  eas: EasAccount;
}

export type CredentialsSourceKind = 'file' | 'env' | 'sandbox-defaults';

export interface CredentialsProvider {
  /** Where the credentials come from, without secrets (for the startup line and the "refuse to start" check). */
  readonly source: { kind: CredentialsSourceKind; detail: string };
  /** The credentials of a GSTIN; UnknownGstinError when no tenant serves it. */
  forGstin(gstin: string): Promise<GstinCredentials>;
}

/** No tenant serves this GSTIN: a configuration problem, not something a retry fixes. */
export class UnknownGstinError extends Error {
  override readonly name = 'UnknownGstinError';
  constructor(
    readonly gstin: string,
    where: string,
  ) {
    super(`no credentials for GSTIN ${gstin}: add it to a tenant in ${where}`);
  }
}

/** The credentials source cannot be used (unreadable file, wrong mode, bad JSON); names the problem, never a secret. */
export class CredentialsConfigError extends Error {
  override readonly name = 'CredentialsConfigError';
}

/** The file's shape: `{ "tenants": { "<name>": { "eas": { email, password, orgId? }, "gstins": { "<GSTIN>": "<GSTN username>" } } } }`. */
export function parseCredentialsFile(text: string, where: string): Map<string, GstinCredentials> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CredentialsConfigError(`${where} is not JSON: ${(e as Error).message}`);
  }
  const tenants = (doc as { tenants?: unknown })?.tenants;
  if (!isObject(tenants) || Object.keys(tenants).length === 0) throw new CredentialsConfigError(`${where}: "tenants" must be an object with at least one tenant`);
  const out = new Map<string, GstinCredentials>();
  for (const [tenant, t] of Object.entries(tenants)) {
    const at = `${where}: tenant "${tenant}"`;
    if (!isObject(t) || !isObject(t.eas)) throw new CredentialsConfigError(`${at} needs "eas": { "email", "password" }`);
    const { email, password, orgId } = t.eas;
    if (!nonEmpty(email) || !nonEmpty(password)) throw new CredentialsConfigError(`${at}: eas.email and eas.password must be non-empty strings`);
    if (orgId !== undefined && !nonEmpty(orgId)) throw new CredentialsConfigError(`${at}: eas.orgId must be a non-empty string when given`);
    if (!isObject(t.gstins)) throw new CredentialsConfigError(`${at} needs "gstins": { "<GSTIN>": "<GSTN username>" }`);
    const eas: EasAccount = { email, password, ...(orgId !== undefined && { orgId: orgId as string }) };
    for (const [gstin, username] of Object.entries(t.gstins)) {
      if (!GSTIN_FORMAT.test(gstin)) throw new CredentialsConfigError(`${at}: "${gstin}" is not a GSTIN`);
      if (!nonEmpty(username)) throw new CredentialsConfigError(`${at}: the GSTN username of ${gstin} must be a non-empty string`);
      const other = out.get(gstin);
      if (other) throw new CredentialsConfigError(`${where}: GSTIN ${gstin} is in two tenants ("${other.tenant}" and "${tenant}")`);
      out.set(gstin, { tenant, gstnUsername: username, eas });
    }
  }
  return out;
}

/**
 * Credentials from a JSON file (mode 0600). Read at creation (a bad file stops the worker at startup) and again
 * when a GSTIN is not found and the file changed since (a tenant added without a restart).
 */
export class FileCredentials implements CredentialsProvider {
  private byGstin: Map<string, GstinCredentials>;
  private mtimeMs: number;

  constructor(private readonly path: string) {
    ({ byGstin: this.byGstin, mtimeMs: this.mtimeMs } = this.load());
  }

  get source() {
    const tenants = new Set([...this.byGstin.values()].map((c) => c.tenant)).size;
    return { kind: 'file' as const, detail: `${this.path} (${tenants} tenant(s), ${this.byGstin.size} GSTIN(s))` };
  }

  async forGstin(gstin: string): Promise<GstinCredentials> {
    let c = this.byGstin.get(gstin);
    if (!c && this.changed()) {
      ({ byGstin: this.byGstin, mtimeMs: this.mtimeMs } = this.load());
      c = this.byGstin.get(gstin);
    }
    if (!c) throw new UnknownGstinError(gstin, `GST_CREDENTIALS_FILE (${this.path})`);
    return c;
  }

  private changed(): boolean {
    try {
      return statSync(this.path).mtimeMs !== this.mtimeMs;
    } catch {
      return false;
    }
  }

  private load(): { byGstin: Map<string, GstinCredentials>; mtimeMs: number } {
    let st;
    try {
      st = statSync(this.path);
    } catch (e) {
      throw new CredentialsConfigError(`GST_CREDENTIALS_FILE ${this.path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new CredentialsConfigError(`GST_CREDENTIALS_FILE ${this.path} has mode ${mode}: it holds passwords, make it readable by its owner only (chmod 600)`);
    }
    return { byGstin: parseCredentialsFile(readFileSync(this.path, 'utf8'), `GST_CREDENTIALS_FILE ${this.path}`), mtimeMs: st.mtimeMs };
  }
}

/** One tenant from the environment (or the sandbox's public test user when EAS_EMAIL is unset): serves every GSTIN. */
export class EnvCredentials implements CredentialsProvider {
  private readonly eas: EasAccount;
  private readonly defaultUsername: string;
  private readonly usernames: Map<string, string>;
  readonly source: { kind: CredentialsSourceKind; detail: string };

  constructor(env: NodeJS.ProcessEnv) {
    const fromEnv = !!env.EAS_EMAIL;
    if (fromEnv && !env.EAS_PASSWORD) throw new CredentialsConfigError('EAS_EMAIL is set but EAS_PASSWORD is not');
    this.eas = {
      email: env.EAS_EMAIL || SANDBOX_USER.email,
      password: fromEnv ? env.EAS_PASSWORD! : env.EAS_PASSWORD || SANDBOX_USER.password,
      ...(env.EAS_ORG_ID && { orgId: env.EAS_ORG_ID }),
    };
    this.defaultUsername = env.GSTN_USERNAME || SANDBOX_USER.gstnUsername;
    this.usernames = parseUsernames(env.GSTN_USERNAMES);
    this.source = fromEnv
      ? { kind: 'env', detail: `EAS_EMAIL ${this.eas.email}, ${this.usernames.size} GSTIN(s) in GSTN_USERNAMES` }
      : { kind: 'sandbox-defaults', detail: `the sandbox's public test user ${SANDBOX_USER.email}` };
  }

  async forGstin(gstin: string): Promise<GstinCredentials> {
    return { tenant: 'default', gstnUsername: this.usernames.get(gstin) ?? this.defaultUsername, eas: this.eas };
  }
}

/** GSTN_USERNAMES: "GSTIN=username,GSTIN=username". */
function parseUsernames(raw: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [gstin, username] = part.split('=').map((s) => s.trim());
    if (!gstin || !GSTIN_FORMAT.test(gstin) || !username) throw new CredentialsConfigError(`GSTN_USERNAMES must be "GSTIN=username,…"; "${part.split('=')[0]}=…" is not`);
    out.set(gstin, username);
  }
  return out;
}

/** GST_CREDENTIALS_FILE when set, else the environment (or the sandbox defaults). Throws CredentialsConfigError. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): CredentialsProvider {
  return env.GST_CREDENTIALS_FILE ? new FileCredentials(env.GST_CREDENTIALS_FILE) : new EnvCredentials(env);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v !== '';
}
