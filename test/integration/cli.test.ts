/**
 * The `gst-download` CLI as a user runs it: the compiled entry (dist/client/cli/main.js) in child processes,
 * against the jest dev server, a harness worker in this process and the sandbox over HTTP. (`npm test` builds
 * dist/ first; for `npx jest` alone run `npm run build` before.)
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../../scripts/temporal-server';
import { bytes } from '../../client/cli/format';
import type { Truth } from '../../sandbox/types';
import type { DownloadSummary } from '../../workflows/types';
import { CLI_ENTRY, expectFolderMatchesTruth, Harness } from './harness';

jest.setTimeout(180_000);

const OTP = '575757'; // sandbox/user.ts SANDBOX_USER.otp

let h: Harness;
const timings: Array<{ args: string; firstOutputMs: number; totalMs: number }> = [];

/** A GSTIN of valid shape no other run has used (deterministic workflow ids stay unique on a shared server). */
function uniqueGstin(): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const pick = (n: number) => Array.from({ length: n }, () => letters[Math.floor(Math.random() * 26)]).join('');
  return `27${pick(5)}${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}${pick(1)}1Z${pick(1)}`;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string; spawnAs?: [string, string[]] } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...h.cliEnv(), ...opts.env };
  const started = Date.now();
  let first = 0;
  return new Promise((resolve, reject) => {
    const [file, argv] = opts.spawnAs ?? [process.execPath, [CLI_ENTRY, ...args]];
    // a hung command must not outlive the test: killed after 90 s (the test then fails on its exit code)
    const child = spawn(file, argv, { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 90_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    const seen = () => (first ||= Date.now() - started);
    child.stdout.on('data', (d) => ((stdout += d), seen()));
    child.stderr.on('data', (d) => ((stderr += d), seen()));
    child.stdin.end(opts.stdin ?? '');
    child.on('error', reject);
    child.on('close', (code) => {
      timings.push({ args: (opts.spawnAs ? ['follow (tty)'] : args.slice(0, 2)).join(' '), firstOutputMs: first, totalMs: Date.now() - started });
      resolve({ code, stdout, stderr });
    });
  });
}

/** The files in `dir` equal the sandbox's ground truth (names, bytes, sha256). */
async function expectStoreEqualsTruth(dir: string, truth: Truth) {
  expect(truth.files.length).toBeGreaterThan(0);
  await expectFolderMatchesTruth(dir, truth);
}

beforeAll(async () => {
  if (!existsSync(CLI_ENTRY)) throw new Error(`${CLI_ENTRY} is missing: run "npm run build" first (npm test does)`);
  // Two pages at a time, each answered 300 ms late, and a task that stays processing for two checks 1.5 s
  // apart: a download long enough for --follow to show the stages and the pages bar move.
  h = await Harness.create({
    sandbox: { taskSeconds: 0.5 },
    download: { concurrency: 2, poll: { initialMs: 1500, factor: 1, maxMs: 1500, jitter: 0, deadlineMs: 120_000 } },
  });
  await h.startWorker();
});

afterAll(async () => {
  await h?.close();
  // One line of measurement; CLI_TIMINGS=1 lists every run.
  const firsts = timings.map((t) => t.firstOutputMs).filter((ms) => ms > 0).sort((a, b) => a - b);
  if (firsts.length) {
    const median = firsts[Math.floor(firsts.length / 2)];
    console.log(`CLI start to first output: median ${median} ms, max ${firsts[firsts.length - 1]} ms over ${firsts.length} runs`);
  }
  if (process.env.CLI_TIMINGS) console.log(timings.map((t) => `${t.args.padEnd(24)} first output ${t.firstOutputMs} ms, exit ${t.totalMs} ms`).join('\n'));
});

test('start ims --follow shows progress until done, then the summary; the printed store folder equals the truth', async () => {
  const gstin = uniqueGstin();
  await h.admin.config({ gstins: { [gstin]: { imsRecords: 200, imsPageSize: 20 } }, taskPolls: 2 });
  await h.admin.addFaults({ route: 'taskPage', kind: 'latency', latencyMs: 300 });
  try {
    const run = await cli(['start', 'ims', '--gstin', gstin, '--section', 'B2BCN', '--follow', '--interval', '200']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const id = lines[0]!.match(/^started (gst-ims-\S+) \(downloadImsInvoices on task queue (\S+)\)$/)!;
    expect(id).not.toBeNull();
    expect(id[2]).toBe(h.taskQueue);
    // Not a TTY: one line per change, never a carriage return.
    expect(run.stdout).not.toContain('\r');
    expect(lines.some((l) => /POLLING +next check in \d+s +checks \d+/.test(l))).toBe(true);
    const bars = lines.filter((l) => /^\[[#-]{20}\] \d+\/10 pages +DOWNLOADING/.test(l));
    expect(bars.length).toBeGreaterThan(0);
    const done = lines.map((l) => Number(l.match(/\] (\d+)\/10 pages/)?.[1] ?? NaN)).filter(Number.isFinite);
    expect(done).toEqual([...done].sort((a, b) => a - b)); // pages only go up

    const truth = await h.admin.truth('ims', { gstin, section: 'B2BCN' });
    expect(truth.pages).toBe(10);
    const summary = (await h.client.workflow.getHandle(id[1]!).result()) as DownloadSummary;
    expect(lines).toContain(`done ${id[1]}: 10 files, ${truth.records} records, ${bytes(summary.bytes)}, 10 pages, ${summary.polls} checks, ${((Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 1000).toFixed(1)}s`);
    const storeLine = lines.find((l) => l.startsWith('store: '))!;
    expect(storeLine).toBe(`store: ${path.join(h.dataDir, summary.location)}`);
    await expectStoreEqualsTruth(storeLine.slice('store: '.length), truth);
  } finally {
    await h.admin.clearFaults();
    await h.admin.config({ taskPolls: null });
  }
});

test('start twice runs once ("existing"), status shows the summary, list finds it by GSTIN and period', async () => {
  const gstin = uniqueGstin();
  const period = '092024';
  const first = await cli(['start', 'gstr2b', '--gstin', gstin, '--period', period, '--json']);
  expect(first.code).toBe(0);
  const started = JSON.parse(first.stdout);
  expect(started).toMatchObject({ event: 'started', existing: false, type: 'downloadGstr2b', taskQueue: h.taskQueue });
  expect(started.workflowId).toBe(`gst-gstr2b-${gstin}-${period}`);
  expect(started.runId).toMatch(/^[0-9a-f-]{36}$/);

  const second = await cli(['start', 'gstr2b', '--gstin', gstin, '--period', period]);
  expect(second.code).toBe(0);
  // still running: Temporal answers; already done: the catalogue does (no workflow, no EAS job)
  expect(second.stdout).toMatch(
    new RegExp(`^existing ${started.workflowId} (\\((RUNNING|COMPLETED)\\): this download was already started|\\(catalogued [^)]*: data, \\d+ records, gendt [0-9-]+\\): already downloaded)`),
  );

  const summary = (await h.client.workflow.getHandle(started.workflowId).result()) as DownloadSummary;
  const truth = await h.admin.truth('gstr2b', { gstin, rtnprd: period });
  await expectStoreEqualsTruth(path.join(h.dataDir, summary.location), truth);
  // one run only: the second start did not start another
  const runs: string[] = [];
  for await (const wf of h.client.workflow.list({ query: `WorkflowId = "${started.workflowId}"` })) runs.push(wf.runId);
  expect(runs).toEqual([started.runId]);

  const status = await cli(['status', started.workflowId]);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`${started.workflowId}  gstr2b  COMPLETED  started `);
  expect(status.stdout).toContain(`done ${started.workflowId}: ${truth.files.length} file`);
  expect(status.stdout).toContain(`store: ${path.join(h.dataDir, summary.location)}`);
  const statusJson = JSON.parse((await cli(['status', started.workflowId, '--json'])).stdout);
  expect(statusJson).toMatchObject({ workflowId: started.workflowId, status: 'COMPLETED', kind: 'gstr2b', gstin, retPeriod: period });
  expect(statusJson.summary.records).toBe(truth.records);

  // Visibility is eventually consistent: ask again until the finished download shows as DONE.
  const deadline = Date.now() + 30_000;
  let list: Run;
  do {
    list = await cli(['list', '--gstin', gstin, '--period', period]);
  } while (!/ DONE +COMPLETED +data /.test(list.stdout) && Date.now() < deadline);
  expect(list.code).toBe(0);
  const rows = list.stdout.trim().split('\n');
  expect(rows[0]).toMatch(/^ID +KIND +STAGE +STATUS +OUTCOME +RECORDS +PAGES +STARTED$/);
  expect(rows).toHaveLength(2);
  // one row: Temporal's, with the catalogue's outcome and records
  expect(rows[1]).toMatch(new RegExp(`^${started.workflowId} +gstr2b +DONE +COMPLETED +data +${summary.records} +\\S+ +\\d{4}-\\d\\d-\\d\\dT`));
  const other = await cli(['list', '--gstin', gstin, '--period', '082024', '--json']);
  expect(other).toMatchObject({ code: 0, stdout: '' });

  // following a finished download prints its end at once
  const followed = await cli(['follow', started.workflowId, '--json']);
  expect(followed.code).toBe(0);
  const events = followed.stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(events).toEqual([{ event: 'completed', workflowId: started.workflowId, summary }]);
});

test('a failed download: follow exits 1 with the failure in one line; status shows it and exits 0', async () => {
  // Started around the CLI (no client-side checks), so the workflow itself rejects the input.
  const handle = await h.start('downloadGstr2b', { gstin: 'BAD', retPeriod: '092024' });
  const followed = await cli(['follow', handle.workflowId]);
  expect(followed.code).toBe(1);
  expect(followed.stderr).toMatch(new RegExp(`^gst-download: ${handle.workflowId} failed: gstin: "BAD" is not a GSTIN[^\\n]*\\n$`));
  const status = await cli(['status', handle.workflowId]);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`${handle.workflowId}  downloadGstr2b  FAILED  started `);
  expect(status.stdout).toMatch(/\nfailure: gstin: "BAD" is not a GSTIN/);
});

(existsSync('/usr/bin/script') ? test : test.skip)('on a terminal, follow redraws one line and ends with the summary', async () => {
  const gstin = uniqueGstin();
  await h.admin.config({ gstins: { [gstin]: { imsRecords: 60, imsPageSize: 20 } }, taskPolls: 8 });
  try {
    const start = await cli(['start', 'ims', '--gstin', gstin, '--section', 'B2B', '--json']);
    const { workflowId } = JSON.parse(start.stdout);
    // eight status checks (about 5 s of backoff): still running while status asks, even on a loaded machine
    const status = await cli(['status', workflowId]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^${workflowId}  ims  RUNNING  started \\S+\n(SUBMITTED|POLLING)  .*checks \\d\n$`));
    // util-linux script(1) gives the child a pseudo-terminal; -e returns the child's exit code.
    const command = [process.execPath, CLI_ENTRY, 'follow', workflowId, '--interval', '200'].join(' ');
    const run = await cli([], { spawnAs: ['/usr/bin/script', ['-qec', command, '/dev/null']] });
    expect(run.code).toBe(0);
    const redraws = run.stdout.split('\r').filter((part) => part.endsWith('\x1b[K'));
    expect(redraws.length).toBeGreaterThan(1);
    expect(redraws.some((r) => r.includes('POLLING'))).toBe(true);
    expect(run.stdout).toMatch(new RegExp(`\\ndone ${workflowId}: 3 files, \\d+ records`));
  } finally {
    await h.admin.config({ taskPolls: null });
  }
});

test('bad input: exit 2, one line naming the field, nothing started', async () => {
  const id = `cli-bad-${Date.now()}`;
  const bad = await cli(['start', 'gstr2b', '--gstin', uniqueGstin(), '--period', '132024', '--workflow-id', id]);
  expect(bad.code).toBe(2);
  expect(bad.stdout).toBe('');
  expect(bad.stderr).toMatch(/^gst-download: retPeriod \(--period\): "132024" is not a return period[^\n]*\n$/);
  await expect(h.client.workflow.getHandle(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

  const badGstin = await cli(['start', 'ims', '--gstin', 'NOT-A-GSTIN', '--section', 'B2B', '--workflow-id', id]);
  expect(badGstin.code).toBe(2);
  expect(badGstin.stderr).toMatch(/^gst-download: gstin: "NOT-A-GSTIN" is not a GSTIN[^\n]*\n$/);
  await expect(h.client.workflow.getHandle(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

  for (const [args, message] of [
    [['start', 'ims', '--gstin', uniqueGstin(), '--section', 'B2B', '--period', '012024'], 'start ims: --period is not an input of ims'],
    [['status', 'x', '--bogus'], 'status: unknown flag --bogus'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['status'], 'status: missing ID'],
  ] as const) {
    const r = await cli([...args]);
    expect({ args, code: r.code, lines: r.stderr.trim().split('\n').length }).toEqual({ args, code: 2, lines: 1 });
    expect(r.stderr).toContain(`gst-download: ${message}`);
  }
});

test('Temporal unreachable: exit 1, one line naming the address', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const r = await cli(['status', 'some-id'], { env: { TEMPORAL_ADDRESS: address } });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^gst-download: cannot reach Temporal at ${address} \\(connection refused\\)[^\\n]*\\n$`));
  const missing = await cli(['status', `no-such-download-${Date.now()}`]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/^gst-download: no download with id no-such-download-\d+\n$/);
});

test('--help for every command, exit 0', async () => {
  for (const command of [[], ['start'], ['status'], ['follow'], ['list'], ['session']]) {
    const r = await cli([...command, '--help']);
    expect({ command, code: r.code, stderr: r.stderr }).toEqual({ command, code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Usage: gst-download /);
  }
});

test('schedule dispatches to the schedule subcommand: help, list, bad input exit 2 in one line', async () => {
  const help = await cli(['schedule', '--help']);
  expect(help).toMatchObject({ code: 0, stderr: '' });
  expect(help.stdout).toContain('gst-download schedule create --gstin G');
  const list = await cli(['schedule', 'list', '--json']);
  expect(list).toMatchObject({ code: 0, stderr: '' });
  for (const line of list.stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  const bad = await cli(['schedule', 'create', '--gstin', 'BAD']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^gst-download: schedule create: --gstin[^\n]*"BAD" is not a GSTIN[^\n]*\n$/);
});

test('session: request-otp, a wrong OTP fails in one line, the right one restores the session; the OTP is never printed', async () => {
  const gstin = uniqueGstin();
  await h.admin.endSessions([gstin]);
  const before = (await h.admin.sessions()).sessions.find((s) => s.gstin === gstin);
  expect(before).toMatchObject({ live: false, refreshable: false });

  const req = await cli(['session', 'request-otp', '--gstin', gstin, '--json']);
  expect(req.code).toBe(0);
  const { otpRequestId } = JSON.parse(req.stdout);
  expect(otpRequestId).toMatch(/^[0-9a-f-]{36}$/);
  const human = await cli(['session', 'request-otp', '--gstin', gstin]);
  expect(human.stdout).toMatch(new RegExp(`^OTP sent to the taxpayer of ${gstin}; request id [0-9a-f-]{36}\n`));

  const wrong = await cli(['session', 'verify-otp', '--gstin', gstin, '--request-id', otpRequestId, '--otp', '123456']);
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toMatch(new RegExp(`^gst-download: verifying the OTP for ${gstin} failed: [^\\n]*Invalid OTP[^\\n]*\\n$`));
  expect(wrong.stderr).not.toContain('123456');
  expect((await h.admin.sessions()).sessions.find((s) => s.gstin === gstin)).toMatchObject({ live: false });

  const malformed = await cli(['session', 'verify-otp', '--gstin', gstin, '--request-id', otpRequestId, '--otp', '12ab']);
  expect(malformed.code).toBe(2);
  expect(malformed.stderr).toBe('gst-download: otp: must be 6 digits\n');

  // The OTP from stdin: it stays out of the process list.
  const right = await cli(['session', 'verify-otp', '--gstin', gstin, '--request-id', otpRequestId, '--otp', '-'], { stdin: `${OTP}\n` });
  expect(right.stderr).toBe('');
  expect(right.code).toBe(0);
  expect(right.stdout).toBe(`GSTN session for ${gstin} restored\nno download was waiting for it\n`);
  for (const r of [req, human, wrong, malformed, right]) expect(r.stdout + r.stderr).not.toContain(OTP);
  expect((await h.admin.sessions()).sessions.find((s) => s.gstin === gstin)).toMatchObject({ live: true, refreshable: true });
});
