import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { DownloadLocation, StoredFile } from '../domain/download';
import type { DownloadOutcome } from '../domain/outcomes';
import type { FinishResult } from '../activities/finish';
import type { Gstr2bGenerationRef } from '../activities/gstr2b';
import { GstOutcome } from './search-attributes';
import type { Proxies } from './proxies';
import type { Tracker } from './tracker';
import type { AsyncResume, DownloadKind, DownloadSummary } from './types';

export interface FinishParams {
  kind: DownloadKind;
  input: object;
  loc: DownloadLocation;
  route: string;
  state?: AsyncResume;
  startedAt?: string;
  files: StoredFile[];
  pages?: number;
  irns?: string[];
  provenance: Record<string, unknown>;
  /** Set by workflow code that knows outcomes (OUTCOMES_PATCH); then the manifest, result and GstOutcome say it. */
  outcome?: DownloadOutcome;
  gstnCode?: string;
  generation?: Gstr2bGenerationRef;
  asks?: number;
}

/** Writes the manifest (an activity) and builds the small summary the workflow returns. */
export async function finish(tracker: Tracker, acts: Proxies, p: FinishParams): Promise<DownloadSummary> {
  const fetchedAt = new Date(Date.now()).toISOString();
  const fin = await tracker.failOnError(() =>
    acts.short.finishDownload({
      loc: p.loc,
      files: p.files,
      pages: p.pages,
      irns: p.irns,
      ...(p.generation ? { generation: p.generation } : {}),
      manifest: {
        ...(p.outcome ? { outcome: p.outcome, downloadId: workflowInfo().workflowId } : {}),
        ...(p.gstnCode ? { gstnCode: p.gstnCode } : {}),
        kind: p.kind,
        inputs: p.input as Record<string, unknown>,
        taskId: p.state?.taskId,
        route: p.route,
        fetchedAt,
        pages: p.pages,
        provenance: { ...p.provenance, submissions: p.state?.submissions, polls: p.state?.polls },
      },
    }),
  );
  return done(tracker, p, fin, fetchedAt, p.outcome);
}

/** Stage DONE, GstOutcome, and the small summary the workflow returns. */
export function done(tracker: Tracker, p: FinishParams, fin: FinishResult, fetchedAt: string, outcome?: DownloadOutcome): DownloadSummary {
  if (outcome) upsertSearchAttributes([{ key: GstOutcome, value: outcome }]);
  tracker.stage('DONE');
  const summary: DownloadSummary = {
    kind: p.kind,
    inputs: p.input,
    location: fin.location,
    manifest: fin.manifest.ref,
    files: fin.files,
    records: fin.records,
    bytes: fin.bytes,
    startedAt: p.state?.startedAt ?? p.startedAt ?? fetchedAt,
    finishedAt: fetchedAt,
  };
  if (fin.filesTruncated) summary.filesTruncated = true;
  if (p.state) {
    summary.taskId = p.state.taskId;
    summary.polls = p.state.polls;
    summary.submissions = p.state.submissions;
  }
  if (p.pages !== undefined) summary.pages = p.pages;
  if (outcome) {
    summary.outcome = outcome;
    if (p.gstnCode) summary.gstnCode = p.gstnCode;
    if (fin.sections) summary.sections = fin.sections;
    if (fin.generation) {
      summary.generation = { id: fin.generation.id, gendt: fin.generation.gendt, chksum: fin.generation.chksum };
      summary.generations = fin.generations;
    }
    if (p.asks !== undefined) summary.asks = p.asks;
  }
  return summary;
}
