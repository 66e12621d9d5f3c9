/** Replies, envelopes and body parsing for the sandbox's HTTP handlers. */
import type { IncomingMessage } from 'node:http';
import { ERRORS, errorEnvelope, okEnvelope, type ErrorName } from '../eas/contract';

/** v3: `{status, data, error, …}`; legacy: `{data}` / `{error}` (theodore, task status, v1.0 session routes). */
export type EnvelopeStyle = 'v3' | 'legacy';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** A body in memory, or a file streamed from disk (`range`: only bytes start..end inclusive, sent as 206). */
  body: Buffer | { file: string; size: number; range?: { start: number; end: number } };
}

export class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

export const JSON_HEADERS: Record<string, string> = { 'content-type': 'application/json' };

export function jsonReply(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: Buffer.from(JSON.stringify(value)) };
}

export function okReply(data: unknown, style: EnvelopeStyle = 'v3'): Reply {
  return jsonReply(200, style === 'v3' ? okEnvelope(data) : { data });
}

export function errorReply(
  name: ErrorName,
  args: Record<string, unknown> = {},
  style: EnvelopeStyle = 'v3',
  headers?: Record<string, string>,
): Reply {
  const spec = ERRORS[name];
  const error = { message: spec.message, type: spec.type, args };
  return jsonReply(spec.http, style === 'v3' ? errorEnvelope(error) : { error }, headers);
}

/** Throws an error reply (handlers stop at the first failed check). */
export function fail(name: ErrorName, args: Record<string, unknown> = {}, style: EnvelopeStyle = 'v3'): never {
  throw new HttpError(errorReply(name, args, style));
}

const MAX_BODY = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** The JSON object body, or undefined when empty / not an object. */
export function parseObject(raw: Buffer): Record<string, unknown> | undefined {
  if (raw.length === 0) return undefined;
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}
