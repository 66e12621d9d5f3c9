/**
 * Benchmark: the history a download writes while it waits for a slow EAS task, scaled in time.
 *
 *   npm run -s bench -- polling [--task-minutes 30] [--scale 100] [--deadline-scale 1000]
 *
 * Two IMS downloads (one page each) on a real dev server with one real worker and the production poll schedule
 * (DEFAULT_CONFIG.poll: first check after 10 s, ×1.6, at most 5 min apart, 24 h deadline), every duration divided
 * by a scale factor so the run takes seconds:
 *   - `task`: the sandbox's task takes --task-minutes (default 30) to complete (time ÷ --scale);
 *   - `deadline`: the task never completes within the 24-hour deadline (time ÷ --deadline-scale), so the download
 *     ends DeadlineExceeded.
 * The counts are real: status checks the sandbox answered, workflow runs and history events of each download.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { performance } from 'node:perf_hooks';
import { DEFAULT_CONFIG, type PollConfig } from '../domain/config';
import type { DownloadSummary } from '../workflows/types';
import { fastDownloadConfig, runsOf, startBench, type Bench } from './harness';
import { checkKnown, intArg, note, parseArgs, report, round, runMain, seconds } from './lib';

const GSTIN = '27AAPFU0939F1ZV';

function scaled(p: PollConfig, scale: number): PollConfig {
  return { ...p, initialMs: p.initialMs / scale, maxMs: p.maxMs / scale, deadlineMs: p.deadlineMs / scale, ...(p.windowMs ? { windowMs: p.windowMs / scale } : {}) };
}

/** Status checks the poll schedule (without jitter) makes in real time: until a task of `minutes` completes, or up to the deadline. */
export function expectedChecks(p: PollConfig, minutes: number): number {
  const end = Math.min(minutes * 60_000, p.deadlineMs);
  let t = 0;
  let n = 0;
  for (let d = p.initialMs; t < end; d = Math.min(d * p.factor, p.maxMs)) {
    t = Math.min(t + d, p.deadlineMs);
    n++;
    if (t >= p.deadlineMs) break;
  }
  return n;
}

interface Scenario {
  name: 'task' | 'deadline';
  scale: number;
  /** Real (unscaled) task duration in minutes. */
  taskMinutes: number;
}

async function runScenario(bench: Bench, s: Scenario, section: string) {
  const { client, admin } = bench;
  // the worker reads its poll schedule from config: set the scaled one for this scenario
  bench.workerConfig.download.poll = scaled(DEFAULT_CONFIG.poll, s.scale);
  await admin.config({ taskSeconds: (s.taskMinutes * 60) / s.scale });
  const statusBefore = (await admin.requests()).byRoute.taskStatus?.total ?? 0;
  const t = performance.now();
  const handle = await client.workflow.start('downloadImsInvoices', {
    taskQueue: bench.taskQueue,
    workflowId: `bench-poll-${s.name}-${Date.now()}`,
    args: [{ gstin: GSTIN, section }],
  });
  let outcome = 'completed';
  let polls: number | null = null;
  try {
    polls = ((await handle.result()) as DownloadSummary).polls ?? null;
  } catch (e) {
    if (!(e instanceof WorkflowFailedError)) throw e;
    type Cause = { type?: string; message?: string; cause?: unknown } | undefined;
    let cause = e.cause as Cause;
    while (cause && !cause.type && cause.cause) cause = cause.cause as Cause;
    outcome = `failed: ${cause?.type ?? cause?.message ?? 'unknown'}`;
  }
  const wallSeconds = seconds(t);
  const runs = await runsOf(client, handle.workflowId, handle.firstExecutionRunId);
  const statusChecks = ((await admin.requests()).byRoute.taskStatus?.total ?? 0) - statusBefore;
  const events = runs.reduce((n, r) => n + r.events, 0);
  return {
    scenario: s.name,
    realTaskMinutes: s.taskMinutes,
    scale: s.scale,
    wallSeconds,
    outcome,
    statusChecks,
    // time scaled down, the server's and the worker's own latency per check is not: a check lands later than the
    // schedule says, so fewer fit (most in the deadline case); this is what the schedule makes at real time
    expectedChecksAtRealTime: expectedChecks(DEFAULT_CONFIG.poll, s.taskMinutes),
    pollsReported: polls,
    runs: runs.length,
    historyEvents: events,
    historyEventsPerRun: runs.map((r) => r.events),
    eventsPerStatusCheck: statusChecks ? round(events / statusChecks, 1) : null,
  };
}

/** Events at real time: this run's events plus, per check the scaled run could not fit, the events one check costs. */
export function eventsAtRealTime(r: { historyEvents: number; statusChecks: number; expectedChecksAtRealTime: number }, perCheck: number): number {
  return Math.round(r.historyEvents + Math.max(0, r.expectedChecksAtRealTime - r.statusChecks) * perCheck);
}

async function main(): Promise<void> {
  const args = parseArgs();
  checkKnown(args, ['task-minutes', 'scale', 'deadline-scale']);
  const taskMinutes = intArg(args, 'task-minutes', 30);
  const scale = Math.max(1, intArg(args, 'scale', 100));
  const deadlineScale = Math.max(1, intArg(args, 'deadline-scale', 1000));
  const bench = await startBench({
    download: fastDownloadConfig({ concurrency: 8 }),
    maxConcurrentActivities: 16,
  });
  try {
    await bench.admin.config({ gstins: { [GSTIN]: { imsRecords: 10, imsPageSize: 50 } } });
    note(`a ${taskMinutes}-minute task at 1/${scale} time…`);
    const task = await runScenario(bench, { name: 'task', scale, taskMinutes }, 'B2B');
    note(`a task past the 24-hour deadline at 1/${deadlineScale} time…`);
    const deadlineMinutes = (2 * DEFAULT_CONFIG.poll.deadlineMs) / 60_000;
    const deadline = await runScenario(bench, { name: 'deadline', scale: deadlineScale, taskMinutes: deadlineMinutes }, 'B2BA');
    const perCheck = deadline.statusChecks > task.statusChecks ? Math.max(0, round((deadline.historyEvents - task.historyEvents) / (deadline.statusChecks - task.statusChecks), 2)) : 0;
    const ok = task.outcome === 'completed' && deadline.outcome.includes('DeadlineExceeded');
    report({
      bench: 'polling',
      params: { poll: DEFAULT_CONFIG.poll, taskMinutes, scale, deadlineScale, node: process.version },
      scenarios: [task, deadline],
      // the marginal history cost of one more status check, from the two scenarios; used to extrapolate to the checks
      // the schedule makes at real time (an upper bound where the count grows with time windows rather than checks)
      eventsPerExtraCheck: perCheck,
      eventsAtRealTime: { task: eventsAtRealTime(task, perCheck), deadline: eventsAtRealTime(deadline, perCheck) },
      verified: ok,
      ...(ok ? {} : { problems: [`expected task completed and deadline DeadlineExceeded, got ${task.outcome} / ${deadline.outcome}`] }),
    });
    if (!ok) process.exitCode = 1;
  } finally {
    await bench.close();
  }
}

runMain(main);
