import type { DownloadLocation, StoredFile } from '../domain/download';
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
      manifest: {
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
  return summary;
}
