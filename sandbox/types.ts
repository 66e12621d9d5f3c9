/** Options, sizes and fault shapes of the EAS sandbox (shared by the server, its admin client and tests). */
import {
  ROUTE_NAMES,
  SANDBOX_PORT_DEFAULT,
  TASK_RETENTION_MS_DEFAULT,
  type GstnErrorName,
  type RouteName,
} from '../eas/contract';
import { SANDBOX_USER } from './user';

export interface SandboxSizes {
  /** IMS records per GSTIN + section (before the status filter). */
  imsRecords: number;
  /** IMS records per result page. */
  imsPageSize: number;
  /** `file-N.json` entries in an e-invoice ZIP. */
  einvoiceFiles: number;
  /** E-invoice rows per `file-N.json`. */
  einvoiceRecordsPerFile: number;
  /** GSTR-2B documents per GSTIN + period. */
  gstr2bRecords: number;
  /** GSTR-2B documents per file; more than this and the return is chunked (`fc`). */
  gstr2bDocsPerFile: number;
}

export const DEFAULT_SIZES: SandboxSizes = {
  imsRecords: 120,
  imsPageSize: 50,
  einvoiceFiles: 2,
  einvoiceRecordsPerFile: 100,
  gstr2bRecords: 60,
  gstr2bDocsPerFile: 500,
};

/** What a fault does to a call. */
export const FAULT_KINDS = [
  'http500', // 500 err-internal-server-error
  'gstnDown', // 502 err-gstn-returned-error (GEN5001)
  'rateLimit', // 429 err-too-many-requests + Retry-After
  'reset', // the socket is destroyed before any answer
  'latency', // the answer is delayed by latencyMs
  'truncate', // half the body is sent, then the response ends
  'corruptZip', // the ZIP's end-of-central-directory record is zeroed (download route only)
  'expireTasks', // every task's result is gone (as after retention) before the call is answered
  'expireTokens', // every EAS token expires before the call is answered (so this call gets err-expired-token)
  'expireSessions', // the calling GSTIN's GSTN session lapses (refreshable) before the call is answered
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  /** A route name from the contract, or '*' for every EAS route. */
  route: RouteName | '*';
  kind: FaultKind;
  /** Probability per call (0..1), drawn from the seeded generator. */
  rate?: number;
  /** Fire on the next N calls of the route, then retire. */
  next?: number;
  /** Let the first N matching calls through untouched before the rule can fire. */
  after?: number;
  /** rateLimit: the Retry-After value in seconds (default 1). */
  retryAfterSeconds?: number;
  /** latency: added delay in ms (default 500). */
  latencyMs?: number;
}

export interface SandboxOptions {
  /** 0 = a free port. */
  port: number;
  host: string;
  email: string;
  password: string;
  otp: string;
  /** GSTINs with a live GSTN session from the start. */
  sessions: 'all' | 'none' | string[];
  /** A task stays `processing` this long. */
  taskSeconds: number;
  /** Task result retention. */
  retentionMs: number;
  /** Seeds data generation and fault randomness. */
  seed: number;
  sizes: SandboxSizes;
  /** One line per request on stdout (method, path, status); never tokens, passwords or OTPs. */
  log: boolean;
  /** Faults active from the start. */
  faults: FaultRule[];
  /** Where `fixture:<name>` answers are read (default ../shared/reference/fixtures, or SANDBOX_FIXTURES_DIR). */
  fixturesDir?: string;
}

export const DEFAULT_OPTIONS: SandboxOptions = {
  port: SANDBOX_PORT_DEFAULT,
  host: '127.0.0.1',
  email: SANDBOX_USER.email,
  password: SANDBOX_USER.password,
  otp: SANDBOX_USER.otp,
  sessions: 'none',
  taskSeconds: 3,
  retentionMs: TASK_RETENTION_MS_DEFAULT,
  seed: 1,
  sizes: DEFAULT_SIZES,
  log: false,
  faults: [],
};

/** Body of `POST /__sandbox/config`. */
export interface ConfigPatch {
  sizes?: Partial<SandboxSizes>;
  /** Per-GSTIN size overrides (merged over the global sizes). */
  gstins?: Record<string, Partial<SandboxSizes>>;
  taskSeconds?: number;
  /** A task answers `processing` to its first N status calls, then `completed` (null: use taskSeconds). */
  taskPolls?: number | null;
  retentionMs?: number;
}

export interface SandboxConfig {
  sizes: SandboxSizes;
  gstins: Record<string, Partial<SandboxSizes>>;
  taskSeconds: number;
  taskPolls: number | null;
  retentionMs: number;
}

/** Which GSTN sessions an admin action applies to (absent = all). */
export interface GstinsBody {
  gstins?: string[];
}

export interface FailTasksBody {
  count: number;
  /** The GSTN error the failed task carries (default gstnDown). */
  gstnError?: GstnErrorName;
}

export interface TruthFile {
  name: string;
  bytes: number;
  sha256: string;
  records: number;
}

export interface Truth {
  files: TruthFile[];
  /** Records in the download, each counted once. */
  records: number;
  /** IMS: result pages. */
  pages?: number;
  /** GSTR-2B: file count of a chunked return. */
  fc?: number;
}

export interface RequestLogEntry {
  at: string;
  method: string;
  route: RouteName | 'admin' | 'unknown';
  path: string;
  status: number;
  gstin?: string;
  fault?: FaultKind;
}

export interface RequestsReport {
  total: number;
  byRoute: Record<string, { total: number; byStatus: Record<string, number> }>;
  byStatus: Record<string, number>;
  last: RequestLogEntry[];
}

export function isRouteName(v: unknown): v is RouteName {
  return typeof v === 'string' && (ROUTE_NAMES as readonly string[]).includes(v);
}
