/**
 * The typed EAS gateway client: login and token cache, headers, envelope parsing, typed errors,
 * response validation at the edge, streaming ZIP download to a file. No Temporal here.
 *
 * Transport: Node 20's built-in fetch (undici) — no extra dependency, streaming bodies, AbortSignal timeouts.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DEFAULT_VERSIONS,
  ERRORS,
  gstnBodyMeaning,
  GSP_CODE,
  HEADERS,
  ROUTES,
  TASK_STATUSES,
  TOKEN_RULES,
  type EasErrorBody,
  type EinvoiceDownloadRequest,
  type LoginData,
  type RouteName,
  type TaskStatus,
} from './contract';
import type { EasConfig } from './config';
import { EasError, isEasError } from './errors';
import { accountKey, type HeldToken, type TokenKeeper } from './token-keeper';

export interface JsonResponse<T> {
  /** The exact bytes the gateway sent (what the store keeps). */
  body: Buffer;
  data: T;
}

/** An open ZIP transfer: the body from byte `start` on, and the whole file's size when the gateway said. */
export interface TaskZip {
  body: Readable;
  start: number;
  total?: number;
}

/** No bytes arrived for the stall timeout. */
class StallError extends Error {
  constructor(ms: number) {
    super(`stalled: no bytes for ${Math.round(ms / 1000)} s`);
    this.name = 'StallError';
  }
}

export interface TaskState {
  status: TaskStatus;
  error?: EasErrorBody | null;
}

type Token = HeldToken;

interface CallOptions {
  method: 'GET' | 'POST' | 'PUT';
  base?: 'eas' | 'auth';
  body?: unknown;
  gstin?: string;
  headers?: Record<string, string>;
  bearer?: string;
  noAuth?: boolean;
}

/** One EAS HTTP call as an observer sees it: the route, the HTTP status (or "network": no answer) and the time to the answer's headers. */
export type EasCallObserver = (route: RouteName, status: number | 'network', ms: number) => void;

export interface EasClientDeps {
  /** Injectable clock (tests). */
  now?: () => number;
  /** Keeps the token this client holds, and hands over one a dead process left (eas/token-keeper.ts). */
  tokens?: TokenKeeper;
  /** Told of every HTTP call (metrics); its own errors are ignored. */
  onCall?: EasCallObserver;
}

export class EasClient {
  private tokenPromise: Promise<Token> | undefined;
  private current: Token | undefined;
  private readonly sessions = new Map<string, string>();
  private readonly now: () => number;
  private readonly onCall: EasCallObserver | undefined;
  private readonly keeper: TokenKeeper | undefined;
  private adopted = false;
  /** Calls made, by route (for metrics and tests). */
  readonly calls = new Map<RouteName, number>();

  constructor(
    readonly config: EasConfig,
    deps: EasClientDeps = {},
  ) {
    this.now = deps.now ?? Date.now;
    this.onCall = deps.onCall;
    this.keeper = deps.tokens;
  }

  private get account(): string {
    return accountKey(this.config.email, this.config.orgId);
  }

  private keep(t: Token | undefined): void {
    this.current = t;
    try {
      this.keeper?.hold(this.account, t);
    } catch {
      /* a keeper that cannot write costs a login after a crash, nothing more */
    }
  }

  /**
   * The first time a token is wanted: a token a dead process left for this account, if one is still good (the
   * newest); the others are logged out, freeing their places among EAS's 10.
   */
  private adoptLeft(): Token | undefined {
    if (this.adopted || !this.keeper) return undefined;
    this.adopted = true;
    const left = this.keeper.takeLeft(this.account).sort((a, b) => b.expiry - a.expiry);
    const usable = left.find((t) => t.hardExpiry - this.config.refreshMarginMs > this.now());
    for (const t of left) {
      if (t !== usable) void this.call('logout', ROUTES.logout, { method: 'POST', base: 'auth', noAuth: true, bearer: t.token }).catch(() => undefined);
    }
    return usable;
  }

  // ------------------------------------------------------------------------------------------
  // EAS user token (theodore)
  // ------------------------------------------------------------------------------------------

  /** A valid token: cached, refreshed shortly before expiry, a new login after hard expiry. */
  async token(): Promise<Token> {
    if (!this.current) {
      const left = this.adoptLeft();
      if (left) this.keep(left);
    }
    const t = this.current;
    if (t && t.expiry - this.config.refreshMarginMs > this.now()) return t;
    if (!this.tokenPromise) {
      this.tokenPromise = (t && t.hardExpiry - this.config.refreshMarginMs > this.now() ? this.refresh(t) : this.login())
        .then((fresh) => {
          this.keep(fresh);
          return fresh;
        })
        .finally(() => (this.tokenPromise = undefined));
    }
    return this.tokenPromise;
  }

  /** Forget the cached token (after err-invalid-token). */
  dropToken(): void {
    this.keep(undefined);
  }

  async login(): Promise<Token> {
    const duration = Math.min(this.config.tokenDurationMins, TOKEN_RULES.maxDurationMins);
    const { data } = await this.call<LoginData>('login', ROUTES.authTokens, {
      method: 'POST',
      base: 'auth',
      noAuth: true,
      body: { handle: this.config.email, password: this.config.password, handleType: 'email', tokenDurationInMins: duration },
    });
    const issued = this.now();
    return this.toToken(data, issued + duration * TOKEN_RULES.hardExpiryFactor * 60_000);
  }

  private async refresh(old: Token): Promise<Token> {
    try {
      const { data } = await this.call<LoginData>('refresh', ROUTES.authTokens, {
        method: 'PUT',
        base: 'auth',
        noAuth: true,
        bearer: old.token,
      });
      return this.toToken(data, old.hardExpiry);
    } catch (e) {
      if (e instanceof EasError && e.kind === 'auth-token') return this.login();
      throw e;
    }
  }

  private toToken(data: LoginData, hardExpiry: number): Token {
    const orgs = (Array.isArray(data?.associatedOrgs) ? data.associatedOrgs : []).map((o) => o?.organisation?.id);
    const orgId = this.config.orgId ?? orgs[0];
    if (typeof data?.token !== 'string' || typeof data.expiry !== 'number' || typeof orgId !== 'string') {
      throw new EasError({ kind: 'bad-response', code: 'bad-response', type: 'Contract', route: 'login', detail: 'login body lacks token, expiry or associatedOrgs[0].organisation.id' });
    }
    if (!orgs.includes(orgId)) {
      throw new EasError({ kind: 'auth-config', code: 'org-not-associated', type: 'Config', route: 'login', detail: `EAS user ${this.config.email} is not associated with org ${orgId}` });
    }
    return { token: data.token, orgId, expiry: data.expiry, hardExpiry };
  }

  /** Whether this client holds a token (one that a logout would end). */
  get hasToken(): boolean {
    return this.current !== undefined;
  }

  /** Ends the token (if any) at theodore; a failure is reported, not thrown (shutdown goes on). */
  async logout(): Promise<boolean> {
    const t = this.current ?? (await this.tokenPromise?.catch(() => undefined));
    this.keep(undefined);
    if (!t) return false;
    return this.call('logout', ROUTES.logout, { method: 'POST', base: 'auth', noAuth: true, bearer: t.token }).then(
      () => true,
      () => false,
    );
  }

  // ------------------------------------------------------------------------------------------
  // GSTN session (held by the gateway per GSTIN; see docs/eas-contract.md)
  // ------------------------------------------------------------------------------------------

  async requestOtp(gstin: string, username = this.config.gstnUsername): Promise<string> {
    const { data } = await this.call<{ 'otp-request-id': string }>('gstnAuth', ROUTES.gstnAuthV1(DEFAULT_VERSIONS.auth, 'OTPREQUEST'), {
      method: 'POST',
      gstin,
      body: { gstin, username },
    });
    return requireString(data?.['otp-request-id'], 'gstnAuth', 'otp-request-id');
  }

  /** Verifies an OTP; the gateway then holds a live session for the GSTIN. Returns the session id. */
  async verifyOtp(gstin: string, otpRequestId: string, otp: string): Promise<string> {
    const { data } = await this.call<{ 'gst-session-id': string }>('gstnAuth', ROUTES.gstnAuthV1(DEFAULT_VERSIONS.auth, 'AUTHTOKEN'), {
      method: 'POST',
      gstin,
      body: { 'otp-request-id': otpRequestId, otp },
    });
    const id = requireString(data?.['gst-session-id'], 'gstnAuth', 'gst-session-id');
    this.sessions.set(gstin, id);
    return id;
  }

  /** Refreshes the GSTIN's session (by the id we hold, else by GSTIN). Returns the new session id. */
  async refreshSession(gstin: string): Promise<string> {
    const known = this.sessions.get(gstin);
    const refresh = (body: Record<string, string>) =>
      this.call<{ 'gst-session-id': string }>('gstnAuth', ROUTES.gstnAuthV1(DEFAULT_VERSIONS.auth, 'REFRESHTOKEN'), { method: 'POST', gstin, body });
    let answer: Awaited<ReturnType<typeof refresh>>;
    try {
      answer = await refresh(known ? { 'gst-session-id': known } : { gstin });
    } catch (e) {
      // The id we hold may be an old session's: someone else (gst-download session verify-otp, another worker)
      // may have opened a new one for the GSTIN since. Forget ours and ask by GSTIN once.
      if (!known || !isEasError(e) || e.kind !== 'gstn-session-expired') throw e;
      this.sessions.delete(gstin);
      answer = await refresh({ gstin });
    }
    const id = requireString(answer.data?.['gst-session-id'], 'gstnAuth', 'gst-session-id');
    this.sessions.set(gstin, id);
    return id;
  }

  // ------------------------------------------------------------------------------------------
  // Downloads
  // ------------------------------------------------------------------------------------------

  async submitEinvoiceDownload(req: EinvoiceDownloadRequest): Promise<string> {
    const { data } = await this.call<{ 'task-id': string }>('einvoiceDownload', ROUTES.einvoiceDownload, {
      method: 'POST',
      gstin: req.gstin,
      body: {
        retPeriod: req.retPeriod,
        supplyType: req.supplyType,
        gstin: req.gstin,
        supplierGstin: req.supplierGstin ?? null,
        recipientGstin: req.recipientGstin ?? null,
      },
    });
    return requireString(data?.['task-id'], 'einvoiceDownload', 'task-id');
  }

  async submitImsDownload(gstin: string, section: string, status?: string): Promise<string> {
    const { data } = await this.call<{ 'task-id': string }>('imsInvoices', ROUTES.imsInvoices(section, status), { method: 'GET', gstin });
    return requireString(data?.['task-id'], 'imsInvoices', 'task-id');
  }

  async taskStatus(taskId: string): Promise<TaskState> {
    const { data } = await this.call<{ task?: { id?: string; status?: string; error?: EasErrorBody | null } }>(
      'taskStatus',
      ROUTES.taskStatus(taskId),
      { method: 'GET' },
    );
    const status = data?.task?.status;
    if (!status || !(TASK_STATUSES as readonly string[]).includes(status)) {
      throw contractError('taskStatus', `unknown task status ${JSON.stringify(status)}`);
    }
    return { status: status as TaskStatus, error: data?.task?.error ?? null };
  }

  async taskPages(taskId: string): Promise<number> {
    const { data } = await this.call<{ pages: number }>('taskResult', ROUTES.taskResult(taskId), { method: 'GET' });
    const pages = data?.pages;
    if (typeof pages !== 'number' || !Number.isInteger(pages) || pages < 0) {
      throw contractError('taskResult', `pages is not a non-negative integer: ${JSON.stringify(pages)}`);
    }
    return pages;
  }

  async taskPage(taskId: string, page: number): Promise<JsonResponse<Record<string, unknown>>> {
    const res = await this.call<Record<string, unknown>>('taskPage', ROUTES.taskPage(taskId, page), { method: 'GET' });
    if (typeof res.data !== 'object' || res.data === null || Array.isArray(res.data)) {
      throw contractError('taskPage', 'page data is not an object of section arrays');
    }
    return res;
  }

  async gstr2b(gstin: string, rtnprd: string, fileNum?: number): Promise<JsonResponse<Gstr2bData>> {
    const res = await this.call<Gstr2bData>('gstr2b', ROUTES.gstr2b(DEFAULT_VERSIONS.returns, gstin, rtnprd, fileNum), {
      method: 'GET',
      gstin,
    });
    // GSTN's own status inside a 200: queued (status_cd "2", token + est) is returned as is; a coded error is
    // thrown with its meaning from the contract's GSTN table (status_cd "0" or 0).
    const meaning = gstnBodyMeaning(res.data);
    if (meaning.kind === 'queued') return res;
    if (meaning.kind !== 'data') {
      throw new EasError({
        kind: meaning.kind,
        code: ERRORS.gstnReturnedError.message,
        type: 'Gstn',
        route: 'gstr2b',
        httpStatus: 200,
        args: { 'gstn-err': { 'status-code': '0', 'error-code': meaning.code, message: meaning.message } },
      });
    }
    if (typeof res.data?.data !== 'object' || res.data.data === null) {
      throw contractError('gstr2b', 'GSTR-2B answer lacks data.data');
    }
    return res;
  }

  async irnDetails(gstin: string, irn: string): Promise<JsonResponse<Record<string, unknown>>> {
    const res = await this.call<Record<string, unknown>>('irnDetails', ROUTES.irnDetails(DEFAULT_VERSIONS.einvoice, irn), {
      method: 'GET',
      gstin,
    });
    if (typeof res.data?.data !== 'object' || res.data.data === null) {
      throw contractError('irnDetails', 'IRN details answer lacks data.data');
    }
    return res;
  }

  /**
   * Streams a task's ZIP to `destPath` (never held in memory). Returns its size and sha256.
   * The caller checks the archive; a partial file is removed on failure.
   */
  /**
   * Opens the task's ZIP for streaming. With `offset` > 0 it asks for the rest only (`Range: bytes=offset-`);
   * `start` says where the body really begins: `offset` when the gateway answered 206 for that range, 0 when it
   * sent the whole file (200) — the caller then starts over. `total` is the whole file's size when known.
   * `signal` aborts the transfer (an activity's cancellation); a body that sends no bytes for the stall timeout
   * fails with a retryable network error (there is no whole-body timeout: a big ZIP over a slow link may take hours).
   */
  async openTaskZip(taskId: string, o: { offset?: number; signal?: AbortSignal } = {}): Promise<TaskZip> {
    const route: RouteName = 'taskDownload';
    const offset = o.offset ?? 0;
    return this.withToken(route, async (tok) => {
      const abort = new AbortController();
      const onAbort = () => abort.abort(o.signal?.reason ?? new Error('aborted'));
      if (o.signal?.aborted) onAbort();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const stallMs = this.config.stallTimeoutMs;
      let timer = setTimeout(() => abort.abort(new StallError(stallMs)), stallMs);
      const done = () => {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
      };
      const headers: Record<string, string> = { ...this.authHeaders(tok), [HEADERS.accept]: 'application/zip' };
      if (offset > 0) headers.range = `bytes=${offset}-`;
      let res: Response;
      try {
        res = await this.fetch(route, this.url('eas', ROUTES.taskDownload(taskId)), { method: 'GET', headers, signal: abort.signal });
      } catch (e) {
        done();
        throw networkError(route, abort.signal.reason instanceof StallError ? abort.signal.reason : e);
      }
      if (!res.ok || !(res.headers.get('content-type') ?? '').includes('zip')) {
        const body = Buffer.from(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
        done();
        throw this.errorFrom(route, res, body);
      }
      if (!res.body) {
        done();
        throw contractError(route, 'empty ZIP body');
      }
      let start = 0;
      let total: number | undefined;
      const length = Number(res.headers.get('content-length') ?? NaN);
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (res.status === 206 && range) {
        start = Number(range[1]);
        if (range[3] !== '*') total = Number(range[3]);
        if (start !== offset) {
          done();
          await res.body.cancel().catch(() => undefined);
          throw contractError(route, `asked for bytes from ${offset}, got a range from ${start}`);
        }
      } else if (res.status === 200 && Number.isFinite(length)) total = length;
      const expected = Number.isFinite(length) ? length : undefined;
      let got = 0;
      const guard = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          clearTimeout(timer);
          timer = setTimeout(() => abort.abort(new StallError(stallMs)), stallMs);
          got += chunk.length;
          cb(null, chunk);
        },
        flush(cb) {
          done();
          cb(expected !== undefined && got !== expected ? contractError(route, `ZIP truncated: ${got} of ${expected} bytes`) : null);
        },
      });
      const web = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
      web.on('error', (e) => {
        done();
        guard.destroy(networkError(route, abort.signal.reason instanceof StallError ? abort.signal.reason : e));
      });
      guard.on('close', () => {
        done();
        if (!web.readableEnded) web.destroy(); // the reader gave up: stop the transfer too
      });
      return { body: web.pipe(guard), start, total };
    });
  }

  /** Streams the whole ZIP to `destPath` (no resume); the file is removed when the transfer fails. */
  async downloadTaskZip(taskId: string, destPath: string, o: { signal?: AbortSignal } = {}): Promise<{ bytes: number; sha256: string }> {
    const { body } = await this.openTaskZip(taskId, o);
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(body, count, createWriteStream(destPath));
    } catch (e) {
      await rm(destPath, { force: true });
      throw networkError('taskDownload', e);
    }
    return { bytes, sha256: hash.digest('hex') };
  }

  // ------------------------------------------------------------------------------------------
  // Transport
  // ------------------------------------------------------------------------------------------

  private url(base: 'eas' | 'auth', path: string): string {
    const root = (base === 'auth' ? this.config.authUrl : this.config.baseUrl).replace(/\/+$/, '');
    return root + path;
  }

  private authHeaders(t: Token): Record<string, string> {
    return { [HEADERS.orgId]: t.orgId, [HEADERS.userToken]: t.token };
  }

  /** One token-authenticated attempt, then exactly one more after a refresh or new login if the token was refused. */
  private async withToken<T>(route: RouteName, fn: (t: Token) => Promise<T>): Promise<T> {
    const tok = await this.token();
    try {
      return await fn(tok);
    } catch (e) {
      if (!(e instanceof EasError) || e.kind !== 'auth-token') throw e;
      if (this.current === tok) {
        // expired → refresh (or log in after hard expiry); invalid → log in again
        if (e.code === 'err-expired-token') this.keep({ ...tok, expiry: 0 });
        else this.keep(undefined);
      }
      return fn(await this.token());
    }
  }

  private async call<T>(route: RouteName, path: string, opts: CallOptions): Promise<JsonResponse<T>> {
    const send = async (tok?: Token): Promise<JsonResponse<T>> => {
      const headers: Record<string, string> = { [HEADERS.accept]: 'application/json', ...opts.headers };
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      if (tok) Object.assign(headers, this.authHeaders(tok));
      if (opts.bearer) headers[HEADERS.authorization] = `Bearer ${opts.bearer}`;
      if (opts.gstin) {
        headers[HEADERS.gstin] = opts.gstin;
        headers[HEADERS.gspCode] = GSP_CODE;
      }
      const res = await this.fetch(route, this.url(opts.base ?? 'eas', path), {
        method: opts.method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      let body: Buffer;
      try {
        body = Buffer.from(await res.arrayBuffer());
      } catch (e) {
        throw networkError(route, e);
      }
      if (!res.ok) throw this.errorFrom(route, res, body);
      return { body, data: parseEnvelope<T>(route, res.status, body) };
    };
    return opts.noAuth ? send() : this.withToken(route, send);
  }

  private async fetch(route: RouteName, url: string, init: RequestInit): Promise<Response> {
    this.calls.set(route, (this.calls.get(route) ?? 0) + 1);
    const started = performance.now();
    try {
      const res = await fetch(url, init);
      this.observe(route, res.status, started);
      return res;
    } catch (e) {
      this.observe(route, 'network', started);
      throw networkError(route, e);
    }
  }

  private observe(route: RouteName, status: number | 'network', started: number): void {
    if (!this.onCall) return;
    try {
      this.onCall(route, status, performance.now() - started);
    } catch {
      /* an observer never breaks a call */
    }
  }

  private errorFrom(route: RouteName, res: Response, body: Buffer): EasError {
    let err: EasErrorBody | undefined;
    try {
      err = (JSON.parse(body.toString('utf8')) as { error?: EasErrorBody }).error ?? undefined;
    } catch {
      err = undefined;
    }
    return EasError.fromBody(route, res.status, err, parseRetryAfter(res.headers.get(HEADERS.retryAfter), this.now()));
  }
}

export interface Gstr2bData {
  chksum?: string;
  data: {
    gstin?: string;
    rtnprd?: string;
    gendt?: string;
    fc?: number;
    docdata?: Record<string, unknown>;
    [key: string]: unknown;
  };
}

/** Parses a 200 body in either envelope: v3 `{status, data, error}` or legacy `{data}` / `{error}`. */
export function parseEnvelope<T>(route: RouteName, httpStatus: number, body: Buffer): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw contractError(route, `body is not JSON (${body.length} bytes)`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw contractError(route, 'body is not a JSON object');
  const env = parsed as { status?: unknown; data?: unknown; error?: EasErrorBody | null };
  if (env.status === '0' || env.status === 0 || (env.error && env.status === undefined)) {
    throw EasError.fromBody(route, httpStatus, env.error ?? undefined);
  }
  if (env.status !== undefined && env.status !== '1' && env.status !== 1) {
    throw contractError(route, `unknown envelope status ${JSON.stringify(env.status)}`);
  }
  if (!('data' in env)) throw contractError(route, 'envelope has no data');
  return env.data as T;
}

export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function contractError(route: RouteName, detail: string): EasError {
  return new EasError({ kind: 'bad-response', code: 'bad-response', type: 'Contract', route, detail });
}

function networkError(route: RouteName, e: unknown): EasError {
  if (e instanceof EasError) return e;
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err?.cause?.code ?? (err?.name === 'TimeoutError' ? 'timeout' : err?.name ?? 'error');
  return new EasError({ kind: 'network', code: 'network', type: 'Network', route, detail: `${code}: ${err?.cause?.message ?? err?.message ?? String(e)}` });
}

function requireString(v: unknown, route: RouteName, field: string): string {
  if (typeof v !== 'string' || v === '') throw contractError(route, `${field} missing`);
  return v;
}
