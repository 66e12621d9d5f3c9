/**
 * The codec server: the Temporal Web UI (and `temporal … --codec-endpoint`) send it encrypted payloads and show
 * what it answers. Temporal's protocol: POST <endpoint>/decode (or /encode) with
 * `{"payloads":[{"metadata":{"<k>":"<base64>"},"data":"<base64>"}]}`, answered in the same shape.
 *
 * - CORS: the browser calls it from the Web UI's origin; only the origins listed are answered (preflight included).
 * - Optional bearer token: when set, every POST must carry `Authorization: Bearer <token>` (preflights need none).
 * It holds the keys, so run it where only the operators who may read the data can reach it.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecServerOptions {
  codec: PayloadCodec;
  port?: number;
  host?: string;
  /** Origins allowed to call from a browser, e.g. http://127.0.0.1:8233 (the Web UI). "*" allows any. */
  corsOrigins: string[];
  /** When set, POSTs need `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest request body accepted (bytes). */
  maxBodyBytes?: number;
  log?: (line: string) => void;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function body(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  const limit = opts.maxBodyBytes ?? 8 * 1024 * 1024;
  const log = opts.log ?? (() => undefined);

  const cors = (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    if (!origin) return;
    const allowed = opts.corsOrigins.includes('*') || opts.corsOrigins.includes(origin);
    if (!allowed) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    res.setHeader('Access-Control-Max-Age', '600');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const op = /\/(encode|decode)\/?$/.exec(new URL(req.url ?? '/', 'http://x').pathname)?.[1];
    if (!op) throw new HttpError(404, 'POST /encode or /decode');
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    if (opts.token !== undefined) {
      const auth = req.headers.authorization ?? '';
      const given = /^Bearer (.+)$/i.exec(auth)?.[1] ?? '';
      if (!sameToken(given, opts.token)) throw new HttpError(401, 'missing or wrong bearer token');
    }
    let parsed: { payloads?: unknown };
    try {
      parsed = JSON.parse(await body(req, limit)) as { payloads?: unknown };
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(400, 'body is not JSON');
    }
    if (!Array.isArray(parsed.payloads)) throw new HttpError(400, 'body must be {"payloads":[…]}');
    const payloads = (parsed.payloads as JsonPayload[]).map(fromJson);
    let out: Payload[];
    try {
      out = op === 'encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJson) }));
    log(`${op} ${payloads.length} payload(s) for namespace ${req.headers['x-namespace'] ?? '-'}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      const message = e instanceof Error ? e.message : String(e);
      if (status === 500) log(`error: ${message}`);
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
