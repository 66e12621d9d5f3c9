/** The credentials provider: a 0600 JSON file of tenants, or one tenant from the environment; unknown GSTINs named. */
import { chmodSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_USER, sandboxEasEnv } from '../../sandbox/user';
import { CredentialsConfigError, EnvCredentials, FileCredentials, UnknownGstinError, credentialsFromEnv } from '../../eas/credentials';

const A = '27AAPFU0939F1ZV';
const B = '29AAGCB7383J1Z4';
const C = '07AAACR5055K1ZG';
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'gst-creds-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const doc = {
  tenants: {
    acme: { eas: { email: 'ops@acme.in', password: 'acme-secret', orgId: 'org-acme' }, gstins: { [A]: 'acme.mh' } },
    beta: { eas: { email: 'ops@beta.in', password: 'beta-secret' }, gstins: { [B]: 'beta.ka' } },
  },
};

function file(name: string, content: unknown, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  chmodSync(p, mode);
  return p;
}

describe('GST_CREDENTIALS_FILE', () => {
  it('serves each GSTIN with its tenant, EAS account and GSTN username', async () => {
    const p = new FileCredentials(file('ok.json', doc));
    expect(await p.forGstin(A)).toEqual({ tenant: 'acme', gstnUsername: 'acme.mh', eas: { email: 'ops@acme.in', password: 'acme-secret', orgId: 'org-acme' } });
    expect(await p.forGstin(B)).toEqual({ tenant: 'beta', gstnUsername: 'beta.ka', eas: { email: 'ops@beta.in', password: 'beta-secret' } });
    expect(p.source).toEqual({ kind: 'file', detail: expect.stringContaining('(2 tenant(s), 2 GSTIN(s))') });
    expect(p.source.detail).not.toMatch(/secret/);
  });

  it('an unknown GSTIN is an UnknownGstinError naming it and where to add it', async () => {
    const p = new FileCredentials(file('unknown.json', doc));
    const e = await p.forGstin(C).catch((x) => x);
    expect(e).toBeInstanceOf(UnknownGstinError);
    expect(e.gstin).toBe(C);
    expect(e.message).toBe(`no credentials for GSTIN ${C}: add it to a tenant in GST_CREDENTIALS_FILE (${join(dir, 'unknown.json')})`);
  });

  it('refuses a file that group or others may read, naming the mode and the fix', () => {
    const path = file('open.json', doc, 0o644);
    expect(() => new FileCredentials(path)).toThrow(new CredentialsConfigError(`GST_CREDENTIALS_FILE ${path} has mode 0644: it holds passwords, make it readable by its owner only (chmod 600)`));
    chmodSync(path, 0o640);
    expect(() => new FileCredentials(path)).toThrow(/mode 0640/);
    chmodSync(path, 0o400);
    expect(() => new FileCredentials(path)).not.toThrow();
  });

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['no tenants', { tenants: {} }, /at least one tenant/],
    ['no password', { tenants: { t: { eas: { email: 'e' }, gstins: {} } } }, /tenant "t": eas.email and eas.password/],
    ['a bad GSTIN', { tenants: { t: { eas: { email: 'e', password: 'p' }, gstins: { nope: 'u' } } } }, /"nope" is not a GSTIN/],
    ['an empty username', { tenants: { t: { eas: { email: 'e', password: 'p' }, gstins: { [A]: '' } } } }, new RegExp(`GSTN username of ${A}`)],
    ['a GSTIN in two tenants', { tenants: { x: { eas: { email: 'e', password: 'p' }, gstins: { [A]: 'u' } }, y: { eas: { email: 'f', password: 'q' }, gstins: { [A]: 'v' } } } }, /in two tenants \("x" and "y"\)/],
  ])('refuses %s with a readable error (never a password)', (_name, content, message) => {
    const path = file(`bad-${_name.replace(/\W/g, '')}.json`, content);
    let err: unknown;
    try {
      new FileCredentials(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CredentialsConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toMatch(/secret|"p"/);
  });

  it('a missing file is refused at creation', () => {
    expect(() => new FileCredentials(join(dir, 'absent.json'))).toThrow(/cannot be read: ENOENT/);
  });

  it('picks up a tenant added to the file without a restart', async () => {
    const path = file('grow.json', doc);
    const p = new FileCredentials(path);
    await expect(p.forGstin(C)).rejects.toBeInstanceOf(UnknownGstinError);
    const grown = { tenants: { ...doc.tenants, gamma: { eas: { email: 'g@g.in', password: 'g' }, gstins: { [C]: 'gamma.dl' } } } };
    file('grow.json', grown);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect(await p.forGstin(C)).toMatchObject({ tenant: 'gamma', gstnUsername: 'gamma.dl' });
  });
});

describe('environment (one tenant)', () => {
  it('EAS_* and GSTN_USERNAME serve every GSTIN; GSTN_USERNAMES overrides per GSTIN', async () => {
    const p = new EnvCredentials({ EAS_EMAIL: 'me@x.in', EAS_PASSWORD: 'pw', EAS_ORG_ID: 'org-1', GSTN_USERNAME: 'main.user', GSTN_USERNAMES: `${B}=other.user` });
    expect(await p.forGstin(A)).toEqual({ tenant: 'default', gstnUsername: 'main.user', eas: { email: 'me@x.in', password: 'pw', orgId: 'org-1' } });
    expect((await p.forGstin(B)).gstnUsername).toBe('other.user');
    expect(p.source).toEqual({ kind: 'env', detail: 'EAS_EMAIL me@x.in, 1 GSTIN(s) in GSTN_USERNAMES' });
  });

  it('nothing set: no default credentials (the sandbox user lives in sandbox/), every GSTIN is an UnknownGstinError', async () => {
    const p = credentialsFromEnv({});
    expect(p.source).toEqual({ kind: 'none', detail: expect.stringContaining('no credentials: set GST_CREDENTIALS_FILE, or EAS_EMAIL + EAS_PASSWORD') });
    await expect(p.forGstin(A)).rejects.toBeInstanceOf(UnknownGstinError);
  });

  it('the sandbox user is passed like any tenant (sandboxEasEnv), never defaulted', async () => {
    const p = credentialsFromEnv(sandboxEasEnv('http://127.0.0.1:1'));
    expect(await p.forGstin(A)).toEqual({ tenant: 'default', gstnUsername: SANDBOX_USER.gstnUsername, eas: { email: SANDBOX_USER.email, password: SANDBOX_USER.password } });
  });

  it('EAS_EMAIL without GSTN_USERNAME serves only the GSTINs in GSTN_USERNAMES', async () => {
    const p = credentialsFromEnv({ EAS_EMAIL: 'me@x.in', EAS_PASSWORD: 'pw' });
    await expect(p.forGstin(A)).rejects.toThrow(/no credentials for GSTIN .*GSTN_USERNAMES/);
  });

  it('EAS_EMAIL without EAS_PASSWORD, or a malformed GSTN_USERNAMES, is refused', () => {
    expect(() => credentialsFromEnv({ EAS_EMAIL: 'me@x.in' })).toThrow('EAS_EMAIL is set but EAS_PASSWORD is not');
    expect(() => credentialsFromEnv({ GSTN_USERNAMES: 'bad=u' })).toThrow(/GSTN_USERNAMES must be "GSTIN=username,…"; "bad=…" is not/);
  });

  it('GST_CREDENTIALS_FILE wins over the environment', async () => {
    const p = credentialsFromEnv({ GST_CREDENTIALS_FILE: file('wins.json', doc), EAS_EMAIL: 'me@x.in', EAS_PASSWORD: 'pw' });
    expect(p.source.kind).toBe('file');
    expect((await p.forGstin(A)).tenant).toBe('acme');
  });
});
