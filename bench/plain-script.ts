/**
 * The baseline the durable download is measured against: a plain script that does the same IMS download with the
 * project's `EasClient` and `FileStore` — submit, poll, count pages, fetch every page with N requests in flight,
 * write each page to the store — and nothing durable. What it takes is the wire's time at that concurrency.
 */
import { performance } from 'node:perf_hooks';
import { EasClient } from '../eas/client';
import type { EasConfig } from '../eas/config';
import { imsPageRecords } from '../activities/records';
import { FileStore } from '../store/file-store';
import type { DownloadLocation } from '../store/store';
import { round, seconds } from './lib';

export interface ScriptRun {
  concurrency: number;
  seconds: number;
  pages: number;
  records: number;
  pagesPerSecond: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function plainScriptIms(o: {
  eas: EasConfig;
  dataDir: string;
  gstin: string;
  section: string;
  concurrency: number;
  pollMs?: number;
}): Promise<ScriptRun> {
  const eas = new EasClient(o.eas);
  const store = new FileStore(o.dataDir);
  const loc: DownloadLocation = { kind: 'ims', gstin: o.gstin, period: `script-c${o.concurrency}-${Date.now()}`, section: o.section };
  const t = performance.now();
  const taskId = await eas.submitImsDownload(o.gstin, o.section);
  for (let wait = o.pollMs ?? 200; ; wait = Math.min(wait * 1.5, 1000)) {
    await sleep(wait);
    const s = await eas.taskStatus(taskId);
    if (s.status === 'completed') break;
    if (s.status === 'failed') throw new Error(`task ${taskId} failed`);
  }
  const pages = await eas.taskPages(taskId);
  let next = 1;
  let records = 0;
  const lane = async (): Promise<void> => {
    while (next <= pages) {
      const p = next++;
      const { body, data } = await eas.taskPage(taskId, p);
      const stored = await store.put(loc, `page-${p}.json`, body, imsPageRecords(data));
      records += stored.records; // after the await: `records += await …` would add to a stale value
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, pages) }, lane));
  const s = seconds(t);
  await eas.logout().catch(() => undefined);
  return { concurrency: o.concurrency, seconds: s, pages, records, pagesPerSecond: round(pages / s, 1) };
}
