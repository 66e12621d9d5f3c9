/**
 * Benchmark: does the server run on-demand downloads ahead of a backlog of sync children (Temporal Priority), and
 * share the queue between fairness keys (GSTINs)? Measured, not assumed.
 *
 *   npm run -s bench -- priority [--low 30] [--high 10]
 *
 * For each server setting (the dev server as it comes; then with `matching.useNewMatcher` and
 * `matching.enableFairness` on), a backlog builds on a task queue with no worker: --low GSTR-2B downloads at
 * priority 4 (as a sync's children), then --high at the default priority 3 (as downloads started by hand). One worker
 * with two workflow tasks and one activity at a time then drains it. The figure: where the high ones finish in the
 * completion order (FIFO puts them last; priority first). Then the same with two fairness keys at equal priority:
 * --low downloads of GSTIN A, then --high of GSTIN B (FIFO puts B last; fairness interleaves them).
 */
import type { Priority } from '@temporalio/common';
import { fastDownloadConfig, fleetGstin, startBench } from './harness';
import { checkKnown, intArg, note, parseArgs, report, round, runMain } from './lib';

interface Job {
  group: 'first' | 'later';
  workflowId: string;
  priority: Priority;
}

async function drain(dynamicConfig: Record<string, unknown>, jobs: Job[]) {
  const bench = await startBench({
    download: fastDownloadConfig({ concurrency: 1 }),
    maxConcurrentActivities: 1,
    maxConcurrentWorkflowTasks: 2,
    dynamicConfig,
    deferWorker: true,
  });
  try {
    await bench.admin.config({ taskSeconds: 0 });
    const handles = [];
    for (const j of jobs) {
      const gstin = fleetGstin(handles.length);
      handles.push(
        await bench.client.workflow.start('downloadGstr2b', {
          taskQueue: bench.taskQueue,
          workflowId: j.workflowId,
          args: [{ gstin, retPeriod: '082023' }],
          ...(Object.keys(j.priority).length ? { priority: j.priority } : {}),
        }),
      );
    }
    await bench.startWorker();
    await Promise.all(handles.map((h) => h.result()));
    const closed = await Promise.all(handles.map(async (h, i) => ({ job: jobs[i]!, at: (await h.describe()).closeTime!.getTime() })));
    closed.sort((a, b) => a.at - b.at);
    const ranks = closed.map((c, i) => ({ group: c.job.group, rank: i + 1 })).filter((r) => r.group === 'later').map((r) => r.rank);
    const n = jobs.length;
    const k = ranks.length;
    return {
      laterRanks: ranks,
      laterMeanRank: round(ranks.reduce((s, r) => s + r, 0) / k, 1),
      // what FIFO gives (the later ones last) and what strict priority would (first)
      fifoMeanRank: round((n - k + 1 + n) / 2, 1),
      firstMeanRank: round((1 + k) / 2, 1),
    };
  } finally {
    await bench.close();
  }
}

async function main(): Promise<void> {
  const args = parseArgs();
  checkKnown(args, ['low', 'high']);
  const low = Math.max(1, intArg(args, 'low', 30));
  const high = Math.max(1, intArg(args, 'high', 10));
  const priorityJobs = (tag: string): Job[] => [
    ...Array.from({ length: low }, (_, i): Job => ({ group: 'first', workflowId: `prio-${tag}-low-${i}-${Date.now()}`, priority: { priorityKey: 4, fairnessKey: `G${i}` } })),
    ...Array.from({ length: high }, (_, i): Job => ({ group: 'later', workflowId: `prio-${tag}-high-${i}-${Date.now()}`, priority: {} })),
  ];
  const fairJobs = (tag: string): Job[] => [
    ...Array.from({ length: low }, (_, i): Job => ({ group: 'first', workflowId: `fair-${tag}-a-${i}-${Date.now()}`, priority: { priorityKey: 4, fairnessKey: 'GSTIN-A' } })),
    ...Array.from({ length: high }, (_, i): Job => ({ group: 'later', workflowId: `fair-${tag}-b-${i}-${Date.now()}`, priority: { priorityKey: 4, fairnessKey: 'GSTIN-B' } })),
  ];
  const settings: Array<{ name: string; dynamicConfig: Record<string, unknown> }> = [
    { name: 'dev server defaults', dynamicConfig: {} },
    { name: 'matching.useNewMatcher + matching.enableFairness', dynamicConfig: { 'matching.useNewMatcher': true, 'matching.enableFairness': true } },
  ];
  const results = [];
  for (const s of settings) {
    note(`${s.name}: ${low} at priority 4, then ${high} at the default…`);
    const priority = await drain(s.dynamicConfig, priorityJobs('p'));
    note(`${s.name}: ${low} of fairness key A, then ${high} of key B…`);
    const fairness = await drain(s.dynamicConfig, fairJobs('f'));
    results.push({ setting: s.name, dynamicConfig: s.dynamicConfig, priority, fairness });
  }
  report({ bench: 'priority', params: { low, high, node: process.version }, results, verified: true });
}

runMain(main);
