/**
 * Credentials per GSTIN and tenant: which EAS account (user, password, org) and which GSTN username serve a GSTIN.
 * The activities ask a provider by GSTIN; nothing it returns goes into workflow input, history or logs.
 *
 * Sources (docs/operations.md, "Credentials"):
 * - GST_CREDENTIALS_FILE: a JSON file, mode 0600 (refused when group or others may read it), many tenants;
 * - environment variables, one tenant: EAS_EMAIL, EAS_PASSWORD, EAS_ORG_ID (optional), GSTN_USERNAME (every GSTIN)
 *   and GSTN_USERNAMES ("GSTIN=username,…", per GSTIN);
 * - neither: no credentials (every GSTIN is refused as NoCredentials; a production worker refuses to start).
 *   There are no default credentials here: `npm start` and the tests pass the sandbox's user (sandbox/user.ts).
 * A secret manager is another `CredentialsProvider`.
 */
import { readFileSync, statSync } from 'node:fs';
import { GSTIN_FORMAT } from './contract';

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

export type CredentialsSourceKind = 'file' | 'env' | 'none';

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

/**
 * One tenant from the environment: serves every GSTIN with GSTN_USERNAME, or those named in GSTN_USERNAMES.
 * EAS_EMAIL unset = no credentials at all (source kind "none"): every GSTIN is an UnknownGstinError.
 */
export class EnvCredentials implements CredentialsProvider {
  private readonly eas: EasAccount | undefined;
  private readonly defaultUsername: string;
  private readonly usernames: Map<string, string>;
  readonly source: { kind: CredentialsSourceKind; detail: string };

  constructor(env: NodeJS.ProcessEnv) {
    if (env.EAS_EMAIL && !env.EAS_PASSWORD) throw new CredentialsConfigError('EAS_EMAIL is set but EAS_PASSWORD is not');
    this.eas = env.EAS_EMAIL ? { email: env.EAS_EMAIL, password: env.EAS_PASSWORD!, ...(env.EAS_ORG_ID && { orgId: env.EAS_ORG_ID }) } : undefined;
    this.defaultUsername = env.GSTN_USERNAME ?? '';
    this.usernames = parseUsernames(env.GSTN_USERNAMES);
    this.source = this.eas
      ? { kind: 'env', detail: `EAS_EMAIL ${this.eas.email}, ${this.usernames.size} GSTIN(s) in GSTN_USERNAMES` }
      : { kind: 'none', detail: `no credentials: set ${CREDENTIAL_SOURCE_VARS}` };
  }

  async forGstin(gstin: string): Promise<GstinCredentials> {
    const gstnUsername = this.usernames.get(gstin) ?? this.defaultUsername;
    if (!this.eas) throw new UnknownGstinError(gstin, `the environment (${CREDENTIAL_SOURCE_VARS})`);
    if (!gstnUsername) throw new UnknownGstinError(gstin, 'GSTN_USERNAMES (or set GSTN_USERNAME for every GSTIN)');
    return { tenant: 'default', gstnUsername, eas: this.eas };
  }
}

const CREDENTIAL_SOURCE_VARS = 'GST_CREDENTIALS_FILE, or EAS_EMAIL + EAS_PASSWORD + GSTN_USERNAME (or GSTN_USERNAMES)';

const isSet = (env: NodeJS.ProcessEnv, name: string) => (env[name] ?? '').trim() !== '';

/**
 * What the environment lacks for a complete credentials source, one phrase naming the variables; undefined = complete.
 * The one place that knows the sources (worker/production.ts asks it before a production worker starts).
 */
export function credentialSourceProblem(env: NodeJS.ProcessEnv): string | undefined {
  if (isSet(env, 'GST_CREDENTIALS_FILE')) return undefined;
  const single = ['EAS_EMAIL', 'EAS_PASSWORD'].filter((v) => !isSet(env, v));
  const usernames = isSet(env, 'GSTN_USERNAME') || isSet(env, 'GSTN_USERNAMES');
  if (!single.length && usernames) return undefined;
  if (single.length === 2 && !usernames) return `no credentials source: set ${CREDENTIAL_SOURCE_VARS}`;
  const missing = [...single, ...(usernames ? [] : ['GSTN_USERNAME'])];
  return `single-tenant settings is incomplete: ${missing.join(', ')} missing`;
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

/** GST_CREDENTIALS_FILE when set, else the environment. Throws CredentialsConfigError. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): CredentialsProvider {
  return env.GST_CREDENTIALS_FILE ? new FileCredentials(env.GST_CREDENTIALS_FILE) : new EnvCredentials(env);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v !== '';
}
