/**
 * GST_GSTIN_INDEX_KEY: GstGstin indexes a keyed hash of the GSTIN instead of the GSTIN. The worker (through the
 * recorded config) and the client library (start, verify-otp's lookup) compute the same value, so filtering by
 * GSTIN still works for whoever holds the key, while the index itself names no taxpayer.
 */
import { randomBytes } from 'node:crypto';
import { startGstr2bDownload } from '../../client/start';
import { findAwaitingOtp } from '../../client/session';
import { sessionWorkflowId } from '../../domain/session';
import { gstinIndexFromEnv, hmacGstinIndex } from '../../temporal/search-index';
import { GstGstin } from '../../workflows/search-attributes';
import type { DownloadSummary, Progress } from '../../workflows/types';
import { Harness, waitFor } from './harness';

jest.setTimeout(120_000);

const KEY = randomBytes(32);
const index = hmacGstinIndex(KEY);
let h: Harness;
const saved = process.env.GST_GSTIN_INDEX_KEY;

beforeAll(async () => {
  process.env.GST_GSTIN_INDEX_KEY = KEY.toString('base64');
  h = await Harness.create();
  await h.startWorker({}, { worker: { gstinIndex: index } });
});
afterAll(async () => {
  if (saved === undefined) delete process.env.GST_GSTIN_INDEX_KEY;
  else process.env.GST_GSTIN_INDEX_KEY = saved;
  await h?.close();
});

test('the key is checked: too short or not base64 is refused, naming the variable only', () => {
  expect(() => gstinIndexFromEnv({ GST_GSTIN_INDEX_KEY: randomBytes(8).toString('base64') })).toThrow(/^GST_GSTIN_INDEX_KEY must be base64 of at least 16 bytes/);
  expect(gstinIndexFromEnv({})('29HJKPS9689A8Z4')).toBe('29HJKPS9689A8Z4');
  expect(index('29hjkps9689a8z4')).toBe(index('29HJKPS9689A8Z4'));
  expect(index('29HJKPS9689A8Z4')).toMatch(/^hmac-[0-9a-f]{32}$/);
});

test('a download indexes the keyed hash, found by it and not by the GSTIN; verify-otp finds a waiting one by the hash', async () => {
  const gstin = '33AAACR4849R1ZQ'; // used by no other test file
  const { handle } = await startGstr2bDownload(h.client, { gstin, retPeriod: '102025' }, { taskQueue: h.taskQueue, gstinChecksum: 'off', workflowId: `idx-${Date.now()}` });
  expect(((await handle.result()) as DownloadSummary).kind).toBe('gstr2b');
  const attrs = (await handle.describe()).typedSearchAttributes;
  expect(attrs.get(GstGstin)).toBe(index(gstin));
  const count = (q: string) => h.client.workflow.count(q).then((c) => c.count);
  await waitFor(async () => (await count(`GstGstin = "${index(gstin)}" AND WorkflowId = "${handle.workflowId}"`)) === 1, 'found by the hash');
  expect(await count(`GstGstin = "${gstin}"`)).toBe(0);

  // the OTP lookup of the client library uses the same value
  await h.admin.endSessions([gstin]);
  const waiting = (await startGstr2bDownload(h.client, { gstin, retPeriod: '092025' }, { taskQueue: h.taskQueue, gstinChecksum: 'off', workflowId: `idx-otp-${Date.now()}` })).handle;
  await waitFor(async () => (await waiting.query<Progress>('progress')).stage === 'AWAITING_OTP', 'AWAITING_OTP');
  await waitFor(async () => (await findAwaitingOtp(h.client, gstin)).includes(waiting.workflowId), 'verify-otp lookup by the hash');
  // the GSTIN's session workflow (the one asking for the OTP) indexes the hash too: nothing names the GSTIN
  const session = h.client.workflow.getHandle(sessionWorkflowId(gstin));
  expect((await session.describe()).typedSearchAttributes.get(GstGstin)).toBe(index(gstin));
  await waitFor(async () => (await count(`GstGstin = "${index(gstin)}" AND WorkflowType = "gstnSession"`)) === 1, 'the session found by the hash');
  expect(await count(`GstGstin = "${gstin}"`)).toBe(0);
  await waiting.terminate('test done');
});
