/**
 * The typed error every EAS call fails with. Built from the contract's error table, so the kind
 * (and whether a retry can help) is decided in one place: eas/contract.ts#classifyError.
 */
import { classifyError, isRetryableKind, type EasErrorBody, type EasErrorKind, type RouteName } from './contract';

export class EasError extends Error {
  readonly kind: EasErrorKind;
  /** The gateway's error message code, e.g. `err-invalid-gstin-format` (or `network`, `bad-response`). */
  readonly code: string;
  /** The gateway's error type, e.g. `ClientRequest`. */
  readonly type: string;
  readonly httpStatus: number | undefined;
  readonly retryable: boolean;
  readonly args: Record<string, unknown>;
  readonly route: RouteName;
  /** From `Retry-After`, when the gateway sent one. */
  readonly retryAfterMs: number | undefined;
  /** The GSTN error code inside err-gstn-returned-error, if any. */
  readonly gstnCode: string | undefined;

  constructor(init: {
    kind: EasErrorKind;
    code: string;
    type: string;
    route: RouteName;
    httpStatus?: number;
    args?: Record<string, unknown>;
    retryAfterMs?: number;
    detail?: string;
  }) {
    const args = init.args ?? {};
    const gstnErr = args['gstn-err'] as { 'error-code'?: string; message?: string } | undefined;
    const parts = [`EAS ${init.route}`, init.httpStatus ? `HTTP ${init.httpStatus}` : undefined, init.code];
    const argText = describeArgs(args);
    if (argText) parts.push(argText);
    if (init.detail) parts.push(init.detail);
    super(parts.filter(Boolean).join(': '));
    this.name = 'EasError';
    this.kind = init.kind;
    this.code = init.code;
    this.type = init.type;
    this.route = init.route;
    this.httpStatus = init.httpStatus;
    this.args = args;
    this.retryAfterMs = init.retryAfterMs;
    this.gstnCode = gstnErr?.['error-code'];
    this.retryable = isRetryableKind(init.kind);
  }

  static fromBody(route: RouteName, httpStatus: number, body: EasErrorBody | null | undefined, retryAfterMs?: number) {
    return new EasError({
      kind: classifyError(httpStatus, body),
      code: body?.message ?? `http-${httpStatus}`,
      type: body?.type ?? 'Http',
      route,
      httpStatus,
      args: body?.args ?? {},
      retryAfterMs,
    });
  }
}

function describeArgs(args: Record<string, unknown>): string {
  const gstnErr = args['gstn-err'] as { 'error-code'?: string; message?: string } | undefined;
  if (gstnErr) return `GSTN ${gstnErr['error-code'] ?? '?'} ${gstnErr.message ?? ''}`.trim();
  const entries = Object.entries(args).filter(([, v]) => typeof v === 'string' || typeof v === 'number');
  return entries.map(([k, v]) => `${k}=${String(v)}`).join(', ');
}

export function isEasError(e: unknown): e is EasError {
  return e instanceof Error && e.name === 'EasError' && 'kind' in e;
}
