/**
 * `gst-download list --gstin … --period … [--kind …] [--stage …] [--running]`: the catalogue kept with the store
 * (DATA_DIR: every completed download, also those Temporal has forgotten) and a visibility query over the
 * product's search attributes for the rest (eventually consistent: a download started a moment ago may not show
 * yet).
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { validateGstin, InvalidInputError } from '../../domain/inputs';
import { RETURN_PERIOD_FORMAT } from '../../eas/contract';
import type { Stage } from '../../workflows/types';
import { GstDownloadKind, GstOutcome, GstPagesDone, GstPagesTotal, GstStage } from '../../workflows/search-attributes';
import type { CatalogueEntry } from '../../store/catalogue';
import { catalogueFromEnv } from '../catalogue';
import { CONNECTION_FLAGS, bool, intFlag, parseArgs, positionals, str } from './args';
import { connect } from './connect';
import { table } from './format';
import type { Io } from './io';
import { gstinIndexFromEnv } from '../../temporal/search-index';

const KINDS = ['einvoice', 'ims', 'gstr2b', 'irn'];
const STAGES: Stage[] = ['SUBMITTED', 'POLLING', 'DOWNLOADING', 'AWAITING_OTP', 'AWAITING_GSTN', 'DONE', 'FAILED'];

export const listHelp = `Usage: gst-download list [--gstin G] [--period MMYYYY] [--kind K] [--stage S] [--running] [--limit N] [--json]

Downloads matching every given filter: the catalogue under DATA_DIR (completed downloads, with their outcome and
records, also after Temporal has forgotten them: status CATALOGUED) and Temporal's running and failed ones (a
visibility query: a download started a moment ago may take a second to show).

  --gstin G        the taxpayer
  --period MMYYYY  return period (e-invoice and GSTR-2B downloads have one; IMS and IRN do not)
  --kind K         ${KINDS.join(', ')}
  --stage S        ${STAGES.join(', ')}
  --running        only downloads still running
  --limit N        at most N rows (default 50)
  --json           one JSON object per download
  --address, --namespace   Temporal (default TEMPORAL_ADDRESS or 127.0.0.1:7233, TEMPORAL_NAMESPACE or default)

Example: gst-download list --gstin 29HJKPS9689A8Z4 --period 082023`;

/** A string literal for a visibility query. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface ListFilter {
  gstin?: string;
  period?: string;
  kind?: string;
  stage?: string;
  running?: boolean;
}

/** The visibility query for a filter; values are checked first, and quoted. */
export function listQuery(f: ListFilter): string {
  const parts: string[] = [];
  if (f.gstin !== undefined) parts.push(`GstGstin = ${quote(gstinIndexFromEnv()(validateGstin(f.gstin, 'gstin', 'off')))}`);
  if (f.period !== undefined) {
    if (!RETURN_PERIOD_FORMAT.test(f.period)) throw new InvalidInputError('period', `"${f.period}" is not a return period MMYYYY, e.g. 082023`);
    parts.push(`GstReturnPeriod = ${quote(f.period)}`);
  }
  if (f.kind !== undefined) {
    if (!KINDS.includes(f.kind)) throw new InvalidInputError('kind', `"${f.kind}" is not one of ${KINDS.join(', ')}`);
    parts.push(`GstDownloadKind = ${quote(f.kind)}`);
  } else {
    parts.push(`GstDownloadKind IN (${KINDS.map(quote).join(', ')})`);
  }
  if (f.stage !== undefined) {
    const stage = f.stage.toUpperCase();
    if (!(STAGES as string[]).includes(stage)) throw new InvalidInputError('stage', `"${f.stage}" is not one of ${STAGES.join(', ')}`);
    parts.push(`GstStage = ${quote(stage)}`);
  }
  if (f.running) parts.push(`ExecutionStatus = "Running"`);
  return parts.join(' AND ');
}

interface Row {
  workflowId: string;
  kind: string;
  stage: string;
  status: string;
  outcome: string;
  records: string;
  pages: string;
  startTime: string;
  catalogued?: CatalogueEntry;
}

function row(wf: WorkflowExecutionInfo): Row {
  const a = wf.typedSearchAttributes;
  const total = a.get(GstPagesTotal);
  const done = a.get(GstPagesDone);
  return {
    workflowId: wf.workflowId,
    kind: a.get(GstDownloadKind) ?? '',
    stage: a.get(GstStage) ?? '',
    status: wf.status.name,
    outcome: a.get(GstOutcome) ?? '-',
    records: '-',
    pages: total !== undefined ? `${done ?? 0}/${total}` : done !== undefined ? String(done) : '-',
    startTime: wf.startTime.toISOString(),
  };
}

/** Adds the catalogue's entries: into the row Temporal still has, or as a row of their own (CATALOGUED). */
function merge(rows: Row[], entries: CatalogueEntry[]): Row[] {
  const byId = new Map(rows.map((r) => [r.workflowId, r]));
  for (const e of entries) {
    const r = byId.get(e.id);
    if (r) {
      r.outcome = e.outcome;
      r.records = String(e.records);
      r.catalogued = e;
      continue;
    }
    const own: Row = { workflowId: e.id, kind: e.kind, stage: 'DONE', status: 'CATALOGUED', outcome: e.outcome, records: String(e.records), pages: '-', startTime: e.fetchedAt, catalogued: e };
    rows.push(own);
    byId.set(e.id, own);
  }
  return rows.sort((a, b) => b.startTime.localeCompare(a.startTime));
}

export async function listCommand(argv: string[], io: Io): Promise<number> {
  const spec = { ...CONNECTION_FLAGS, gstin: 'string', period: 'string', kind: 'string', stage: 'string', running: 'boolean', limit: 'string', json: 'boolean' } as const;
  const p = parseArgs(argv, spec, 'list');
  if (p.help) {
    io.out(listHelp);
    return 0;
  }
  positionals(p, [], 'list');
  const query = listQuery({ gstin: str(p, 'gstin'), period: str(p, 'period'), kind: str(p, 'kind'), stage: str(p, 'stage'), running: bool(p, 'running') });
  const limit = intFlag(p, 'limit', 'list', 50);
  const conn = await connect(p, io.env);
  try {
    let rows: Row[] = [];
    for await (const wf of conn.client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
      rows.push(row(wf));
      if (rows.length >= limit) break;
    }
    const stage = str(p, 'stage');
    if (!bool(p, 'running') && (stage === undefined || stage.toUpperCase() === 'DONE')) {
      const kind = str(p, 'kind') as CatalogueEntry['kind'] | undefined;
      rows = merge(rows, await catalogueFromEnv(io.env).list({ gstin: str(p, 'gstin'), period: str(p, 'period'), kind })).slice(0, limit);
    }
    if (bool(p, 'json')) {
      for (const r of rows) io.out(JSON.stringify(r));
      return 0;
    }
    if (rows.length === 0) {
      io.out('no downloads match');
      return 0;
    }
    const lines = table(
      ['ID', 'KIND', 'STAGE', 'STATUS', 'OUTCOME', 'RECORDS', 'PAGES', 'STARTED'],
      rows.map((r) => [r.workflowId, r.kind, r.stage, r.status, r.outcome, r.records, r.pages, r.startTime]),
    );
    for (const l of lines) io.out(l);
    return 0;
  } finally {
    await conn.close();
  }
}
