/** The four downloads' EAS routes: e-invoice and IMS submit tasks; GSTR-2B and IRN details answer at once. */
import type { IncomingMessage } from 'node:http';
import {
  GSTIN_FORMAT,
  GSTN_API_VERSIONS,
  HEADERS,
  IMS_SECTIONS,
  IMS_STATUSES,
  IRN_FORMAT,
  RETURN_PERIOD_FORMAT,
  SUPPLY_TYPES,
  gstnErrorArgs,
  type ImsSection,
  type ImsStatus,
  type RouteMatch,
  type SupplyType,
} from '../eas/contract';
import { envelopeAround, type Answer, type Answers } from './answers';
import type { EinvoiceKey } from './einvoice-data';
import { gstr2bReturn, generatedAt, type Gstr2bKey, type Gstr2bReturn } from './gstr2b-data';
import type { SessionStore } from './gstn-session';
import { JSON_HEADERS, fail, header, okReply, type Reply } from './http';
import { irnBody } from './irn-data';
import type { SandboxState } from './state';
import type { TaskStore } from './tasks';
import type { SandboxSizes } from './types';

function oneOf<T extends string>(list: readonly T[], v: string): v is T {
  return (list as readonly string[]).includes(v);
}

/** The X-FLYNN-N-GSTIN header every gstn route needs. */
function gstinHeader(req: IncomingMessage): string {
  const gstin = header(req, HEADERS.gstin);
  if (!gstin) fail('paramIsMandatory', { 'parameter-name': 'X-FLYNN-N-GSTIN' });
  if (!GSTIN_FORMAT.test(gstin)) fail('invalidGstinFormat', { 'parameter-name': 'X-FLYNN-N-GSTIN' });
  return gstin;
}

function gstnVersion(match: RouteMatch): void {
  const v = match.params.gstnVersion ?? '';
  if (!oneOf(GSTN_API_VERSIONS, v)) fail('invalidApiVersion', { version: v });
}

function requiredParam(url: URL, name: string): string {
  const v = url.searchParams.get(name);
  if (!v) fail('paramIsMandatory', { 'parameter-name': name });
  return v;
}

function gstinValue(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') fail('paramIsMandatory', { 'parameter-name': name });
  if (!GSTIN_FORMAT.test(v)) fail('invalidGstinFormat', { 'parameter-name': name });
  return v;
}

function optionalGstin(v: unknown, name: string): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : gstinValue(v, name);
}

/** An answer that is a GSTN error fails the call as EAS does: 502 err-gstn-returned-error with the GSTN code. */
function failWith(a: Answer | undefined): void {
  if (a && a.answer !== 'queued' && a.answer !== 'fixture') fail('gstnReturnedError', gstnErrorArgs(a.gstnError));
}

export class Downloads {
  private readonly returns = new Map<string, Gstr2bReturn>();
  /** Regenerations per `<gstin>|<period>` (POST /__sandbox/regenerate). */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly state: SandboxState,
    private readonly sessions: SessionStore,
    private readonly tasks: TaskStore,
    private readonly answers: Answers,
  ) {}

  /** Regenerates a period's 2B (as IMS actions do): a later gendt and changed documents. */
  regenerate(gstin: string, rtnprd: string): { generation: number; gendt: string } {
    const k = `${gstin}|${rtnprd}`;
    const generation = (this.generations.get(k) ?? 0) + 1;
    this.generations.set(k, generation);
    return { generation, gendt: this.gstr2bFor({ gstin, rtnprd }, this.state.sizesFor(gstin)).gendt ?? '' };
  }

  einvoice(req: IncomingMessage, body: Record<string, unknown> | undefined): Reply {
    const gstin = gstinHeader(req);
    const b = body ?? {};
    const retPeriod = b.retPeriod;
    if (typeof retPeriod !== 'string' || retPeriod === '') fail('paramIsMandatory', { 'parameter-name': 'retPeriod' });
    if (!RETURN_PERIOD_FORMAT.test(retPeriod)) fail('invalidParam', { 'parameter-name': 'retPeriod', value: retPeriod });
    const supplyType = b.supplyType;
    if (typeof supplyType !== 'string' || supplyType === '') fail('paramIsMandatory', { 'parameter-name': 'supplyType' });
    if (!oneOf(SUPPLY_TYPES, supplyType)) fail('invalidParam', { 'parameter-name': 'supplyType', value: supplyType });
    const key: EinvoiceKey = { gstin: gstinValue(b.gstin, 'gstin'), retPeriod, supplyType: supplyType as SupplyType };
    const supplier = optionalGstin(b.supplierGstin, 'supplierGstin');
    const recipient = optionalGstin(b.recipientGstin, 'recipientGstin');
    if (!supplier && !recipient) fail('paramIsMandatory', { 'parameter-name': 'supplierGstin|recipientGstin' });
    if (supplier) key.supplierGstin = supplier;
    if (recipient) key.recipientGstin = recipient;
    this.sessions.requireLive(gstin);
    const answer = this.answers.take('einvoice', key.gstin, retPeriod, supplyType);
    if (answer?.answer === 'api-access-disabled') failWith(answer);
    const id = this.tasks.submit({ kind: 'einvoice', key, sizes: this.state.sizesFor(key.gstin), answer });
    return okReply({ 'task-id': id });
  }

  ims(req: IncomingMessage, url: URL): Reply {
    const gstin = gstinHeader(req);
    const section = requiredParam(url, 'section');
    if (!oneOf(IMS_SECTIONS, section)) fail('invalidParam', { 'parameter-name': 'section', value: section });
    const status = url.searchParams.get('status') || undefined;
    if (status !== undefined && !oneOf(IMS_STATUSES, status)) fail('invalidParam', { 'parameter-name': 'status', value: status });
    this.sessions.requireLive(gstin);
    const key = { gstin, section: section as ImsSection, ...(status ? { status: status as ImsStatus } : {}) };
    const answer = this.answers.take('ims', gstin, undefined, section);
    if (answer?.answer === 'api-access-disabled') failWith(answer);
    const id = this.tasks.submit({ kind: 'ims', key, sizes: this.state.sizesFor(gstin), answer });
    return okReply({ 'task-id': id });
  }

  gstr2b(req: IncomingMessage, match: RouteMatch, url: URL): Reply {
    const headerGstin = gstinHeader(req);
    gstnVersion(match);
    const retType = requiredParam(url, 'gstn_ret_type');
    if (retType.toLowerCase() !== 'gstr2b') fail('invalidParam', { 'parameter-name': 'gstn_ret_type', value: retType });
    const gstin = gstinValue(url.searchParams.get('gstin') ?? '', 'gstin');
    const rtnprd = requiredParam(url, 'rtnprd');
    if (!RETURN_PERIOD_FORMAT.test(rtnprd)) fail('invalidParam', { 'parameter-name': 'rtnprd', value: rtnprd });
    const fileRaw = url.searchParams.get('file_num');
    const fileNum = fileRaw === null || fileRaw === '' ? undefined : Number(fileRaw);
    if (fileNum !== undefined && (!Number.isInteger(fileNum) || fileNum < 0)) {
      fail('invalidParam', { 'parameter-name': 'file_num', value: fileRaw });
    }
    this.sessions.requireLive(headerGstin);
    const given = this.answers.take('gstr2b', gstin, rtnprd);
    failWith(given);
    if (given?.answer === 'queued') return okReply({ status_cd: '2', est: String(given.est), token: given.token });
    if (given?.answer === 'fixture') return { status: 200, headers: JSON_HEADERS, body: envelopeAround(given.body) };
    if (this.state.now() < generatedAt(rtnprd)) fail('gstnReturnedError', gstnErrorArgs('notGenerated'));
    const ret = this.gstr2bFor({ gstin, rtnprd }, this.state.sizesFor(gstin));
    let answer = ret.answers[0]!;
    if (fileNum !== undefined) {
      const chosen = ret.fc ? ret.answers[fileNum] : fileNum === 1 ? answer : undefined;
      if (!chosen || fileNum === 0) fail('resourceNotFound', { 'file_num': fileNum });
      answer = chosen;
    }
    return { status: 200, headers: JSON_HEADERS, body: answer.body };
  }

  irn(req: IncomingMessage, match: RouteMatch, url: URL): Reply {
    const gstin = gstinHeader(req);
    gstnVersion(match);
    const irn = requiredParam(url, 'irn');
    if (!IRN_FORMAT.test(irn)) fail('invalidParam', { 'parameter-name': 'irn', value: irn });
    const action = requiredParam(url, 'action');
    if (action !== 'IRNDTL') fail('invalidParam', { 'parameter-name': 'action', value: action });
    this.sessions.requireLive(gstin);
    failWith(this.answers.take('irn', gstin));
    return { status: 200, headers: JSON_HEADERS, body: irnBody(this.state.seed, irn) };
  }

  /** The return a GSTIN + period answers (kept for a few returns, since chunked reads come in series). */
  gstr2bFor(key: Gstr2bKey, sizes: SandboxSizes): Gstr2bReturn {
    const generation = this.generations.get(`${key.gstin}|${key.rtnprd}`) ?? 0;
    const cacheKey = JSON.stringify([this.state.seed, key.gstin, key.rtnprd, generation, sizes.gstr2bRecords, sizes.gstr2bDocsPerFile]);
    let ret = this.returns.get(cacheKey);
    if (!ret) {
      ret = gstr2bReturn(this.state.seed, { ...key, generation }, sizes);
      if (this.returns.size >= 8) this.returns.delete(this.returns.keys().next().value!);
      this.returns.set(cacheKey, ret);
    }
    return ret;
  }
}
