/**
 * A caller in any language, with nothing but the `temporal` CLI and JSON: every download kind started with
 * `temporal workflow start --type … --input '<json>'` (and with `--input-file`), waited for with
 * `temporal workflow result`, lands in the store exactly as the sandbox's ground truth says. Bad input fails the
 * workflow at once with a non-retryable InvalidInput failure the CLI shows; JSON the CLI cannot parse starts
 * nothing. CLI-started downloads are found by our search attributes: the workflow upserts GstGstin itself once it
 * runs, and `--search-attribute` sets it from the start (before any worker has picked the download up).
 */
import { execFile } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Truth } from '../../sandbox/types';
import { findTemporalBinary } from '../../scripts/temporal-server';
import type { DownloadSummary } from '../../workflows/types';
import { expectFolderMatchesTruth, Harness, waitFor } from './harness';

jest.setTimeout(180_000);

const binary = findTemporalBinary();
if (!binary) console.warn('SKIPPED test/integration/temporal-cli-json.test.ts: no temporal CLI (TEMPORAL_CLI_PATH, PATH, .temporal/bin)');
const suite = binary ? describe : describe.skip;

const SEED_IRN = '11f8ef701fe294d4a14aad0b12457e62775d0fdc41a0acf05b74fbb2ddc47acb';
const RUN = `${process.pid}-${Date.now().toString(36)}`;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI against the test server; never throws on a non-zero exit. */
function temporal(args: string[], timeoutMs = 90_000): Promise<CliResult> {
  const common = ['--address', process.env.TEMPORAL_ADDRESS!, '--namespace', process.env.TEMPORAL_NAMESPACE ?? 'default'];
  return new Promise((resolve) => {
    execFile(binary!.path, [...args, ...common], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(r: CliResult, what: string): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

suite('the plain temporal CLI with JSON input', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.create();
    await h.startWorker();
  });
  afterAll(() => h?.close());

  /** `temporal workflow start` on the harness's queue; returns the run id. */
  async function cliStart(type: string, workflowId: string, input: string[], extra: string[] = [], taskQueue = h.taskQueue) {
    const out = ok(
      await temporal(['workflow', 'start', '--type', type, '--task-queue', taskQueue, '--workflow-id', workflowId, ...input, ...extra, '-o', 'json']),
      `temporal workflow start ${type}`,
    );
    return JSON.parse(out) as { workflowId: string; runId: string };
  }

  /** `temporal workflow result -o json`: the summary the workflow returned. */
  async function cliResult(workflowId: string): Promise<DownloadSummary> {
    const out = JSON.parse(ok(await temporal(['workflow', 'result', '--workflow-id', workflowId, '-o', 'json']), 'temporal workflow result'));
    expect(out.status).toBe('COMPLETED');
    return out.result as DownloadSummary;
  }

  /** The store folder holds exactly the truth's files (plus manifest.json), byte for byte. */
  async function expectStoreEqualsTruth(summary: DownloadSummary, truth: Truth) {
    const folder = path.join(h.dataDir, summary.location);
    const names = (await readdir(folder)).filter((n) => n !== 'manifest.json').sort();
    expect(names).toEqual(truth.files.map((f) => f.name).sort());
    await expectFolderMatchesTruth(folder, truth);
    for (const t of truth.files) {
      if (t.name !== 'einvoice.zip') expect(summary.files.find((f) => f.name === t.name)?.records).toBe(t.records);
    }
    expect(summary.records).toBe(truth.records);
  }

  test('e-invoices: --input JSON → store equals truth', async () => {
    const input = { gstin: '27AAPFU0939F1ZV', retPeriod: '092024', supplyType: 'B2B', recipientGstin: '27AAPFU0939F1ZV' };
    await h.admin.config({ gstins: { [input.gstin]: { einvoiceFiles: 2, einvoiceRecordsPerFile: 15 } } });
    const id = `cli-einvoice-${RUN}`;
    await cliStart('downloadEinvoices', id, ['--input', JSON.stringify(input)]);
    const summary = await cliResult(id);
    expect(summary.kind).toBe('einvoice');
    await expectStoreEqualsTruth(summary, await h.admin.truth('einvoice', input));
    expect(summary.records).toBe(30);
  });

  test('IMS: --input JSON with a status filter → every page, store equals truth', async () => {
    const input = { gstin: '29AAGCB7383J1Z4', section: 'B2BCN', status: 'P' };
    const id = `cli-ims-${RUN}`;
    await cliStart('downloadImsInvoices', id, ['--input', JSON.stringify(input)]);
    const summary = await cliResult(id);
    const truth = await h.admin.truth('ims', input);
    expect(truth.pages).toBeGreaterThan(0);
    expect(summary.pages).toBe(truth.pages);
    await expectStoreEqualsTruth(summary, truth);
  });

  test('GSTR-2B: --input-file with --search-attribute → store equals truth; listed by GstGstin and GstReturnPeriod', async () => {
    const input = { gstin: '27AAACR5055K1Z7', retPeriod: '102025' };
    await h.admin.config({ gstins: { [input.gstin]: { gstr2bRecords: 90, gstr2bDocsPerFile: 40 } } });
    const file = path.join(h.dataDir, 'gstr2b-input.json');
    await writeFile(file, JSON.stringify(input, null, 2));
    const id = `cli-gstr2b-${RUN}`;
    await cliStart('downloadGstr2b', id, ['--input-file', file], [
      '--search-attribute', `GstGstin=${JSON.stringify(input.gstin)}`,
      '--search-attribute', 'GstDownloadKind="gstr2b"',
    ]);
    const summary = await cliResult(id);
    const truth = await h.admin.truth('gstr2b', { gstin: input.gstin, rtnprd: input.retPeriod });
    expect(truth.fc).toBe(3);
    await expectStoreEqualsTruth(summary, truth);

    // TaskQueue keeps other test files' downloads of the same GSTIN (same shared server) out of the answer
    const query = `TaskQueue = "${h.taskQueue}" AND GstGstin = "${input.gstin}" AND GstReturnPeriod = "${input.retPeriod}" AND GstStage = "DONE"`;
    const listed = await waitFor(async () => {
      const rows = JSON.parse(ok(await temporal(['workflow', 'list', '--query', query, '-o', 'json']), 'temporal workflow list'));
      return Array.isArray(rows) && rows.length > 0 && rows;
    }, 'the GSTR-2B download in `temporal workflow list`');
    expect(listed.map((r: { execution: { workflowId: string } }) => r.execution.workflowId)).toEqual([id]);
  });

  test('IRN details: --input JSON with two IRNs → each file equals truth', async () => {
    const input = { gstin: '29HJKPS9689A8Z4', irns: [SEED_IRN, 'c'.repeat(64)] };
    const id = `cli-irn-${RUN}`;
    await cliStart('getIrnDetails', id, ['--input', JSON.stringify(input)]);
    const summary = await cliResult(id);
    const files: Truth['files'] = [];
    for (const irn of input.irns) files.push(...(await h.admin.truth('irn', { gstin: input.gstin, irn })).files);
    await expectStoreEqualsTruth(summary, { files, records: files.reduce((n, f) => n + f.records, 0) });
  });

  test('a download started without --search-attribute is found by GstGstin once it runs (the workflow upserts it)', async () => {
    const input = { gstin: '33GSPTN0791G1Z5', retPeriod: '052024' };
    const id = `cli-gstr2b-noattr-${RUN}`;
    await cliStart('downloadGstr2b', id, ['--input', JSON.stringify(input)]);
    await cliResult(id);
    const query = `TaskQueue = "${h.taskQueue}" AND GstGstin = "${input.gstin}" AND GstDownloadKind = "gstr2b" AND GstStage = "DONE"`;
    const count = await waitFor(async () => {
      const n = JSON.parse(ok(await temporal(['workflow', 'count', '--query', query, '-o', 'json']), 'temporal workflow count')).count;
      return Number(n) > 0 && Number(n);
    }, 'the download counted by GstGstin');
    expect(count).toBe(1);
  });

  test('before any worker runs it, only a download started with --search-attribute is found by GstGstin', async () => {
    const idle = `${h.taskQueue}-no-worker`;
    const gstin = '07AAACB1234C1Z5';
    const input = JSON.stringify({ gstin, retPeriod: '042024' });
    const tagged = `cli-tagged-${RUN}`;
    const plain = `cli-plain-${RUN}`;
    await cliStart('downloadGstr2b', tagged, ['--input', input], ['--search-attribute', `GstGstin="${gstin}"`], idle);
    await cliStart('downloadGstr2b', plain, ['--input', input], [], idle);
    const list = async (query: string): Promise<string[]> => {
      const rows = JSON.parse(ok(await temporal(['workflow', 'list', '--query', query, '-o', 'json']), 'temporal workflow list'));
      return (Array.isArray(rows) ? rows : []).map((r: { execution: { workflowId: string } }) => r.execution.workflowId);
    };
    try {
      // both starts are indexed (the plain one started last) ...
      await waitFor(async () => (await list(`WorkflowId = "${plain}"`)).length === 1, 'the plain download in the list');
      // ... and only the tagged one carries GstGstin
      expect(await list(`TaskQueue = "${idle}" AND GstGstin = "${gstin}"`)).toEqual([tagged]);
    } finally {
      for (const id of [tagged, plain]) await h.client.workflow.getHandle(id).terminate('test done').catch(() => undefined);
    }
  });

  test.each([
    ['downloadGstr2b', { gstin: '29HJKPS9689A8Z', retPeriod: '032020' }, 'gstin'],
    ['downloadGstr2b', { gstin: '01AABCE2207R1Z5', ret_period: '032020' }, 'ret_period'],
    ['downloadImsInvoices', { gstin: '29HJKPS9689A8Z4', section: 'B2X' }, 'section'],
    ['getIrnDetails', { gstin: '29HJKPS9689A8Z4', irns: ['not-an-irn'] }, 'irns[0]'],
    ['downloadEinvoices', { gstin: '29HJKPS9689A8Z4', retPeriod: '082023', supplyType: 'B2B' }, 'supplierGstin'],
  ])('bad input to %s (%j) fails at once, non-retryable InvalidInput naming the field, no activity run', async (type, input, field) => {
    const id = `cli-bad-${type}-${field.replace(/\W/g, '')}-${RUN}`;
    await cliStart(type, id, ['--input', JSON.stringify(input)]);
    const started = Date.now();
    const result = await temporal(['workflow', 'result', '--workflow-id', id, '-o', 'json']);
    expect(result.code).not.toBe(0);
    const shown = JSON.parse(result.stdout);
    expect(shown.status).toBe('FAILED');
    const failure = shown.closeEvent.workflowExecutionFailedEventAttributes.failure;
    expect(failure.applicationFailureInfo).toEqual({ type: 'InvalidInput', nonRetryable: true, details: [{ field }] });
    expect(failure.message.startsWith(`${field}: `) || failure.message.startsWith(`${field} `)).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);

    const described = JSON.parse(ok(await temporal(['workflow', 'describe', '--workflow-id', id, '-o', 'json']), 'describe'));
    expect(described.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_FAILED');

    const events = (await h.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    expect(events.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
    // one workflow task: nothing was retried
    expect(events.filter((e) => e.workflowTaskStartedEventAttributes)).toHaveLength(1);
  });

  test('JSON the CLI cannot parse is refused before anything starts', async () => {
    const id = `cli-unparsable-${RUN}`;
    const r = await temporal(['workflow', 'start', '--type', 'downloadGstr2b', '--task-queue', h.taskQueue, '--workflow-id', id, '--input', '{"gstin":']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/input #1 is not valid JSON/);
    const described = await temporal(['workflow', 'describe', '--workflow-id', id]);
    expect(described.code).not.toBe(0);
    expect(described.stderr).toMatch(/not found/i);
  });
});
