/**
 * `npm start` as a user runs it: the compiled entry starts Temporal + Web UI + sandbox + worker, prints a
 * ready-to-paste `temporal workflow start …` line; pasting it downloads the sample IMS page into DATA_DIR;
 * Ctrl-C (SIGINT) stops everything and the process exits 0. (`npm test` builds dist/ before jest runs.)
 */
import { Client, Connection } from '@temporalio/client';
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../scripts/temporal-server';
import type { DownloadSummary } from '../../workflows/types';

jest.setTimeout(180_000);

const ENTRY = path.resolve(__dirname, '../../dist/scripts/start.js');
let child: ChildProcess | undefined;
let out = '';
let tmp: string;

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function waitForOutput(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const m = out.match(re);
      if (m) {
        clearInterval(timer);
        resolve(m);
      } else if (Date.now() > deadline || child?.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`no ${re} in npm start output:\n${out}`));
      }
    }, 100);
    const deadline = Date.now() + timeoutMs;
  });
}

(existsSync(ENTRY) ? test : test.skip)('npm start runs the product; its printed temporal command downloads; Ctrl-C stops it', async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'npm-start-'));
  const [port, uiPort, sandboxPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_PORT: String(port),
    TEMPORAL_UI_PORT: String(uiPort),
    TEMPORAL_DB_FILE: path.join(tmp, 'dev.db'),
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_LOG: '0',
    SANDBOX_TASK_SECONDS: '1',
    DATA_DIR: path.join(tmp, 'data'),
    GST_POLL_INITIAL_MS: '300',
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.GSTIN_CHECKSUM;
  delete env.EAS_BASE_URL;
  child = spawn(process.execPath, [ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));

  await waitForOutput(/^Ready\. Ctrl-C stops everything\.$/m, 90_000);
  expect(out).toContain(`Web UI:    http://127.0.0.1:${uiPort}`);
  expect(out).toContain(`Sandbox:   http://127.0.0.1:${sandboxPort}`);
  expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);

  const command = (await waitForOutput(/^ {2}(\S*temporal workflow start .*)$/m, 1000))[1]!;
  const workflowId = command.match(/--workflow-id (\S+)/)![1]!;
  execSync(command, { cwd: path.resolve(__dirname, '../..'), stdio: 'pipe' });

  const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  try {
    const summary = (await new Client({ connection }).workflow.getHandle(workflowId).result()) as DownloadSummary;
    expect(summary.kind).toBe('ims');
    expect(summary.records).toBe(8);
    const page = JSON.parse(await readFile(path.join(tmp, 'data', summary.files[0]!.ref), 'utf8'));
    expect(Object.keys(page.data)).toContain('b2b');
  } finally {
    await connection.close();
  }

  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  for (const part of ['worker', 'sandbox', 'Temporal']) expect(out).toContain(`stopped ${part}`);
});
