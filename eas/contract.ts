/**
 * The EAS contract: routes, headers, the response envelope and the error table.
 *
 * This is the ONE module shared by the gateway client (eas/client.ts) and the sandbox (sandbox/).
 * Where Vayana's docs are silent, the reading chosen here is written down in docs/eas-contract.md.
 * No Temporal, no Node built-ins: plain data and pure functions only.
 */
import type { FailureType } from '../domain/failures';

import type { GstnAnswerOutcome } from '../domain/outcomes';

export const FLYNN_VERSION = 'v1.0';
export const GSP_CODE = 'vay';

/** gstn-api-versions the gateway accepts; anything else is `err-invalid-gst-returns-api-version`. */
export const GSTN_API_VERSIONS = ['v0.2', 'v0.3', 'v1.0', 'v2.0', 'v3.0', 'v4.0'] as const;
/** The versions this product calls with. */
export const DEFAULT_VERSIONS = { auth: 'v0.2', returns: 'v3.0', einvoice: 'v1.0' } as const;

/** Header names (HTTP headers are case-insensitive; Node lower-cases incoming ones). */
export const HEADERS = {
  orgId: 'x-flynn-n-org-id',
  userToken: 'x-flynn-n-user-token',
  gstin: 'x-flynn-n-gstin',
  gspCode: 'x-flynn-n-gstn-gsp-code',
  action: 'action',
  accept: 'accept',
  authorization: 'authorization',
  retryAfter: 'retry-after',
} as const;

export const GSTN_AUTH_ACTIONS = ['OTPREQUEST', 'AUTHTOKEN', 'REFRESHTOKEN', 'LOGOUT'] as const;
export type GstnAuthAction = (typeof GSTN_AUTH_ACTIONS)[number];

export const TASK_STATUSES = ['processing', 'completed', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Token rules of theodore, as documented. */
export const TOKEN_RULES = {
  defaultDurationMins: 20,
  maxDurationMins: 360,
  hardExpiryFactor: 6,
  maxActiveTokens: 10,
} as const;

/** Retention of async task results, as documented ("accessible for the period of 7 days"). */
export const TASK_RETENTION_MS_DEFAULT = 7 * 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// Routes: builders for the client, matchers for the sandbox. Both come from the same templates.
// ---------------------------------------------------------------------------------------------

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined | null>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${enc(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

export const ROUTES = {
  /** theodore (EAS_AUTH_URL): POST login, PUT refresh (Bearer). */
  authTokens: '/theodore/apis/v1/authtokens',
  /** theodore logout (Bearer). */
  logout: '/theodore/apis/v1/logout',
  /** GSTN session, v1.0 style: the action is the last path segment. */
  gstnAuthV1: (gstnVersion: string, action: GstnAuthAction) =>
    `/basic/gstn/v1.0/taxpayerapi/${gstnVersion}/authenticate/${action}`,
  /** GSTN session, v3.0 style: the action travels in the `action` header. */
  gstnAuthV3: (gstnVersion: string) => `/basic/gstn/v3.0/taxpayerapi/${gstnVersion}/authenticate`,
  einvoiceDownload: `/enriched/gstn/${FLYNN_VERSION}/einvoice/download`,
  imsInvoices: (section: string, status?: string) =>
    `/enriched/gstn/${FLYNN_VERSION}/ims-invoices${query({ section, status })}`,
  gstr2b: (gstnVersion: string, gstin: string, rtnprd: string, fileNum?: number) =>
    `/basic/gstn/${FLYNN_VERSION}/taxpayerapi/${gstnVersion}/returns${query({
      gstn_ret_type: 'gstr2b',
      gstin,
      rtnprd,
      file_num: fileNum,
    })}`,
  irnDetails: (gstnVersion: string, irn: string) =>
    `/basic/gstn/${FLYNN_VERSION}/taxpayerapi/${gstnVersion}/einvoice${query({ irn, action: 'IRNDTL' })}`,
  taskStatus: (taskId: string) => `/enriched/tasks/${FLYNN_VERSION}/status/${enc(taskId)}`,
  taskDownload: (taskId: string) => `/enriched/tasks/${FLYNN_VERSION}/download/${enc(taskId)}`,
  taskResult: (taskId: string) => `/enriched/tasks/${FLYNN_VERSION}/result/${enc(taskId)}`,
  taskPage: (taskId: string, page: number) => `/enriched/tasks/${FLYNN_VERSION}/result/${enc(taskId)}/page/${page}`,
} as const;

/** Route names, used for per-route fault injection and request counting. */
export const ROUTE_NAMES = [
  'login',
  'refresh',
  'logout',
  'gstnAuth',
  'einvoiceDownload',
  'imsInvoices',
  'gstr2b',
  'irnDetails',
  'taskStatus',
  'taskDownload',
  'taskResult',
  'taskPage',
] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface RouteMatch {
  name: RouteName;
  /** Path parameters: gstnVersion, flynnVersion, action, taskId, page. */
  params: Record<string, string>;
}

const MATCHERS: Array<{ method: string; name: RouteName; re: RegExp; keys: string[] }> = [
  { method: 'POST', name: 'login', re: /^\/theodore\/apis\/v1\/authtokens$/, keys: [] },
  { method: 'PUT', name: 'refresh', re: /^\/theodore\/apis\/v1\/authtokens$/, keys: [] },
  { method: 'POST', name: 'logout', re: /^\/theodore\/apis\/v1\/logout$/, keys: [] },
  {
    method: 'POST',
    name: 'gstnAuth',
    re: /^\/basic\/gstn\/(v\d+\.\d+)\/taxpayerapi\/([^/]+)\/authenticate(?:\/([A-Z]+))?$/,
    keys: ['flynnVersion', 'gstnVersion', 'action'],
  },
  { method: 'POST', name: 'einvoiceDownload', re: /^\/enriched\/gstn\/v1\.0\/einvoice\/download$/, keys: [] },
  { method: 'GET', name: 'imsInvoices', re: /^\/enriched\/gstn\/v1\.0\/ims-invoices$/, keys: [] },
  { method: 'GET', name: 'gstr2b', re: /^\/basic\/gstn\/v1\.0\/taxpayerapi\/([^/]+)\/returns$/, keys: ['gstnVersion'] },
  { method: 'GET', name: 'irnDetails', re: /^\/basic\/gstn\/v1\.0\/taxpayerapi\/([^/]+)\/einvoice$/, keys: ['gstnVersion'] },
  { method: 'GET', name: 'taskStatus', re: /^\/enriched\/tasks\/v1\.0\/status\/([^/]+)$/, keys: ['taskId'] },
  { method: 'GET', name: 'taskDownload', re: /^\/enriched\/tasks\/v1\.0\/download\/([^/]+)$/, keys: ['taskId'] },
  { method: 'GET', name: 'taskResult', re: /^\/enriched\/tasks\/v1\.0\/result\/([^/]+)$/, keys: ['taskId'] },
  { method: 'GET', name: 'taskPage', re: /^\/enriched\/tasks\/v1\.0\/result\/([^/]+)\/page\/([^/]+)$/, keys: ['taskId', 'page'] },
];

/** Which documented route a request is for (the sandbox's router), or undefined. */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  for (const m of MATCHERS) {
    if (m.method !== method.toUpperCase()) continue;
    const hit = m.re.exec(pathname);
    if (!hit) continue;
    const params: Record<string, string> = {};
    m.keys.forEach((k, i) => {
      const v = hit[i + 1];
      if (v !== undefined) params[k] = decodeURIComponent(v);
    });
    return { name: m.name, params };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Envelope
// ---------------------------------------------------------------------------------------------

export interface EasErrorBody {
  message: string;
  type: string;
  args: Record<string, unknown>;
}

/** The v3.0 envelope (also used by the v1.0 enriched-gstn, IMS and GSTR-2B routes). */
export interface Envelope<T> {
  status: '1' | '0';
  data: T | null;
  error: EasErrorBody | null;
  info: unknown;
  additionalInfo: unknown;
  alert: unknown;
}

/** The v1.0/v2.0 envelope (theodore and the task-status route): `{data}` or `{error}`. */
export interface LegacyEnvelope<T> {
  data?: T;
  error?: EasErrorBody;
}

export function okEnvelope<T>(data: T): Envelope<T> {
  return { status: '1', data, error: null, info: null, additionalInfo: null, alert: null };
}

export function errorEnvelope(error: EasErrorBody): Envelope<never> {
  return { status: '0', data: null, error, info: null, additionalInfo: null, alert: null };
}

// ---------------------------------------------------------------------------------------------
// Payload shapes
// ---------------------------------------------------------------------------------------------

export interface LoginRequest {
  handle: string;
  password: string;
  handleType: 'email' | 'mobile';
  tokenDurationInMins?: number;
}

export interface LoginData {
  token: string;
  userId: string;
  /** epoch milliseconds */
  expiry: number;
  email: string;
  associatedOrgs: Array<{
    organisation: { id: string; name: string; taxIdentifier?: string; services?: Array<{ serviceCode: string }> };
    userAccessInfo?: { primary: boolean; admin: boolean };
  }>;
  [key: string]: unknown;
}

export interface EinvoiceDownloadRequest {
  retPeriod: string;
  supplyType: string;
  gstin: string;
  supplierGstin?: string | null;
  recipientGstin?: string | null;
}

export interface TaskIdData {
  'task-id': string;
}

/** Task status body: `{ "data": { "task": { id, status, error? } } }` (legacy envelope, as documented). */
export interface TaskStatusData {
  task: { id: string; status: TaskStatus; error?: EasErrorBody | null };
}

export interface TaskResultData {
  pages: number;
}

/** One entry of the e-invoice ZIP's result.json `data` array. */
export interface ResultEntry {
  status: '1' | '0';
  data: string | null;
  error: EasErrorBody | null;
}

export const EINVOICE_ZIP = {
  resultFile: 'result.json',
  dataFile: (n: number) => `file-${n}.json`,
} as const;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * What a failure means for the caller:
 * - client: the request is wrong; retrying the same request cannot help.
 * - auth-config: credentials or org are wrong; retrying cannot help.
 * - auth-token: the EAS user token is expired/invalid; refresh or log in again, then retry.
 * - gstn-session: no live GSTN session for the GSTIN; refresh the session, then retry.
 * - gstn-session-expired: the session cannot be refreshed (max age, logged out); a new OTP is needed.
 * - invalid-otp: the OTP was wrong or its request expired.
 * - not-found: the task, page or resource does not exist (or its result expired).
 * - not-ready: the data is not there yet (task still processing, return not generated).
 * - rate-limited: slow down; honour Retry-After.
 * - token-limit: the EAS user has its maximum of active tokens; wait for one to expire or be logged out.
 * - server: the gateway or GSTN failed; retry with backoff.
 * - network: connection reset, timeout; retry with backoff.
 * - bad-response: the body did not parse or did not match the contract; retry with backoff.
 * - no-data / not-generated / not-applicable: GSTN's ANSWER, not a failure (see GSTN_OUTCOME_KINDS).
 * - api-access-disabled: the taxpayer has not enabled API access on the GST portal; a person must act.
 */
export type EasErrorKind =
  | 'client'
  | 'auth-config'
  | 'auth-token'
  | 'gstn-session'
  | 'gstn-session-expired'
  | 'invalid-otp'
  | 'not-found'
  | 'not-ready'
  | 'rate-limited'
  | 'token-limit'
  | 'server'
  | 'network'
  | 'bad-response'
  | 'no-data'
  | 'not-generated'
  | 'not-applicable'
  | 'api-access-disabled';

export interface ErrorSpec {
  message: string;
  type: string;
  http: number;
  kind: EasErrorKind;
}

/** The gateway's error catalogue (docs/eas-contract.md lists which entries are documented and which are ours). */
export const ERRORS = {
  invalidOrg: { message: 'err-invalid-org', type: 'Authorization', http: 403, kind: 'auth-config' },
  expiredToken: { message: 'err-expired-token', type: 'Authorization', http: 403, kind: 'auth-token' },
  invalidToken: { message: 'err-invalid-token', type: 'Authorization', http: 403, kind: 'auth-token' },
  activeTokensLimit: { message: 'err-active-tokens-limit-exceeded', type: 'Authorization', http: 401, kind: 'token-limit' },
  invalidCredentials: { message: 'err-invalid-credentials', type: 'ClientError', http: 401, kind: 'auth-config' },
  issueWithParameter: { message: 'err-issue-with-parameter', type: 'ClientError', http: 400, kind: 'client' },
  invalidGstinFormat: { message: 'err-invalid-gstin-format', type: 'ClientRequest', http: 400, kind: 'client' },
  invalidApiVersion: { message: 'err-invalid-gst-returns-api-version', type: 'ClientRequest', http: 400, kind: 'client' },
  paramIsMandatory: { message: 'err-param-is-mandatory', type: 'ClientRequest', http: 400, kind: 'client' },
  invalidParam: { message: 'err-invalid-param-value', type: 'ClientRequest', http: 400, kind: 'client' },
  contentType: { message: 'err-content-type-not-set-correctly', type: 'ClientRequest', http: 400, kind: 'client' },
  taskNotCompleted: { message: 'err-task-not-completed', type: 'ClientRequest', http: 400, kind: 'not-ready' },
  resourceNotFound: { message: 'err-resource-not-found', type: 'ResourceNotFound', http: 404, kind: 'not-found' },
  gstnReturnedError: { message: 'err-gstn-returned-error', type: 'Gstn', http: 502, kind: 'server' },
  tooManyRequests: { message: 'err-too-many-requests', type: 'RateLimit', http: 429, kind: 'rate-limited' },
  internal: { message: 'err-internal-server-error', type: 'Runtime', http: 500, kind: 'server' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERRORS;

/**
 * THE table of GSTN codes: carried in `err-gstn-returned-error` as `args["gstn-err"]`
 * (`{"status-code":"0","error-code":"RET11402","message":"Unauthorized User"}`) or, on pass-through routes, as a
 * GSTN body `{status_cd: "0" | 0, error: {error_cd, message}}`; and what each means. The answers (no-data,
 * not-generated, not-applicable) follow india-compliance's mapping (docs/eas-contract.md, "GSTN answers").
 */
export const GSTN_ERRORS = {
  unauthorized: { code: 'RET11402', message: 'Unauthorized User', kind: 'gstn-session' },
  sessionMaxAge: { code: 'AUTH4038', message: 'Session has reached its maximum age; authenticate with a new OTP', kind: 'gstn-session-expired' },
  invalidOtp: { code: 'AUTH4033', message: 'Invalid OTP', kind: 'invalid-otp' },
  invalidSessionId: { code: 'AUTH4034', message: 'Invalid or logged-out GST session', kind: 'gstn-session-expired' },
  apiAccessDisabled: {
    code: 'AUTH4037',
    message: 'API access is not available or user expiry Duration is less than or equal to auth token expiry duration',
    kind: 'api-access-disabled',
  },
  gstnDown: { code: 'GEN5001', message: 'GSTN system is temporarily unavailable', kind: 'server' },
  // no documents: a successful, empty download
  noDocs13508: { code: 'RET13508', message: 'No data found for the provided inputs', kind: 'no-data' },
  noDocs13509: { code: 'RET13509', message: 'No document found for the provided Inputs', kind: 'no-data' },
  noDocs13510: { code: 'RET13510', message: 'No invoices found for the provided inputs', kind: 'no-data' },
  noDocs11416: { code: 'RET11416', message: 'No invoices found for the provided inputs', kind: 'no-data' },
  noDocs11417: { code: 'RET11417', message: 'No records found for the provided inputs', kind: 'no-data' },
  noDocs2b1016: { code: 'RET2B1016', message: 'No record found for GSTR-2B for the provided inputs', kind: 'no-data' },
  irnNotFound: { code: 'EINV30107', message: 'No e-invoice found for the provided inputs', kind: 'no-data' },
  einvNoDocs30108: { code: 'EINV30108', message: 'No e-invoices found for the provided inputs', kind: 'no-data' },
  einvNoDocs30118: { code: 'EINV30118', message: 'No e-invoices found for the provided inputs', kind: 'no-data' },
  // not generated yet: ask again later
  notGenerated: { code: 'RET2B1023', message: 'GSTR-2B is not generated for the return period', kind: 'not-generated' },
  gstr2bNotGenerated: {
    code: 'GTR2B-002',
    message: 'Either there is no record for GSTR 2B or GSTR 2B for current return period is not generated by system',
    kind: 'not-generated',
  },
  einvNotGenerated: { code: 'EINV30109', message: 'E-invoice data is not generated yet for the provided inputs', kind: 'not-generated' },
  // not applicable: done, do not ask again
  gstr2bNotApplicable: { code: 'GTR2B-001', message: 'GSTR-2B is not applicable for the return period', kind: 'not-applicable' },
} as const satisfies Record<string, { code: string; message: string; kind: EasErrorKind }>;

export type GstnErrorName = keyof typeof GSTN_ERRORS;

/** The kind a GSTN code means (undefined for a code not in the table: a server-side problem, retried). */
export function gstnCodeKind(code: string | undefined): EasErrorKind | undefined {
  return Object.values(GSTN_ERRORS).find((g) => g.code === code)?.kind;
}

export { DOWNLOAD_OUTCOMES, type DownloadOutcome } from '../domain/outcomes';

/** Kinds that are GSTN's answer about the data, not a failure. */
export const GSTN_OUTCOME_KINDS: ReadonlySet<EasErrorKind> = new Set<EasErrorKind>(['no-data', 'not-generated', 'not-applicable']);

/** The outcome an error kind stands for, if it is an answer. */
export function outcomeOfKind(kind: EasErrorKind): GstnAnswerOutcome | undefined {
  return GSTN_OUTCOME_KINDS.has(kind) ? (kind as GstnAnswerOutcome) : undefined;
}

/** GSTN's `status_cd`, a string or a number depending on the path: "1"/1 success, "0"/0 error, "2"/2 queued. */
export function statusCd(v: unknown): '0' | '1' | '2' | undefined {
  const s = typeof v === 'number' ? String(v) : v;
  return s === '0' || s === '1' || s === '2' ? s : undefined;
}

/**
 * What a GSTN pass-through body (the EAS envelope's `data`) says: documents, an answer coded in the table, a
 * queued request (`status_cd` "2" with `token` and `est` minutes), or an unknown error.
 */
export type GstnBodyMeaning =
  | { kind: 'data' }
  | { kind: 'queued'; token: string; estMinutes: number }
  | { kind: EasErrorKind; code: string; message: string };

export function gstnBodyMeaning(body: unknown): GstnBodyMeaning {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { kind: 'data' };
  const b = body as { status_cd?: unknown; data?: unknown; error?: { error_cd?: unknown; message?: unknown }; est?: unknown; token?: unknown };
  const cd = statusCd(b.status_cd);
  const inner = (b.data && typeof b.data === 'object' ? b.data : b) as { est?: unknown; token?: unknown };
  if (cd === '2' || (cd === undefined && typeof inner.token === 'string' && inner.est !== undefined && !('docdata' in inner))) {
    const est = Number(inner.est);
    return { kind: 'queued', token: String(inner.token ?? ''), estMinutes: Number.isFinite(est) && est >= 0 ? est : 0 };
  }
  if (cd === '0' || (cd === undefined && b.error && typeof b.error === 'object' && 'error_cd' in b.error)) {
    const code = String(b.error?.error_cd ?? '');
    return { kind: gstnCodeKind(code) ?? 'server', code, message: String(b.error?.message ?? '') };
  }
  return { kind: 'data' };
}

/** Builds the `args` of err-gstn-returned-error for a GSTN error. */
export function gstnErrorArgs(name: GstnErrorName): Record<string, unknown> {
  const e = GSTN_ERRORS[name];
  return { 'gstn-err': { 'status-code': '0', 'error-code': e.code, message: e.message } };
}

/**
 * THE table of what each kind means downstream: the failure type a download ends with, whether a plain retry (with
 * backoff) can fix it, and — for retryable kinds that need patience — the least time before the next try.
 * The EAS client (EasError.retryable) and the activities' error map (activities/error-map.ts) both read it.
 */
export const ERROR_KINDS: Record<EasErrorKind, { failure: FailureType; retryable: boolean; minRetryDelayMs?: number; hint?: string }> = {
  client: { failure: 'EasRequestRefused', retryable: false },
  'auth-config': { failure: 'EasRequestRefused', retryable: false },
  'gstn-session': { failure: 'GstnSessionExpired', retryable: false },
  'gstn-session-expired': { failure: 'GstnSessionEnded', retryable: false },
  'invalid-otp': { failure: 'InvalidOtp', retryable: false },
  'not-found': { failure: 'EasNotFound', retryable: false },
  // The workflow decides what "not there yet" means (poll again, wait for a generation): never a blind retry.
  'not-ready': { failure: 'EasNotReady', retryable: false },
  'auth-token': { failure: 'EasTransient', retryable: true },
  'rate-limited': { failure: 'EasTransient', retryable: true },
  // Too many active tokens for the EAS user: tokens expire or are logged out within minutes, not seconds.
  'token-limit': { failure: 'EasTokenLimit', retryable: true, minRetryDelayMs: 60_000 },
  server: { failure: 'EasTransient', retryable: true },
  network: { failure: 'EasTransient', retryable: true },
  'bad-response': { failure: 'EasTransient', retryable: true },
  // GSTN's answers: the workflow ends with that outcome (or, for not-generated, waits and asks again)
  'no-data': { failure: 'GstnAnswer', retryable: false },
  'not-generated': { failure: 'GstnAnswer', retryable: false },
  'not-applicable': { failure: 'GstnAnswer', retryable: false },
  'api-access-disabled': {
    failure: 'GstnApiAccessDisabled',
    retryable: false,
    hint:
      'GSTN refused: API access is not enabled for this GSTIN. The taxpayer must enable API access on the GST portal ' +
      '(Login → My Profile → Manage API Access → Yes, for longer than the session) and then start the download again',
  },
};

/** Kinds that a plain retry (with backoff) can fix (from ERROR_KINDS). */
export function isRetryableKind(kind: EasErrorKind): boolean {
  return ERROR_KINDS[kind].retryable;
}

/**
 * Classifies an error body and HTTP status into a kind. For err-gstn-returned-error the GSTN error
 * code decides; an unknown GSTN code is a server-side problem (retry).
 */
export function classifyError(httpStatus: number, body: EasErrorBody | null | undefined): EasErrorKind {
  if (body) {
    if (body.message === ERRORS.gstnReturnedError.message) {
      const gstnErr = (body.args?.['gstn-err'] ?? {}) as { 'error-code'?: string };
      return gstnCodeKind(gstnErr['error-code']) ?? 'server';
    }
    const spec = Object.values(ERRORS).find((e) => e.message === body.message);
    if (spec) return spec.kind;
  }
  if (httpStatus === 429) return 'rate-limited';
  if (httpStatus === 404) return 'not-found';
  if (httpStatus === 401 || httpStatus === 403) return 'auth-token';
  if (httpStatus >= 500) return 'server';
  if (httpStatus >= 400) return 'client';
  return 'bad-response';
}

/** The GST formats and lists the gateway checks (owned by domain/gst.ts; re-exported for the client and sandbox). */
export {
  GSTIN_FORMAT,
  RETURN_PERIOD_FORMAT,
  IRN_FORMAT,
  IMS_SECTIONS,
  IMS_STATUSES,
  SUPPLY_TYPES,
  type ImsSection,
  type ImsStatus,
  type SupplyType,
} from '../domain/gst';

/** Default sandbox port (`SANDBOX_PORT`). */
export const SANDBOX_PORT_DEFAULT = 4010;
