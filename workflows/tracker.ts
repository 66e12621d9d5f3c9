/**
 * A download's progress as the `progress` query, the search attributes and the Web UI's current details show it.
 */
import { getExternalWorkflowHandle, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { newPath } from './patches';
import type { SearchAttributePair } from '@temporalio/common';
import type { DownloadConfig } from '../domain/config';
import type { DownloadKind } from '../domain/gst';
import { failureMessage } from './failures';
import { childStageSignal, progressQuery } from './messages';
import { GstDownloadKind, GstGstin, GstPagesDone, GstPagesTotal, GstReturnPeriod, GstStage } from './search-attributes';
import type { AsyncResume, Progress, Stage } from './types';

/**
 * Progress as seen by the `progress` query and the search attributes. Stage changes are upserted at once;
 * pages done only every `progressEvery` pages (each upsert is a history event).
 */
export class Tracker {
  readonly progress: Progress;
  private lastPagesUpsert = -1;
  private stageUpserted = false;

  constructor(
    private readonly cfg: DownloadConfig,
    private readonly kind: DownloadKind,
    private readonly gstin: string,
    private readonly retPeriod: string | undefined,
    resume?: Partial<AsyncResume>,
  ) {
    this.progress = {
      stage: 'SUBMITTED',
      taskId: resume?.taskId,
      pagesTotal: resume?.pages,
      pagesDone: resume?.nextPage ? resume.nextPage - 1 : 0,
      polls: resume?.polls ?? 0,
      submissions: resume?.submissions ?? 0,
      run: (resume?.run ?? 0) + 1,
    };
    setHandler(progressQuery, () => this.progress);
    const pairs: SearchAttributePair[] = [
      { key: GstGstin, value: cfg.gstinIndex ?? gstin },
      { key: GstDownloadKind, value: kind },
    ];
    if (retPeriod) pairs.push({ key: GstReturnPeriod, value: retPeriod });
    upsertSearchAttributes(pairs);
    this.details();
  }

  /**
   * The Web UI's "current details" (markdown; not a history event, so it may change as often as progress does).
   */
  details(): void {
    const p = this.progress;
    const lines = [`**${this.kind}** ${this.gstin}${this.retPeriod ? ` · period ${this.retPeriod}` : ''} · stage **${p.stage}**`];
    const parts: string[] = [];
    if (p.taskId) parts.push(`task ${p.taskId}`);
    if (p.pagesTotal !== undefined) parts.push(`${p.pagesDone}/${p.pagesTotal} ${this.kind === 'gstr2b' ? 'files' : 'pages'}`);
    if (p.polls) parts.push(`${p.polls} status checks`);
    if (p.submissions > 1) parts.push(`${p.submissions} submissions`);
    if (p.run > 1) parts.push(`run ${p.run}`);
    if (p.nextPollAt) parts.push(`next check ${p.nextPollAt}`);
    if (p.pollWindowSince) parts.push(`checking since ${p.pollWindowSince} (the pending awaitTask activity's attempt counts the checks)`);
    if (parts.length) lines.push(parts.join(' · '));
    if (p.stage === 'AWAITING_OTP') {
      lines.push(
        `Waiting since ${p.awaitingOtpSince} for the taxpayer's OTP (request ${p.otpRequestId}). ` +
          `Run \`gst-download session verify-otp --gstin ${this.gstin} --otp <6 digits>\`.`,
      );
    } else if (p.lastError) lines.push(`last error: ${p.lastError}`);
    setCurrentDetails(lines.join('\n\n'));
  }

  stage(stage: Stage): void {
    if (this.progress.stage === stage && this.stageUpserted) return;
    const was = this.progress.stage;
    this.stageUpserted = true;
    this.progress.stage = stage;
    upsertSearchAttributes([{ key: GstStage, value: stage }]);
    this.details();
    if ((stage === 'AWAITING_OTP') !== (was === 'AWAITING_OTP')) this.tellParent(stage);
  }

  /** A download a sync started tells it when it starts or stops waiting for an OTP (the sync counts them). */
  private tellParent(stage: Stage): void {
    const parent = workflowInfo().parent;
    if (!parent || !newPath('tell-parent-otp-wait')) return;
    getExternalWorkflowHandle(parent.workflowId)
      .signal(childStageSignal, { workflowId: workflowInfo().workflowId, stage })
      .catch(() => undefined); // a parent that has ended has nothing to count
  }

  /** Runs the download; on failure records the error and sets stage FAILED before rethrowing. */
  async failOnError<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.progress.lastError = failureMessage(e);
      this.stage('FAILED');
      throw e;
    }
  }

  pagesTotal(n: number): void {
    this.progress.pagesTotal = n;
    upsertSearchAttributes([{ key: GstPagesTotal, value: n }]);
    this.details();
  }

  pageDone(): void {
    this.pagesDoneBy(1);
  }

  /** `n` more pages done at once (a range activity). */
  pagesDoneBy(n: number): void {
    this.progress.pagesDone += n;
    const done = this.progress.pagesDone;
    if (done - this.lastPagesUpsert >= this.cfg.progressEvery || done === this.progress.pagesTotal) {
      this.lastPagesUpsert = done;
      upsertSearchAttributes([{ key: GstPagesDone, value: done }]);
    }
    this.details();
  }
}
