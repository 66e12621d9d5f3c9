/**
 * The activities as a workflow calls them: the worker's tunables (read once per run through a local activity,
 * recorded so replays agree) and the three activity profiles (short calls, pages, long ZIP transfers).
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { newPath } from './patches';
import type { Activities } from '../activities';
import type { DownloadConfig } from '../domain/config';

/**
 * The worker's tunables, read once per run through a local activity (recorded, so replays agree), with the value
 * to index as GstGstin for `gstin` (`gstinIndex`, when the worker hashes GSTINs). The argument does not change the
 * commands, but it is behind patched('gstin-index') all the same: runs from before it keep asking without the GSTIN.
 */
/** The GSTIN of a raw (not yet validated) input, when it is a string. */
export function gstinOf(raw: unknown): string | undefined {
  const g = raw && typeof raw === 'object' ? (raw as { gstin?: unknown }).gstin : undefined;
  return typeof g === 'string' ? g : undefined;
}

export async function loadConfig(gstin?: string): Promise<DownloadConfig> {
  const { loadDownloadConfig } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });
  // runs from before the GSTIN index asked without the GSTIN (and indexed the GSTIN itself)
  return newPath('gstin-index') ? loadDownloadConfig(gstin) : loadDownloadConfig();
}

export function activityProxies(cfg: DownloadConfig) {
  const a = cfg.activity;
  const retry = { initialInterval: a.retryInitialMs, backoffCoefficient: 2, maximumInterval: a.retryMaxMs };
  return {
    short: proxyActivities<Activities>({ startToCloseTimeout: a.shortTimeoutMs, scheduleToCloseTimeout: a.retryWindowMs, retry }),
    page: proxyActivities<Activities>({ startToCloseTimeout: a.pageTimeoutMs, scheduleToCloseTimeout: a.retryWindowMs, retry }),
    zip: proxyActivities<Activities>({
      startToCloseTimeout: a.zipTimeoutMs,
      heartbeatTimeout: a.heartbeatMs,
      scheduleToCloseTimeout: a.retryWindowMs,
      retry,
    }),
  };
}

export type Proxies = ReturnType<typeof activityProxies>;
