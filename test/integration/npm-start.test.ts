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
import { randomBytes } from 'node:crypto';
import { freePort } from '../../scripts/temporal-server';
import { payloadCodecFromEnv } from '../../temporal/codec';
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

/** Waits until the workflow closed (its result is read afterwards, through whichever client). */
async function waitForResult(handle: { describe(): Promise<{ status: { name: string } }> }): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await handle.describe()).status.name === 'RUNNING') {
    if (Date.now() > deadline) throw new Error('the download did not finish within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

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

const KEYS = `dev1:${randomBytes(32).toString('base64')}`;

(existsSync(ENTRY) ? test.each([
  ['', {}],
  [' (with GST_PAYLOAD_KEYS: codec server, Web UI wired to it, payloads encrypted)', { GST_PAYLOAD_KEYS: KEYS }],
]) : test.skip.each([['', {}]]))('npm start runs the product; its printed temporal command downloads; Ctrl-C stops it%s', async (_label, extra: Record<string, string>) => {
  out = '';
  if (tmp) await rm(tmp, { recursive: true, force: true });
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
    ...extra,
  };
  if (!extra.GST_PAYLOAD_KEYS) delete env.GST_PAYLOAD_KEYS;
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

  const codecUrl = out.match(/^Codec: {5}(http:\/\/\S+)/m)?.[1];
  const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  try {
    if (extra.GST_PAYLOAD_KEYS) {
      // the dev server's Web UI was started with --ui-codec-endpoint = the codec server npm start runs
      expect(codecUrl).toBeDefined();
      const settings = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
      expect(settings.Codec?.Endpoint).toBe(codecUrl);
      // the result is ciphertext for a client without the keys; the codec server decodes it
      const history = await new Client({ connection }).workflow.getHandle(workflowId);
      await waitForResult(history);
      const events = (await history.fetchHistory()).events ?? [];
      const result = events.find((e) => e.workflowExecutionCompletedEventAttributes)!.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!;
      expect(Buffer.from(result.metadata!.encoding!).toString()).toBe('binary/encrypted');
      const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
      const wire = { metadata: Object.fromEntries(Object.entries(result.metadata!).map(([k, v]) => [k, b64(v)])), data: b64(result.data!) };
      const decoded = await fetch(`${codecUrl}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payloads: [wire] }) });
      const plain = JSON.parse(Buffer.from(((await decoded.json()) as { payloads: Array<{ data: string }> }).payloads[0]!.data, 'base64').toString('utf8'));
      expect(plain.kind).toBe('ims');
    } else expect(codecUrl).toBeUndefined();
    const summary = (await new Client({ connection, ...(extra.GST_PAYLOAD_KEYS && { dataConverter: { payloadCodecs: [payloadCodecFromEnv(extra)!] } }) }).workflow.getHandle(workflowId).result()) as DownloadSummary;
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
  for (const part of ['worker', 'sandbox', 'Temporal', ...(extra.GST_PAYLOAD_KEYS ? ['codec server'] : [])]) expect(out).toContain(`stopped ${part}`);
});
