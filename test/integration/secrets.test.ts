/**
 * Secrets proven absent. Worker PROCESSES (the production entry point, prebuilt bundle) run every kind of download,
 * the OTP path (session gone → the GSTIN's session workflow asks GSTN for one OTP → the OTP read from the sandbox's
 * phone view is typed into `gst-download session verify-otp --otp -`, which verifies it with EAS and signals the
 * session workflow) and a failed login (a worker with a wrong
 * password), against the sandbox through a recording proxy that notes every EAS token the gateway hands out.
 * Then every history of the run (every run of every workflow on the test's queues) and every line the workers
 * printed (and the CLI's output) are searched, with every payload decoded, for the EAS password (right and wrong), the EAS tokens, the
 * GSTN username and the OTP. Twice: with the codec off, and with it on — where no payload holds a GSTIN either.
 */
import { execFile } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { startEinvoiceDownload, startGstr2bDownload, startImsDownload, startIrnDetails } from '../../client';
import { dataConverterFromEnv } from '../../client/connection';
import { SandboxAdmin } from '../../sandbox/admin';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { payloadCodecFromEnv } from '../../temporal/codec';
import { progressQuery } from '../../workflows/messages';
import { spawnWorker, stopWorker, type WorkerProcess } from '../cluster/helpers';
import { decodedText, encodingOf, findPayloads } from '../fixtures/payloads';
import { testTemporal, uniqueTaskQueue } from '../fixtures/temporal-env';
import { CLI_ENTRY, waitFor } from './harness';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const unique = (what: string) => `${what}-${randomBytes(6).toString('hex')}`;
const EMAIL = `${unique('eas-user')}@example.test`;
const PASSWORD = unique('eas-password');
const WRONG_PASSWORD = unique('wrong-password');
const GSTN_USERNAME = unique('gstn-user');
/** The OTP alone (not inside a hex token or id). */
const otpAlone = (otp: string) => new RegExp(`(^|[^0-9a-f])${otp}([^0-9a-f]|$)`, 'i');

const GSTINS = { einvoice: '27AAPFU0939F1ZV', ims: '29AAGCB7383J1Z4', gstr2b: '27AAACR5055K1Z7', irn: '29HJKPS9689A8Z4', badLogin: '24AAACC1206D1ZM' };
/** The OTP path's GSTIN: its session workflow (gstn-session-<GSTIN>) is one per namespace, so each run and test file has its own. */
const OTP_GSTINS = { off: '24AAACH1234K1Z0', on: '24AAACH1235K1Z9' };
const IRNS = [0, 1].map((i) => createHash('sha256').update(`secrets-irn-${i}`).digest('hex'));

/** A pass-through proxy in front of the sandbox that keeps every EAS token seen in a request or a login answer. */
async function tokenRecorder(target: string): Promise<{ url: string; tokens: Set<string>; close(): Promise<void> }> {
  const tokens = new Set<string>();
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const t = req.headers['x-flynn-n-user-token'];
    if (typeof t === 'string' && t) tokens.add(t);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) tokens.add(bearer);
    const up = request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.url?.includes('/authtokens')) for (const m of body.toString('utf8').matchAll(/"token"\s*:\s*"([^"]+)"/g)) tokens.add(m[1]);
        res.writeHead(r.statusCode ?? 502, r.headers).end(body);
      });
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tokens, close: () => new Promise((r) => server.close(() => r())) };
}

describe.each([
  ['codec off', undefined],
  ['codec on', `s1:${randomBytes(32).toString('base64')}`],
])('%s', (label, keys) => {
  let sandbox: RunningSandbox;
  let proxy: Awaited<ReturnType<typeof tokenRecorder>>;
  let connection: Connection;
  let client: Client;
  const workers: WorkerProcess[] = [];
  const queue = uniqueTaskQueue(`secrets-${label.replace(' ', '-')}`);
  const badQueue = `${queue}-bad-login`;
  const logDir = mkdtempSync(join(tmpdir(), 'gst-secrets-logs-'));
  const codecEnv = keys ? { GST_PAYLOAD_KEYS: keys } : {};
  const gstins = { ...GSTINS, otp: keys ? OTP_GSTINS.on : OTP_GSTINS.off };
  const cliOutput: string[] = [];

  const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|EAS_|GST_|GSTN_|NODE_ENV|WORKER_)/.test(k)));
  const workerEnv = (taskQueue: string, password: string): NodeJS.ProcessEnv => {
    return {
      ...cleanEnv(),
      NODE_ENV: 'production',
      TEMPORAL_ADDRESS: testTemporal().address,
      TEMPORAL_NAMESPACE: testTemporal().namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'gst-secrets-data-')),
      EAS_BASE_URL: proxy.url,
      EAS_AUTH_URL: proxy.url,
      EAS_EMAIL: EMAIL,
      EAS_PASSWORD: password,
      GSTN_USERNAME,
      GSTIN_CHECKSUM: 'off',
      GST_POLL_INITIAL_MS: '200',
      GST_POLL_MAX_MS: '1000',
      GST_RETRY_INITIAL_MS: '100',
      GST_RETRY_MAX_MS: '1000',
      WORKER_SHUTDOWN_GRACE_MS: '2000',
      ...codecEnv,
    };
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, sessions: 'all', taskSeconds: 0.5, email: EMAIL, password: PASSWORD, gstnUsername: GSTN_USERNAME });
    proxy = await tokenRecorder(sandbox.url);
    workers.push(spawnWorker(ROOT, `worker-${queue}`, workerEnv(queue, PASSWORD), logDir));
    workers.push(spawnWorker(ROOT, `worker-${badQueue}`, workerEnv(badQueue, WRONG_PASSWORD), logDir));
    await Promise.all(workers.map((w) => w.serving));
    connection = await Connection.connect({ address: testTemporal().address });
    const dataConverter = dataConverterFromEnv(codecEnv);
    client = new Client({ connection, namespace: testTemporal().namespace, ...(dataConverter && { dataConverter }) });
  }, 120_000);

  afterAll(async () => {
    // the session workflow outlives its downloads and is one per GSTIN in the namespace: end it with its queue
    await client?.workflow.getHandle(`gstn-session-${gstins.otp}`).terminate('secrets test done').catch(() => undefined);
    for (const w of workers) await stopWorker(w).catch(() => undefined);
    await connection?.close();
    await proxy?.close();
    await sandbox?.close();
  });

  test('no EAS password, EAS token, GSTN username or OTP in any history or worker log; with the codec, no GSTIN in any payload', async () => {
    const o = (kind: string) => ({ taskQueue: queue, gstinChecksum: 'off' as const, workflowId: `${queue}-${kind}` });
    const runs: Array<WorkflowHandle> = [];
    let otp = '';
    runs.push((await startEinvoiceDownload(client, { gstin: GSTINS.einvoice, retPeriod: '092024', supplyType: 'B2B', recipientGstin: GSTINS.einvoice }, o('einvoice'))).handle);
    runs.push((await startImsDownload(client, { gstin: GSTINS.ims, section: 'B2B' }, o('ims'))).handle);
    runs.push((await startGstr2bDownload(client, { gstin: GSTINS.gstr2b, retPeriod: '102025' }, o('gstr2b'))).handle);
    runs.push((await startIrnDetails(client, { gstin: GSTINS.irn, irns: IRNS }, o('irn'))).handle);

    // The OTP path: the session is gone; the download's session workflow asks GSTN for one OTP and waits. The OTP
    // the taxpayer's phone shows is typed into the CLI (stdin), which verifies it with EAS and signals the workflow.
    await new SandboxAdmin(sandbox.url).endSessions([gstins.otp]);
    const waiting = (await startGstr2bDownload(client, { gstin: gstins.otp, retPeriod: '102025' }, o('otp'))).handle;
    runs.push(waiting);
    const p = await waitFor(async () => {
      const q = await waiting.query(progressQuery);
      return q.stage === 'AWAITING_OTP' && q.otpRequestId ? q : undefined;
    }, 'the download in AWAITING_OTP', 60_000);
    const phone = await new SandboxAdmin(sandbox.url).phone(gstins.otp);
    expect(phone.otpRequestId).toBe(p.otpRequestId);
    otp = phone.otp;
    const cliEnv = {
      ...cleanEnv(),
      TEMPORAL_ADDRESS: testTemporal().address,
      TEMPORAL_NAMESPACE: testTemporal().namespace,
      TEMPORAL_TASK_QUEUE: queue,
      EAS_BASE_URL: proxy.url,
      EAS_AUTH_URL: proxy.url,
      EAS_EMAIL: EMAIL,
      EAS_PASSWORD: PASSWORD,
      GSTN_USERNAME,
      GSTIN_CHECKSUM: 'off',
      ...codecEnv,
    };
    const verified = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [CLI_ENTRY, 'session', 'verify-otp', '--gstin', gstins.otp, '--otp', '-'], { env: cliEnv, timeout: 90_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(`${otp}\n`);
    });
    cliOutput.push(verified.stdout, verified.stderr);
    expect([verified.code, verified.stdout]).toEqual([0, expect.stringContaining(`GSTN session for ${gstins.otp} restored`)]);

    // A failed login: the other worker's password is wrong; the download fails, non-retryable, readable.
    const bad = (await startGstr2bDownload(client, { gstin: GSTINS.badLogin, retPeriod: '102025' }, { ...o('bad-login'), taskQueue: badQueue })).handle;
    await expect(bad.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    for (const r of runs) await r.result();

    // Every run of every workflow on both queues (continue-as-new runs included, and the session workflow, which
    // is still running), once visibility has them all.
    const query = `TaskQueue = "${queue}" OR TaskQueue = "${badQueue}"`;
    const executions = await waitFor(async () => {
      const found: Array<{ workflowId: string; runId: string; type: string }> = [];
      let closed = 0;
      for await (const e of client.workflow.list({ query })) {
        found.push({ workflowId: e.workflowId, runId: e.runId, type: e.type });
        if (e.status.name !== 'RUNNING') closed++;
      }
      return closed >= runs.length + 1 && found.some((e) => e.type === 'gstnSession') ? found : undefined;
    }, 'every run in visibility', 60_000);
    const codec = payloadCodecFromEnv(codecEnv);
    const texts: string[] = [];
    let payloadCount = 0;
    let plainGstinSeen = false;
    for (const e of executions) {
      const history = await client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
      texts.push(JSON.stringify(history));
      for (const f of findPayloads(history)) {
        payloadCount++;
        const raw = Buffer.from(f.payload.data ?? new Uint8Array()).toString('latin1');
        const decoded = f.sdkMarkerData || f.header ? raw : await decodedText(f.payload, codec);
        texts.push(raw, decoded);
        if (Object.values(gstins).some((g) => decoded.includes(g))) plainGstinSeen = true;
        if (keys && !f.searchAttribute) {
          // with the codec, user payloads are ciphertext and nothing Temporal stores outside the indexed search attributes names a GSTIN
          if (!f.sdkMarkerData && !f.header) expect([f.path, encodingOf(f.payload)]).toEqual([f.path, 'binary/encrypted']);
          for (const g of Object.values(gstins)) expect([e.workflowId, f.path, raw.includes(g)]).toEqual([e.workflowId, f.path, false]);
        }
      }
    }
    const logs = workers.map((w) => readFileSync(join(logDir, `${w.name}.log`), 'utf8'));
    const tokens = [...proxy.tokens];
    console.log(`${label}: ${executions.length} runs, ${payloadCount} payloads, ${logs.join('').split('\n').length} worker log lines, ${tokens.length} EAS tokens searched for`);

    // The detector works: decoded payloads do hold the GSTINs (so a secret would be seen), tokens were recorded.
    expect(plainGstinSeen).toBe(true);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(logs.join('')).toMatch(/serving/);

    expect(otp).toMatch(/^\d{6}$/);
    const haystacks = [
      ...texts.map((t, i) => [`history text ${i}`, t] as const),
      ...logs.map((l, i) => [`worker log ${workers[i].name}`, l] as const),
      ...cliOutput.map((t, i) => [`CLI output ${i}`, t] as const),
    ];
    for (const [where, text] of haystacks) {
      for (const [name, secret] of [['EAS password', PASSWORD], ['wrong EAS password', WRONG_PASSWORD], ['GSTN username', GSTN_USERNAME], ...tokens.map((t) => ['EAS token', t])]) {
        expect([where, name, text.includes(secret)]).toEqual([where, name, false]);
      }
      expect([where, 'OTP', otpAlone(otp).test(text)]).toEqual([where, 'OTP', false]);
    }
  });
});
