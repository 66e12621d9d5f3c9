/**
 * `gst-download follow ID` (and `start --follow`): live progress until the download closes, from the `progress`
 * query; then the summary (exit 0) or the failure as one line (exit 1).
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { DownloadSummary, Progress } from '../../workflows/types';
import { progressQuery } from '../../workflows/messages';
import { GstGstin } from '../../workflows/search-attributes';
import { CONNECTION_FLAGS, FOLLOW_FLAGS, followOptions, parseArgs, positionals, type FollowOptions } from './args';
import { connect } from './connect';
import { oneLine } from './errors';
import { progressLine, summaryLines } from './format';
import type { Io } from './io';

export const followHelp = `Usage: gst-download follow ID [--json] [--interval MS]

Shows a running download's progress until it ends: pages done/total, stage, next status check, attempts.
On a terminal the line is redrawn; otherwise one line per change. Ends with the summary (exit 0) or the
failure (exit 1). --json prints one JSON object per line: progress events, then completed or failed.

  --interval MS   how often to ask for progress (default 1000)
  --address, --namespace   Temporal (default TEMPORAL_ADDRESS or 127.0.0.1:7233, TEMPORAL_NAMESPACE or default)`;

export async function followCommand(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { ...CONNECTION_FLAGS, ...FOLLOW_FLAGS }, 'follow');
  if (p.help) {
    io.out(followHelp);
    return 0;
  }
  const [id] = positionals(p, ['id'], 'follow');
  const conn = await connect(p, io.env);
  try {
    return await follow(conn.client, id!, followOptions(p, 'follow'), io);
  } finally {
    await conn.close();
  }
}

/** The progress query, or undefined when no worker answers in time (not picked up yet, between runs). */
export async function queryProgress(client: Client, workflowId: string, timeoutMs = 5000): Promise<Progress | undefined> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () => client.workflow.getHandle(workflowId).query(progressQuery));
  } catch {
    return undefined;
  }
}

/** The failure a closed download ended with, as one line. */
export function failureText(e: unknown): string {
  if (e instanceof WorkflowFailedError) return oneLine(e.cause ?? e);
  return oneLine(e);
}

type Outcome = { ok: true; summary: DownloadSummary } | { ok: false; error: unknown };

export async function follow(client: Client, workflowId: string, o: FollowOptions, io: Io): Promise<number> {
  const handle = client.workflow.getHandle(workflowId);
  const info = await handle.describe();
  const gstin = info.typedSearchAttributes.get(GstGstin);
  let outcome: Outcome | undefined;
  const done = handle.result().then(
    (summary: DownloadSummary) => (outcome = { ok: true, summary }),
    (error: unknown) => (outcome = { ok: false, error }),
  );
  let lastKey = '';
  let drawn = false;
  while (!outcome) {
    const progress = await queryProgress(client, workflowId);
    if (outcome) break;
    const key = progress ? JSON.stringify(progress) : 'none';
    const line = progress ? progressLine(progress, info.type, Date.now(), gstin) : `waiting for a worker to pick it up (task queue ${info.taskQueue})`;
    if (o.json) {
      if (key !== lastKey && progress) io.out(JSON.stringify({ event: 'progress', workflowId, ...progress }));
    } else if (io.isTTY) {
      io.write(`\r${line.slice(0, Math.max(20, io.columns - 1))}\x1b[K`);
      drawn = true;
    } else if (key !== lastKey) {
      io.out(line);
    }
    lastKey = key;
    await Promise.race([done, new Promise((r) => setTimeout(r, o.intervalMs))]);
  }
  if (drawn) io.write('\n');
  if (outcome.ok) {
    if (o.json) io.out(JSON.stringify({ event: 'completed', workflowId, summary: outcome.summary }));
    else for (const l of summaryLines(workflowId, outcome.summary, io.env)) io.out(l);
    return 0;
  }
  const message = failureText(outcome.error);
  if (o.json) io.out(JSON.stringify({ event: 'failed', workflowId, error: message }));
  io.err(`gst-download: ${workflowId} failed: ${message}`);
  return 1;
}
