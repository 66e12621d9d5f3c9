/** Shared helpers of the sandbox contract tests: a started sandbox, an EAS caller, unzip and seed parsing. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yauzl from 'yauzl';
import { HEADERS, ROUTES, GSP_CODE } from '../../eas/contract';
import { SANDBOX_USER } from '../../sandbox/user';
import { SandboxAdmin } from '../../sandbox/admin';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox/server';

export interface Harness {
  sandbox: RunningSandbox;
  admin: SandboxAdmin;
  url: string;
}

export async function start(opts: Partial<SandboxOptions> = {}): Promise<Harness> {
  const sandbox = await startSandbox({ port: 0, ...opts });
  return { sandbox, admin: new SandboxAdmin(sandbox.url), url: sandbox.url };
}

export interface Res {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function call(url: string, init: RequestInit = {}): Promise<Res> {
  const r = await fetch(url, init);
  const bytes = Buffer.from(await r.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, bytes, json };
}

export async function login(base: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call(`${base}${ROUTES.authTokens}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle: SANDBOX_USER.email, password: SANDBOX_USER.password, handleType: 'email', ...extra }),
  });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.bytes.toString()}`);
  return r.json.data.token as string;
}

/** Calls an EAS route with the org + token headers (and the GSTIN headers when a GSTIN is given). */
export function eas(
  base: string,
  token: string,
  path: string,
  opts: { method?: string; gstin?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Res> {
  const headers: Record<string, string> = { [HEADERS.orgId]: SANDBOX_USER.orgId, [HEADERS.userToken]: token, ...opts.headers };
  if (opts.gstin) {
    headers[HEADERS.gstin] = opts.gstin;
    headers[HEADERS.gspCode] = GSP_CODE;
  }
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  return call(`${base}${path}`, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Every entry of a ZIP, name → bytes. */
export function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolvePromise, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, zf) => {
      if (err || !zf) return reject(err ?? new Error('no zip'));
      const out = new Map<string, Buffer>();
      zf.on('entry', (entry: yauzl.Entry) => {
        zf.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) return reject(e2 ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zf.readEntry();
          });
        });
      });
      zf.on('end', () => resolvePromise(out));
      zf.on('error', reject);
      zf.readEntry();
    });
  });
}

/** Polls task status until it leaves `processing`. */
export async function waitTask(base: string, token: string, id: string, maxPolls = 100): Promise<any> {
  for (let i = 0; i < maxPolls; i++) {
    const r = await eas(base, token, ROUTES.taskStatus(id));
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    if (r.json.data.task.status !== 'processing') return r.json.data.task;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('task never finished');
}

export const SEEDS_DIR = resolve(__dirname, '../../../shared/seeds');

/** Every JSON object that parses out of a seed page (top-level `{…}` blocks). */
export function seedObjects(prefix: string): any[] {
  const file = readdirSync(SEEDS_DIR).find((f) => f.startsWith(prefix));
  if (!file) throw new Error(`no seed ${prefix}`);
  const text = readFileSync(resolve(SEEDS_DIR, file), 'utf8');
  const out: unknown[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '{') continue;
    let depth = 0;
    let inStr = false;
    let esc = false;
    for (let j = i; j < text.length; j++) {
      const c = text[j];
      if (inStr) {
        if (esc) esc = false;
        else if (c === '\\') esc = true;
        else if (c === '"') inStr = false;
      } else if (c === '"') inStr = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        try {
          out.push(JSON.parse(text.slice(i, j + 1)));
          i = j;
        } catch {
          /* not JSON: keep scanning */
        }
        break;
      }
    }
  }
  return out;
}

export const seedsPresent = existsSync(SEEDS_DIR);

export const GSTIN_A = '27AAPFU0939F1ZV';
export const GSTIN_B = '29AAGCB7383J1Z4';
