/** The EAS sandbox: a real HTTP server speaking the contract in eas/contract.ts, with an admin API for tests. */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gstnErrorArgs, HEADERS, matchRoute, type RouteMatch } from '../eas/contract';
import { handleAdmin, type AdminDeps } from './admin-api';
import { Answers } from './answers';
import { TokenStore } from './auth';
import { Downloads } from './downloads';
import { Faults, type FaultDecision } from './faults';
import { SessionStore } from './gstn-session';
import { HttpError, errorReply, header, parseObject, readBody, type EnvelopeStyle, type Reply } from './http';
import { RequestLog, safePath } from './requests';
import { SandboxState } from './state';
import { TaskStore } from './tasks';
import { DEFAULT_OPTIONS, DEFAULT_SIZES, type RequestLogEntry, type SandboxOptions } from './types';
import { ZipCache } from './zip';

export type { SandboxOptions, SandboxSizes, FaultRule, FaultKind, Truth, TruthFile } from './types';

export interface RunningSandbox {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The legacy `{data}/{error}` routes; all others answer the v3 envelope. */
function styleOf(m: RouteMatch): EnvelopeStyle {
  if (m.name === 'login' || m.name === 'refresh' || m.name === 'logout' || m.name === 'taskStatus') return 'legacy';
  if (m.name === 'gstnAuth' && m.params.flynnVersion === 'v1.0') return 'legacy';
  return 'v3';
}

const EOCD_SIZE = 22;

/** Writes a reply, applying the truncate / corrupt-ZIP faults. */
function send(res: ServerResponse, reply: Reply, d?: FaultDecision): void {
  const headers: Record<string, string | number> = { ...reply.headers };
  const truncate = d?.truncate ?? false;
  if (Buffer.isBuffer(reply.body)) {
    const body = truncate ? reply.body.subarray(0, Math.floor(reply.body.length / 2)) : reply.body;
    if (!truncate) headers['content-length'] = body.length;
    res.writeHead(reply.status, headers);
    res.end(body);
    return;
  }
  const { file, size } = reply.body;
  const end = truncate ? Math.floor(size / 2) : size;
  const fileEnd = d?.corruptZip ? Math.min(end, size - EOCD_SIZE) : end;
  if (!truncate) headers['content-length'] = size;
  res.writeHead(reply.status, headers);
  if (fileEnd <= 0) {
    res.end(Buffer.alloc(Math.max(0, end)));
    return;
  }
  const stream = createReadStream(file, { start: 0, end: fileEnd - 1 });
  stream.on('error', () => res.destroy());
  stream.on('end', () => res.end(Buffer.alloc(end - fileEnd)));
  stream.pipe(res, { end: false });
}

export async function startSandbox(opts: Partial<SandboxOptions> = {}): Promise<RunningSandbox> {
  const o: SandboxOptions = { ...DEFAULT_OPTIONS, ...opts, sizes: { ...DEFAULT_SIZES, ...opts.sizes } };
  const state = new SandboxState(o);
  const zips = new ZipCache();
  const tokens = new TokenStore(state);
  const sessions = new SessionStore(state);
  const tasks = new TaskStore(state, zips);
  const answers = new Answers(o.fixturesDir);
  const downloads = new Downloads(state, sessions, tasks, answers);
  const faults = new Faults(o.seed, o.faults);
  const log = new RequestLog();
  const admin: AdminDeps = { state, tokens, sessions, tasks, downloads, answers, faults, log };

  async function route(m: RouteMatch, req: IncomingMessage, url: URL, body: Record<string, unknown> | undefined): Promise<Reply> {
    if (m.name === 'login') return tokens.login(body);
    if (m.name === 'refresh') return tokens.refresh(req);
    if (m.name === 'logout') return tokens.logout(req);
    tokens.checkEas(req, styleOf(m));
    switch (m.name) {
      case 'gstnAuth':
        return sessions.handle(req, m, body);
      case 'einvoiceDownload':
        return downloads.einvoice(req, body);
      case 'imsInvoices':
        return downloads.ims(req, url);
      case 'gstr2b':
        return downloads.gstr2b(req, m, url);
      case 'irnDetails':
        return downloads.irn(req, m, url);
      default:
        return tasks.handle(m, req);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const raw = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
    const body = parseObject(raw);
    const entry: RequestLogEntry = { at: new Date(state.now()).toISOString(), method, route: 'unknown', path: safePath(url), status: 0 };
    const gstin = header(req, HEADERS.gstin);
    if (gstin) entry.gstin = gstin;
    const finish = (status: number): void => {
      entry.status = status;
      log.record(entry);
      if (o.log) console.log(`[sandbox] ${method} ${entry.path} ${status}${entry.fault ? ` (fault ${entry.fault})` : ''} ${Date.now() - started}ms`);
    };

    if (url.pathname.startsWith('/__sandbox/')) {
      entry.route = 'admin';
      const reply = await handleAdmin(method, url, body ?? {}, admin);
      send(res, reply);
      return finish(reply.status);
    }
    const m = matchRoute(method, url.pathname);
    if (!m || (m.name === 'gstnAuth' && m.params.flynnVersion !== 'v1.0' && m.params.flynnVersion !== 'v3.0')) {
      const reply = errorReply('resourceNotFound', { path: url.pathname });
      send(res, reply);
      return finish(reply.status);
    }
    entry.route = m.name;
    const style = styleOf(m);
    const d = faults.decide(m.name);
    if (d.fired.length) entry.fault = d.fired[0];
    if (d.latencyMs > 0) await new Promise((r) => setTimeout(r, d.latencyMs));
    if (d.expireTasks) tasks.expire();
    if (d.expireTokens) tokens.expireAll();
    if (d.expireSessions && gstin) sessions.lapse([gstin]);
    if (d.terminal === 'reset') {
      req.socket.destroy();
      return finish(0);
    }
    let reply: Reply;
    if (d.terminal === 'http500') reply = errorReply('internal', {}, style);
    else if (d.terminal === 'gstnDown') reply = errorReply('gstnReturnedError', gstnErrorArgs('gstnDown'), style);
    else if (d.terminal === 'rateLimit') {
      reply = errorReply('tooManyRequests', {}, style, { [HEADERS.retryAfter]: String(d.retryAfterSeconds) });
    } else {
      try {
        reply = await route(m, req, url, body);
      } catch (e) {
        if (!(e instanceof HttpError)) console.error('[sandbox] internal error:', e);
        reply = e instanceof HttpError ? e.reply : errorReply('internal', {}, style);
      }
    }
    send(res, reply, d);
    finish(reply.status);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      console.error('[sandbox] request failed:', e);
      if (!res.headersSent) send(res, errorReply('internal'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          zips.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
