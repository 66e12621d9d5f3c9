/**
 * `gst-download status ID`: a running download's stage and progress (the `progress` query), or a closed
 * one's summary or failure. Exit 0 whenever the status could be read (also for a failed download).
 */
import type { Client } from '@temporalio/client';
import type { DownloadSummary, Progress } from '../../workflows/types';
import { GstDownloadKind, GstGstin, GstReturnPeriod } from '../../workflows/search-attributes';
import { CONNECTION_FLAGS, bool, parseArgs, positionals } from './args';
import { connect } from './connect';
import { failureText, queryProgress } from './follow';
import { progressLine, summaryLines } from './format';
import type { Io } from './io';

export const statusHelp = `Usage: gst-download status ID [--json]

A running download: its stage, pages done/total, next status check and attempts.
A closed one: the summary (files, records, store folder) or the failure.

  --json   one JSON object: workflowId, type, status, startTime, closeTime, progress | summary | failure
  --address, --namespace   Temporal (default TEMPORAL_ADDRESS or 127.0.0.1:7233, TEMPORAL_NAMESPACE or default)`;

export async function statusCommand(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { ...CONNECTION_FLAGS, json: 'boolean' }, 'status');
  if (p.help) {
    io.out(statusHelp);
    return 0;
  }
  const [id] = positionals(p, ['id'], 'status');
  const conn = await connect(p, io.env);
  try {
    const status = await readStatus(conn.client, id!);
    if (bool(p, 'json')) {
      io.out(JSON.stringify(status));
      return 0;
    }
    io.out(`${status.workflowId}  ${status.kind ?? status.type}  ${status.status}  started ${status.startTime}${status.closeTime ? `  closed ${status.closeTime}` : ''}`);
    if (status.progress) io.out(progressLine(status.progress, status.type, Date.now(), status.gstin));
    else if (status.status === 'RUNNING') io.out('no progress yet (no worker has answered)');
    if (status.summary) for (const l of summaryLines(status.workflowId, status.summary, io.env)) io.out(l);
    if (status.failure) io.out(`failure: ${status.failure}`);
    return 0;
  } finally {
    await conn.close();
  }
}

export interface StatusReport {
  workflowId: string;
  runId: string;
  type: string;
  kind?: string;
  gstin?: string;
  retPeriod?: string;
  status: string;
  startTime: string;
  closeTime?: string;
  taskQueue: string;
  /** Running: what the progress query answered (absent when no worker answered in time). */
  progress?: Progress;
  summary?: DownloadSummary;
  failure?: string;
}

export async function readStatus(client: Client, workflowId: string): Promise<StatusReport> {
  const handle = client.workflow.getHandle(workflowId);
  const info = await handle.describe();
  const attrs = info.typedSearchAttributes;
  const base: StatusReport = {
    workflowId,
    runId: info.runId,
    type: info.type,
    kind: attrs.get(GstDownloadKind),
    gstin: attrs.get(GstGstin),
    retPeriod: attrs.get(GstReturnPeriod),
    status: info.status.name,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
    taskQueue: info.taskQueue,
  };
  if (info.status.name === 'RUNNING') return { ...base, progress: await queryProgress(client, workflowId) };
  try {
    return { ...base, summary: (await handle.result()) as DownloadSummary };
  } catch (e) {
    return { ...base, failure: failureText(e) };
  }
}
