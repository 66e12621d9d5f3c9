/**
 * A catalogue that outlives Temporal: a download started through the client library lands in the catalogue kept
 * with the store; after its workflow is deleted from Temporal (`temporal workflow delete`), `gst-download list`
 * still shows it, and a new start of the same inputs returns it as existing without a workflow or an EAS job.
 */
import { execFile } from 'node:child_process';
import { WorkflowNotFoundError } from '@temporalio/client';
import { startGstr2bDownload, startIrnDetails } from '../../client';
import { Catalogue } from '../../store/catalogue';
import { findTemporalBinary } from '../../scripts/temporal-server';
import type { DownloadSummary } from '../../workflows/types';
import { CLI_ENTRY, Harness, waitFor } from './harness';

jest.setTimeout(360_000);

const binary = findTemporalBinary();
if (!binary) console.warn('SKIPPED test/integration/catalogue.test.ts: no temporal CLI (TEMPORAL_CLI_PATH, PATH, .temporal/bin)');
const suite = binary ? describe : describe.skip;

function run(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 90_000, encoding: 'utf8', env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let h: Harness;
beforeAll(async () => {
  h = await Harness.create();
  await h.startWorker();
});
afterAll(() => h?.close());

const gstr2bCalls = async (gstin: string) => (await h.admin.requests()).last.filter((e) => e.gstin === gstin && e.route === 'gstr2b').length;

suite('after Temporal forgot the workflow', () => {
  test('the catalogue still lists it, and a new start returns it as existing without an EAS job', async () => {
    const gstin = '27AAPFU7777F1Z7';
    const input = { gstin, retPeriod: '022024' };
    const catalogue = new Catalogue(h.store);
    const opts = { taskQueue: h.taskQueue, gstinChecksum: 'off' as const, catalogue };
    const first = await startGstr2bDownload(h.client, input, opts);
    expect(first.existing).toBe(false);
    const summary = (await first.handle.result()) as DownloadSummary;
    const entry = await catalogue.get(gstin, first.workflowId);
    expect(entry).toMatchObject({ id: first.workflowId, kind: 'gstr2b', period: '022024', outcome: 'data', records: summary.records, gendt: '14-03-2024', generations: 1 });

    const del = await run(binary!.path, ['workflow', 'delete', '--workflow-id', first.workflowId, '--address', process.env.TEMPORAL_ADDRESS!, '--namespace', process.env.TEMPORAL_NAMESPACE ?? 'default']);
    expect(del.code).toBe(0);
    await waitFor(
      async () => first.handle.describe().then(() => false, (e) => e instanceof WorkflowNotFoundError),
      'the workflow to be gone from Temporal',
      180_000, // the dev server deletes asynchronously; on a loaded machine it can take a minute or more
    );

    const calls = await gstr2bCalls(gstin);
    const again = await startGstr2bDownload(h.client, input, opts);
    expect(again).toMatchObject({ existing: true, workflowId: first.workflowId, catalogued: entry });
    await expect(again.handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError); // nothing was started
    expect(await gstr2bCalls(gstin)).toBe(calls); // and no EAS call made

    const list = await run(process.execPath, [CLI_ENTRY, 'list', '--gstin', gstin], h.cliEnv());
    expect(list.code).toBe(0);
    const rows = list.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^ID +KIND +STAGE +STATUS +OUTCOME +RECORDS +PAGES +STARTED$/);
    expect(rows.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${first.workflowId} +gstr2b +DONE +CATALOGUED +data +${summary.records} +- +\\d{4}-`))]);

    const cliStart = await run(process.execPath, [CLI_ENTRY, 'start', 'gstr2b', '--gstin', gstin, '--period', '022024'], h.cliEnv());
    expect(cliStart.code).toBe(0);
    expect(cliStart.stdout).toMatch(new RegExp(`^existing ${first.workflowId} \\(catalogued .*: data, ${summary.records} records, gendt 14-03-2024\\): already downloaded; nothing new started`));
    expect(await gstr2bCalls(gstin)).toBe(calls);

    // refresh asks GSTN again: the same generation, so nothing is written
    const refreshed = await startGstr2bDownload(h.client, input, { ...opts, refresh: true });
    expect(refreshed.existing).toBe(false);
    const r = (await refreshed.handle.result()) as DownloadSummary;
    expect(r).toMatchObject({ outcome: 'data', unchanged: true, generations: 1 });
    expect(await gstr2bCalls(gstin)).toBe(calls + 1);
  });

  test('an IRN batch started again the same day is the same catalogued download; another batch is its own', async () => {
    const gstin = '27AAPFU8888F1Z8';
    const catalogue = new Catalogue(h.store);
    const opts = { taskQueue: h.taskQueue, gstinChecksum: 'off' as const, catalogue };
    const a = await startIrnDetails(h.client, { gstin, irns: ['c1'.repeat(32)] }, opts);
    await a.handle.result();
    const b = await startIrnDetails(h.client, { gstin, irns: ['d1'.repeat(32)] }, opts);
    await b.handle.result();
    expect(b.workflowId).not.toBe(a.workflowId);
    const entries = await catalogue.list({ gstin });
    expect(entries.map((e) => e.id).sort()).toEqual([a.workflowId, b.workflowId].sort());
    expect(new Set(entries.map((e) => e.manifest)).size).toBe(2);
    expect((await startIrnDetails(h.client, { gstin, irns: ['c1'.repeat(32)] }, opts)).catalogued?.id).toBe(a.workflowId);
  });
});
