/**
 * The real month (issue 10): 50 GSTINs, each with a sync of GSTR-2B, e-invoice and 3 IMS sections, every GSTN
 * session ended at the start. Each GSTIN's session workflow asks GSTN for exactly one OTP (the sandbox counts
 * them); one `verify-otp` per GSTIN, with the OTP read from the taxpayer's phone view, resumes all 250 downloads.
 * Then every payload of every history of the test is decoded and searched for the OTPs, the EAS password and
 * token, and the GSTN usernames. A GSTIN whose OTP never comes fails its downloads after the wait limit, saying
 * what to do. Real workflows on the real dev server, the sandbox over HTTP, credentials from a 0600 file.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { pendingSessions, verifyOtpAndResume } from '../../client/session';
import { EasAccounts } from '../../eas/accounts';
import { SANDBOX_USER } from '../../sandbox/user';
import { FileCredentials } from '../../eas/credentials';
import { sessionWorkflowId } from '../../domain/session';
import { DEFAULT_SIZES } from '../../sandbox/types';
import type { SyncResult } from '../../workflows/sync';
import { Harness, waitFor } from './harness';
import { decodedHistory, otpAlone } from './history-text';

jest.setTimeout(900_000);

const N = 50;
const PERIOD = '102025';
const IMS_SECTIONS = ['B2B', 'B2BA', 'ECOM'];
/** 50 GSTINs of this run (format-valid; the harness runs with GSTIN_CHECKSUM off) and their GSTN usernames. */
const tag = (Date.now() % 46656).toString(36).toUpperCase().padStart(3, '0');
const gstins = Array.from({ length: N }, (_, i) => `${String(10 + (i % 27)).padStart(2, '0')}MNTH${tag}${String(i).padStart(3, '0')}1Z5`.slice(0, 15));
const username = (g: string) => `taxpayer.${g.slice(-8).toLowerCase()}`;
const LATE = `36LATE${tag}00001Z5`.slice(0, 15); // the GSTIN whose OTP never comes

let h: Harness;
let dir: string;
let credentialsFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gst-month-'));
  credentialsFile = join(dir, 'credentials.json');
  const all = [...gstins, LATE];
  writeFileSync(
    credentialsFile,
    JSON.stringify({
      tenants: { month: { eas: { email: SANDBOX_USER.email, password: SANDBOX_USER.password }, gstins: Object.fromEntries(all.map((g) => [g, username(g)])) } },
    }),
  );
  chmodSync(credentialsFile, 0o600);
  h = await Harness.create({
    sandbox: {
      sessions: 'all',
      taskSeconds: 0.2,
      gstnUsernames: Object.fromEntries(all.map((g) => [g, username(g)])),
      sizes: { ...DEFAULT_SIZES, imsRecords: 8, imsPageSize: 50, einvoiceFiles: 1, einvoiceRecordsPerFile: 4, gstr2bRecords: 6 },
    },
    // the first session check comes late: the OTPs are verified (and signalled) long before it
    download: { otp: { waitMs: 30 * 60_000, checkInitialMs: 10 * 60_000, checkMaxMs: 10 * 60_000 } },
  });
  await h.startWorker({}, { credentials: new FileCredentials(credentialsFile), maxCachedWorkflows: 400, maxConcurrentActivities: 32 });
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

const syncs: Array<WorkflowHandle> = [];
const otps: string[] = [];
const requestIds = new Map<string, string>();

test('50 GSTINs with ended sessions: exactly 50 OTP requests; one verify-otp each resumes all 250 downloads', async () => {
  await h.admin.reset(); // OTP request counts from zero
  await h.admin.endSessions(); // every session ends, including those of GSTINs the sandbox has not seen yet
  for (const g of gstins) {
    syncs.push(await h.start('syncReturnPeriod', { gstins: [g], kinds: ['gstr2b', 'einvoice', 'ims'], retPeriod: PERIOD, imsSections: IMS_SECTIONS, concurrency: 5 }, `month-${tag}-${g}`));
  }

  // Every GSTIN's session workflow waits for an OTP, with every one of its 5 downloads waiting on it.
  const pending = await waitFor(
    async () => {
      const p = (await pendingSessions(h.client)).filter((s) => gstins.includes(s.gstin));
      return p.length === N && p.every((s) => s.waiting.length === 5) ? p : undefined;
    },
    'all 50 sessions AWAITING_OTP with 5 waiting downloads each',
    300_000,
  );
  const counts = await h.admin.otpRequests();
  expect(gstins.map((g) => counts[g])).toEqual(gstins.map(() => 1));
  expect(gstins.reduce((n, g) => n + (counts[g] ?? 0), 0)).toBe(N);

  // The taxpayer reads the OTP on the phone; one verify-otp per GSTIN, against the session's current request.
  const eas = new EasAccounts(h.workerConfig().eas, new FileCredentials(credentialsFile));
  for (const s of pending) {
    const phone = await h.admin.phone(s.gstin);
    expect(phone.otpRequestId).toBe(s.otpRequestId);
    otps.push(phone.otp);
    requestIds.set(s.gstin, phone.otpRequestId);
    const r = await verifyOtpAndResume(h.client, (await eas.forGstin(s.gstin)).client, s.gstin, phone.otp);
    expect(r.otpRequestId).toBe(s.otpRequestId);
    expect(r.waiting).toHaveLength(5);
  }
  expect(await eas.logoutAll()).toBeGreaterThan(0);

  const results = (await Promise.all(syncs.map((s) => s.result()))) as SyncResult[];
  const items = results.flatMap((r) => r.items ?? []);
  expect(items).toHaveLength(5 * N);
  expect(items.filter((i) => i.status === 'done')).toHaveLength(5 * N);
  // still exactly one OTP request per GSTIN: nothing asked again after the sessions came back
  const after = await h.admin.otpRequests();
  expect(gstins.map((g) => after[g])).toEqual(gstins.map(() => 1));
  for (const g of gstins.slice(0, 3)) expect((await h.client.workflow.getHandle(sessionWorkflowId(g)).query('session')) as unknown).toMatchObject({ otpRequests: 1 });
});

test('no history of the month holds an OTP, the EAS password or token, or a GSTN username', async () => {
  const ids = new Set<string>();
  for (const s of syncs) {
    ids.add(s.workflowId);
    for (const i of ((await s.result()) as SyncResult).items ?? []) ids.add(i.workflowId);
  }
  for (const g of gstins) ids.add(sessionWorkflowId(g));
  expect(ids.size).toBe(N + 5 * N + N);
  const token = (await h.lastAccounts!.forGstin(gstins[0]!)).client;
  const tokenValue = (await token.token()).token;
  const secrets = [SANDBOX_USER.password, tokenValue, ...gstins.map(username)];
  let payloads = 0;
  for (const id of ids) {
    const text = await decodedHistory(h.client.workflow.getHandle(id));
    payloads += text.payloads;
    // the search sees inside payloads: each session workflow's decoded history holds its (non-secret) request id
    const gstin = gstins.find((g) => id === sessionWorkflowId(g));
    if (gstin) expect(text.all).toContain(requestIds.get(gstin));
    for (const otp of otps) expect({ id, otp: otpAlone(otp).test(text.all) }).toEqual({ id, otp: false });
    for (const s of secrets) expect({ id, found: text.all.includes(s) }).toEqual({ id, found: false });
    expect(text.all).not.toMatch(/sbx\.[A-Za-z0-9_-]{20,}/); // any sandbox token
  }
  console.log(`month: searched ${ids.size} histories, ${payloads} payloads: no OTP, password, token or GSTN username`);
});

test('a GSTIN whose OTP never comes fails its downloads after the wait limit, saying what to do', async () => {
  await h.stopWorkers();
  await h.startWorker({ otp: { waitMs: 4_000, checkInitialMs: 1_000, checkMaxMs: 1_000 } }, { credentials: new FileCredentials(credentialsFile) });
  await h.admin.endSessions([LATE]);
  const sync = await h.start('syncReturnPeriod', { gstins: [LATE], kinds: ['gstr2b', 'einvoice', 'ims'], retPeriod: PERIOD, imsSections: IMS_SECTIONS, concurrency: 5 }, `month-late-${tag}`);
  const result = (await sync.result()) as SyncResult;
  expect(result.items!.map((i) => i.status)).toEqual(result.items!.map(() => 'failed'));
  for (const i of result.items!) {
    const err = await h.client.workflow.getHandle(i.workflowId).result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(err.cause).toMatchObject({ type: 'GstnSessionEnded', nonRetryable: true });
    expect(err.cause.message).toMatch(new RegExp(`GSTN session for ${LATE} was not restored within .* run "gst-download session verify-otp --gstin ${LATE} --otp -" with the OTP the taxpayer receives, then start the download again`));
  }
  expect((await h.admin.otpRequests())[LATE]).toBe(1);
});
