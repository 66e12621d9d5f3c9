/**
 * Two tenants side by side on one worker: two GSTINs whose EAS users (and orgs) and GSTN usernames differ, read
 * from a 0600 credentials file. Both sessions have ended: each session workflow asks for its OTP with its own
 * GSTIN's username (the sandbox refuses a wrong one), each OTP is verified with its own tenant's EAS user, and
 * both downloads complete. One token per EAS user in the worker, both logged out when it stops. A GSTIN no tenant
 * serves fails at once, naming it.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { sessionOf, verifyOtpAndResume } from '../../client/session';
import { EasAccounts } from '../../eas/accounts';
import { SANDBOX_USER } from '../../sandbox/user';
import { FileCredentials } from '../../eas/credentials';
import type { DownloadSummary } from '../../workflows/types';
import { Harness, waitFor } from './harness';
import { decodedHistory } from './history-text';

jest.setTimeout(180_000);

const ACME = '27AAECA4411K1ZB'; // GSTINs no other test file uses: session workflows are one per GSTIN on the server
const BETA_GSTIN = '29AABCB9911Q1Z2';
const BETA = { email: 'ops@beta-traders.in', password: 'beta-password-7', orgId: '3b1f3c9e-5f0e-4c83-9d2a-0a7e5d1c2b44', orgName: 'Beta Traders' };
const USERNAMES = { [ACME]: 'acme.maharashtra', [BETA_GSTIN]: 'beta.karnataka' };

let h: Harness;
let dir: string;
let file: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gst-tenants-'));
  file = join(dir, 'credentials.json');
  writeFileSync(
    file,
    JSON.stringify({
      tenants: {
        acme: { eas: { email: SANDBOX_USER.email, password: SANDBOX_USER.password, orgId: SANDBOX_USER.orgId }, gstins: { [ACME]: USERNAMES[ACME] } },
        beta: { eas: { email: BETA.email, password: BETA.password, orgId: BETA.orgId }, gstins: { [BETA_GSTIN]: USERNAMES[BETA_GSTIN] } },
      },
    }),
  );
  chmodSync(file, 0o600);
  h = await Harness.create({ sandbox: { users: [BETA], gstnUsernames: USERNAMES } });
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('two GSTINs of two tenants (EAS user, org, GSTN username each) download side by side, through their own OTPs', async () => {
  const worker = await h.startWorker({}, { credentials: new FileCredentials(file) });
  await h.admin.endSessions([ACME, BETA_GSTIN]);
  const inputs = { [ACME]: { gstin: ACME, retPeriod: '102025' }, [BETA_GSTIN]: { gstin: BETA_GSTIN, retPeriod: '102025' } };
  const handles = await Promise.all(Object.values(inputs).map((i) => h.start('downloadGstr2b', i)));
  const views = await waitFor(async () => {
    const v = await Promise.all([ACME, BETA_GSTIN].map((g) => sessionOf(h.client, g)));
    return v.every((x) => x?.state === 'AWAITING_OTP') ? v : undefined;
  }, 'both sessions awaiting their OTP');
  // each OTP request named its GSTIN's own username: the sandbox accepted both (a wrong one is AUTH4031)
  expect(await h.admin.otpRequests()).toEqual({ [ACME]: 1, [BETA_GSTIN]: 1 });

  const tenants = new EasAccounts(h.workerConfig().eas, new FileCredentials(file));
  for (const v of views) {
    const { client, tenant } = await tenants.forGstin(v!.gstin);
    expect(tenant).toBe(v!.gstin === ACME ? 'acme' : 'beta');
    await verifyOtpAndResume(h.client, client, v!.gstin, (await h.admin.phone(v!.gstin)).otp);
  }
  await tenants.logoutAll();
  const results = (await Promise.all(handles.map((x) => x.result()))) as DownloadSummary[];
  await h.expectTruth(results[0]!, 'gstr2b', { gstin: ACME, rtnprd: '102025' });
  await h.expectTruth(results[1]!, 'gstr2b', { gstin: BETA_GSTIN, rtnprd: '102025' });

  // one token per EAS user in the worker process (the verify-otp logins above were logged out)
  const tokens = await h.admin.tokens();
  expect(tokens.byUser[SANDBOX_USER.email]).toMatchObject({ active: 1 });
  expect(tokens.byUser[BETA.email]).toMatchObject({ active: 1 });
  // the beta GSTIN's calls went with beta's org: its EAS user's token would be refused under acme's org
  expect((await worker.accounts.forGstin(BETA_GSTIN)).client.config.email).toBe(BETA.email);
  expect((await (await worker.accounts.forGstin(BETA_GSTIN)).client.token()).orgId).toBe(BETA.orgId);
  for (const handle of handles) {
    const text = (await decodedHistory(handle)).all;
    for (const secret of [BETA.password, SANDBOX_USER.password, ...Object.values(USERNAMES)]) expect(text).not.toContain(secret);
  }

  await h.stopWorkers();
  const after = await h.admin.tokens();
  expect(after.byUser[SANDBOX_USER.email]!.active).toBe(0);
  expect(after.byUser[BETA.email]!.active).toBe(0);
});

test('a GSTIN no tenant serves fails at once, non-retryable, naming the GSTIN and where to add it', async () => {
  await h.startWorker({}, { credentials: new FileCredentials(file) });
  const stranger = '07AAACR5055K1ZG';
  const handle = await h.start('downloadGstr2b', { gstin: stranger, retPeriod: '102025' });
  const err = await handle.result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(err.cause?.cause).toMatchObject({ type: 'NoCredentials', nonRetryable: true });
  expect(err.cause?.cause?.message).toBe(`no credentials for GSTIN ${stranger}: add it to a tenant in GST_CREDENTIALS_FILE (${file})`);
  const attempts = ((await handle.fetchHistory()).events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
  expect(attempts).toEqual([1]);
});
