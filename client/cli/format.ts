/** How the CLI shows progress, summaries and tables to people (machines get --json). */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DownloadSummary, Progress } from '../../workflows/types';

/** What a download counts as its units, by workflow type. */
export function unitOf(type: string | undefined): string {
  if (type === 'downloadGstr2b') return 'files';
  if (type === 'getIrnDetails') return 'IRNs';
  return 'pages';
}

export function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** "in 4s", "in 2m 5s", "now" — the distance from `now` to `at`. */
export function relative(at: string | undefined, now: number): string | undefined {
  if (!at) return undefined;
  const ms = Date.parse(at) - now;
  if (!Number.isFinite(ms)) return undefined;
  if (ms <= 500) return 'now';
  const s = Math.round(ms / 1000);
  return s < 60 ? `in ${s}s` : `in ${Math.floor(s / 60)}m ${s % 60}s`;
}

/** One line: bar, pages, stage, next poll, attempts. */
export function progressLine(p: Progress, type: string | undefined, now: number, gstin?: string): string {
  const unit = unitOf(type);
  const parts: string[] = [];
  if (p.pagesTotal !== undefined) parts.push(`${bar(p.pagesDone, p.pagesTotal)} ${p.pagesDone}/${p.pagesTotal} ${unit}`);
  else if (p.pagesDone > 0) parts.push(`${p.pagesDone} ${unit}`);
  parts.push(p.stage);
  if (p.stage === 'AWAITING_OTP') {
    parts.push(`waiting for an OTP: gst-download session verify-otp --gstin ${gstin ?? 'GSTIN'} --otp …`);
  } else if (p.stage === 'POLLING' || p.stage === 'SUBMITTED') {
    const next = relative(p.nextPollAt, now);
    if (next) parts.push(next === 'now' ? 'checking now' : `next check ${next}`);
  }
  const attempts = [`checks ${p.polls}`];
  if (p.submissions > 1) attempts.push(`submissions ${p.submissions}`);
  if (p.run > 1) attempts.push(`run ${p.run}`);
  parts.push(attempts.join(', '));
  if (p.lastError) parts.push(`last error: ${p.lastError}`);
  return parts.join('  ');
}

/** The store folder of a finished download: absolute when DATA_DIR is known here, else relative to it. */
export function storeDir(location: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.DATA_DIR ? path.resolve(env.DATA_DIR, location) : `${location} (under the worker's DATA_DIR)`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * How many files a finished download stored. The summary lists at most 200 (`filesTruncated` beyond); then the
 * manifest, which lists all, when this machine sees the store (DATA_DIR), else one file per IMS page / IRN.
 */
export function fileCount(s: DownloadSummary, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (!s.filesTruncated) return s.files.length;
  if (env.DATA_DIR) {
    try {
      const manifest = JSON.parse(readFileSync(path.resolve(env.DATA_DIR, s.manifest), 'utf8')) as { files?: unknown[] };
      if (Array.isArray(manifest.files)) return manifest.files.length;
    } catch {
      /* not on this machine: counted from the summary below */
    }
  }
  if (s.kind === 'ims' && s.pages !== undefined) return s.pages;
  const irns = (s.inputs as { irns?: unknown }).irns;
  if (s.kind === 'irn' && Array.isArray(irns)) return irns.length;
  return undefined;
}

/** The finished download in a few lines. */
export function summaryLines(id: string, s: DownloadSummary, env: NodeJS.ProcessEnv = process.env): string[] {
  const took = (Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000;
  const n = fileCount(s, env);
  const count = n === undefined ? `more than ${s.files.length} files` : `${n} file${n === 1 ? '' : 's'}`;
  const extra = [s.pages !== undefined ? `${s.pages} pages` : undefined, s.polls !== undefined ? `${s.polls} checks` : undefined]
    .filter(Boolean)
    .join(', ');
  const lines = [
    `done ${id}: ${count}, ${s.records} record${s.records === 1 ? '' : 's'}, ${bytes(s.bytes)}${extra ? `, ${extra}` : ''}${Number.isFinite(took) ? `, ${took.toFixed(1)}s` : ''}`,
    `store: ${storeDir(s.location, env)}`,
    `manifest: ${s.manifest}`,
  ];
  if (s.outcome) lines.push(`outcome: ${outcomeText(s)}`);
  return lines;
}

/** `data`, `no-data (RET2B1016)`, `data (generation g20200414-… of 2, unchanged)`. */
export function outcomeText(s: Pick<DownloadSummary, 'outcome' | 'gstnCode' | 'generation' | 'generations' | 'unchanged'>): string {
  const more: string[] = [];
  if (s.gstnCode) more.push(s.gstnCode);
  if (s.generation) more.push(`generation ${s.generation.id} (gendt ${s.generation.gendt}) of ${s.generations ?? 1}`);
  if (s.unchanged) more.push('unchanged');
  return `${s.outcome ?? 'data'}${more.length ? ` (${more.join(', ')})` : ''}`;
}

/** A plain text table: columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}
