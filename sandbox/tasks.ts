/** Async tasks: submit → processing → completed (or failed), then result/pages or a ZIP download. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HEADERS, gstnErrorArgs, type EasErrorBody, type GstnErrorName, type RouteMatch, type TaskStatus } from '../eas/contract';
import { envelopeAround, type Answer } from './answers';
import { einvoiceCacheKey, einvoiceEntries, type EinvoiceKey } from './einvoice-data';
import { JSON_HEADERS, fail, header, okReply, type EnvelopeStyle, type Reply } from './http';
import { imsPage, imsPageCount, type ImsKey } from './ims-data';
import type { SandboxState } from './state';
import type { SandboxSizes } from './types';
import type { BuiltZip, ZipCache } from './zip';

export type TaskSpec =
  | { kind: 'einvoice'; key: EinvoiceKey; sizes: SandboxSizes; answer?: Answer }
  | { kind: 'ims'; key: ImsKey; sizes: SandboxSizes; answer?: Answer };

interface Task {
  id: string;
  spec: TaskSpec;
  createdAt: number;
  readyAt: number;
  /** Status calls still answered `processing` (null: the clock decides). */
  pollsLeft: number | null;
  error?: EasErrorBody;
  expired: boolean;
}

export class TaskStore {
  private readonly tasks = new Map<string, Task>();
  private failNext = 0;
  private failWith: GstnErrorName = 'gstnDown';

  constructor(private readonly state: SandboxState, private readonly zips: ZipCache) {}

  submit(spec: TaskSpec): string {
    const now = this.state.now();
    const c = this.state.config;
    const t: Task = { id: randomUUID(), spec, createdAt: now, readyAt: now + c.taskSeconds * 1000, pollsLeft: c.taskPolls, expired: false };
    const a = spec.answer;
    if (a && a.answer !== 'fixture' && a.answer !== 'queued') {
      // GSTN's answer reaches the caller as the task's error, as any GSTN error behind an EAS task does
      t.error = { message: 'err-gstn-returned-error', type: 'Gstn', args: gstnErrorArgs(a.gstnError) };
    } else if (this.failNext > 0) {
      this.failNext--;
      t.error = { message: 'err-gstn-returned-error', type: 'Gstn', args: gstnErrorArgs(this.failWith) };
    }
    this.tasks.set(t.id, t);
    return t.id;
  }

  /** Admin: the next `count` submitted tasks fail. */
  failNextTasks(count: number, gstnError: GstnErrorName = 'gstnDown'): void {
    this.failNext = count;
    this.failWith = gstnError;
  }

  /** Admin: results are gone, as if retention had passed. Returns how many tasks were expired. */
  expire(ids?: string[]): number {
    let n = 0;
    for (const t of this.tasks.values()) {
      if (!ids || ids.includes(t.id)) {
        t.expired = true;
        n++;
      }
    }
    return n;
  }

  resetFailures(): void {
    this.failNext = 0;
  }

  async handle(match: RouteMatch, req: IncomingMessage): Promise<Reply> {
    const style: EnvelopeStyle = match.name === 'taskStatus' ? 'legacy' : 'v3';
    if (match.name === 'taskDownload' && !(header(req, HEADERS.accept) ?? '').includes('application/zip')) {
      fail('contentType', {}, style);
    }
    const t = this.find(match.params.taskId ?? '', style);
    if (match.name === 'taskStatus') {
      const task: { id: string; status: TaskStatus; error?: EasErrorBody } = { id: t.id, status: this.status(t, true) };
      if (t.error && task.status === 'failed') task.error = t.error;
      return okReply({ task }, 'legacy');
    }
    const status = this.status(t, false);
    if (status === 'processing') fail('taskNotCompleted', { 'task-id': t.id });
    if (status === 'failed') fail('resourceNotFound', { 'task-id': t.id });
    const spec = t.spec;
    if (match.name === 'taskDownload') {
      if (spec.kind !== 'einvoice') fail('resourceNotFound', { 'task-id': t.id });
      const zip = await this.einvoiceZip(spec.key, spec.sizes);
      return {
        status: 200,
        headers: { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${t.id}.zip"` },
        body: { file: zip.file, size: zip.size },
      };
    }
    if (spec.kind !== 'ims') fail('resourceNotFound', { 'task-id': t.id });
    if (spec.answer?.answer === 'fixture') {
      // a real GETINV answer is one page: served verbatim inside the envelope
      if (match.name === 'taskResult') return okReply({ pages: 1 });
      if (match.params.page !== '1') fail('resourceNotFound', { 'task-id': t.id, page: match.params.page });
      return { status: 200, headers: JSON_HEADERS, body: envelopeAround(spec.answer.body) };
    }
    const pages = imsPageCount(this.state.seed, spec.key, spec.sizes);
    if (match.name === 'taskResult') return okReply({ pages });
    const n = Number(match.params.page);
    if (!Number.isInteger(n) || n < 1 || n > pages) fail('resourceNotFound', { 'task-id': t.id, page: match.params.page });
    return { status: 200, headers: JSON_HEADERS, body: imsPage(this.state.seed, spec.key, spec.sizes, n).body };
  }

  /** The ZIP a download serves (also what the truth route reports). */
  einvoiceZip(key: EinvoiceKey, sizes: SandboxSizes): Promise<BuiltZip> {
    const seed = this.state.seed;
    return this.zips.get(einvoiceCacheKey(seed, key, sizes), () => einvoiceEntries(seed, key, sizes));
  }

  private find(id: string, style: EnvelopeStyle): Task {
    const t = this.tasks.get(id);
    if (!t || t.expired || this.state.now() >= t.createdAt + this.state.config.retentionMs) {
      fail('resourceNotFound', { 'task-id': id }, style);
    }
    return t;
  }

  private status(t: Task, poll: boolean): TaskStatus {
    let done: boolean;
    if (t.pollsLeft !== null) {
      done = t.pollsLeft <= 0;
      if (poll && !done) t.pollsLeft--;
    } else {
      done = this.state.now() >= t.readyAt;
    }
    if (!done) return 'processing';
    return t.error ? 'failed' : 'completed';
  }
}
