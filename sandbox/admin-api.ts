/** The `/__sandbox/` admin API: configuration, faults, forced expiries, the clock, counters and ground truth. */
import { GSTIN_FORMAT, GSTN_ERRORS, RETURN_PERIOD_FORMAT, type GstnErrorName } from '../eas/contract';
import { AnswerError, type Answers } from './answers';
import type { Downloads } from './downloads';
import { ruleProblem, type Faults } from './faults';
import type { SessionStore } from './gstn-session';
import { jsonReply, type Reply } from './http';
import type { RequestLog } from './requests';
import type { SandboxState } from './state';
import type { TaskStore } from './tasks';
import type { TokenStore } from './auth';
import { TRUTH_KINDS, TruthError, truth, type TruthKind } from './truth';
import { DEFAULT_SIZES, type ConfigPatch, type FaultRule } from './types';

export interface AdminDeps {
  state: SandboxState;
  tokens: TokenStore;
  sessions: SessionStore;
  tasks: TaskStore;
  downloads: Downloads;
  answers: Answers;
  faults: Faults;
  log: RequestLog;
}

class BadRequest extends Error {}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function configProblem(p: ConfigPatch): string | undefined {
  const sizes = [p.sizes, ...Object.values(p.gstins ?? {})];
  for (const s of sizes) {
    for (const [k, v] of Object.entries(s ?? {})) {
      if (!(k in DEFAULT_SIZES)) return `unknown size ${k}`;
      if (!isCount(v)) return `${k} must be a non-negative integer`;
    }
  }
  for (const g of Object.keys(p.gstins ?? {})) if (!GSTIN_FORMAT.test(g)) return `${g} is not a GSTIN`;
  if (p.taskSeconds !== undefined && (typeof p.taskSeconds !== 'number' || p.taskSeconds < 0)) return 'taskSeconds must be >= 0';
  if (p.taskPolls !== undefined && p.taskPolls !== null && !isCount(p.taskPolls)) return 'taskPolls must be a count or null';
  if (p.retentionMs !== undefined && !isCount(p.retentionMs)) return 'retentionMs must be a non-negative integer';
  return undefined;
}

function gstinList(body: Record<string, unknown>): string[] | undefined {
  const g = body.gstins;
  if (g === undefined) return undefined;
  if (!Array.isArray(g) || !g.every((x) => typeof x === 'string' && GSTIN_FORMAT.test(x))) {
    throw new BadRequest('gstins must be a list of GSTINs');
  }
  return g as string[];
}

export async function handleAdmin(method: string, url: URL, body: Record<string, unknown>, d: AdminDeps): Promise<Reply> {
  const path = url.pathname.slice('/__sandbox/'.length);
  const route = `${method} ${path}`;
  try {
    if (path.startsWith('truth/') && method === 'GET') {
      const kind = path.slice('truth/'.length);
      if (!(TRUTH_KINDS as readonly string[]).includes(kind)) throw new BadRequest(`truth kind must be one of ${TRUTH_KINDS.join(', ')}`);
      return jsonReply(200, await truth(kind as TruthKind, url, d.state, d.tasks, d.downloads));
    }
    switch (route) {
      case 'GET config':
        return jsonReply(200, d.state.config);
      case 'POST config': {
        const problem = configProblem(body as ConfigPatch);
        if (problem) throw new BadRequest(problem);
        return jsonReply(200, d.state.patch(body as ConfigPatch));
      }
      case 'GET faults':
        return jsonReply(200, { faults: d.faults.list() });
      case 'POST faults': {
        const rules = body.faults;
        if (!Array.isArray(rules)) throw new BadRequest('faults must be a list of rules');
        for (const r of rules) {
          const problem = ruleProblem(r);
          if (problem) throw new BadRequest(problem);
        }
        d.faults.add(rules as FaultRule[]);
        return jsonReply(200, { faults: d.faults.list() });
      }
      case 'DELETE faults':
        d.faults.reset();
        return jsonReply(200, { faults: [] });
      case 'POST tokens/expire':
        return jsonReply(200, { expired: d.tokens.expireAll() });
      case 'GET sessions':
        return jsonReply(200, d.sessions.list());
      case 'POST sessions/open': {
        const gstins = gstinList(body);
        if (!gstins) throw new BadRequest('gstins is required');
        return jsonReply(200, { sessions: gstins.map((g) => ({ gstin: g, 'gst-session-id': d.sessions.open(g) })) });
      }
      case 'POST sessions/expire':
        d.sessions.lapse(gstinList(body));
        return jsonReply(200, d.sessions.list());
      case 'POST sessions/end':
        d.sessions.end(gstinList(body));
        return jsonReply(200, d.sessions.list());
      case 'POST tasks/fail': {
        const gstnError = body.gstnError ?? 'gstnDown';
        if (!isCount(body.count)) throw new BadRequest('count must be a non-negative integer');
        if (typeof gstnError !== 'string' || !(gstnError in GSTN_ERRORS)) throw new BadRequest('gstnError must name a GSTN_ERRORS entry');
        d.tasks.failNextTasks(body.count, gstnError as GstnErrorName);
        return jsonReply(200, { failNext: body.count });
      }
      case 'POST tasks/expire': {
        const ids = body.taskIds;
        if (ids !== undefined && !(Array.isArray(ids) && ids.every((x) => typeof x === 'string'))) throw new BadRequest('taskIds must be a list');
        return jsonReply(200, { expired: d.tasks.expire(ids as string[] | undefined) });
      }
      case 'GET answers':
        return jsonReply(200, { answers: d.answers.list() });
      case 'POST answers':
        d.answers.add(body);
        return jsonReply(200, { answers: d.answers.list() });
      case 'DELETE answers':
        d.answers.clear();
        return jsonReply(200, { answers: [] });
      case 'POST regenerate': {
        const { gstin, period } = body;
        if (typeof gstin !== 'string' || !GSTIN_FORMAT.test(gstin)) throw new BadRequest('gstin must be a GSTIN');
        if (typeof period !== 'string' || !RETURN_PERIOD_FORMAT.test(period)) throw new BadRequest('period must be MMYYYY');
        return jsonReply(200, { gstin, period, ...d.downloads.regenerate(gstin, period) });
      }
      case 'GET clock':
        return jsonReply(200, { now: d.state.now() });
      case 'POST clock': {
        if (typeof body.advanceMs !== 'number' || body.advanceMs < 0) throw new BadRequest('advanceMs must be a number >= 0');
        d.state.advance(body.advanceMs);
        return jsonReply(200, { now: d.state.now() });
      }
      case 'GET requests':
        return jsonReply(200, d.log.get());
      case 'POST reset':
        d.faults.reset();
        d.log.reset();
        d.tasks.resetFailures();
        d.sessions.resetAuto();
        d.state.resetConfig();
        d.answers.clear();
        return jsonReply(200, { reset: true });
      default:
        return jsonReply(404, { error: `no admin route ${route}` });
    }
  } catch (e) {
    if (e instanceof BadRequest || e instanceof TruthError || e instanceof AnswerError) return jsonReply(400, { error: e.message });
    throw e;
  }
}
