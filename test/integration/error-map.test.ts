/**
 * The error map (activities/error-map.ts) in real workflows on the real server: what a storage failure, a plain bug
 * and each class of EAS error does to a download — its failure type, and whether (and how often) it is retried.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { writeFile } from 'node:fs/promises';
import { INTERNAL_MAX_ATTEMPTS } from '../../activities/error-map';
import { EasClient } from '../../eas/client';
import { TOKEN_RULES } from '../../eas/contract';
import type { Store } from '../../store/store';
import type { DownloadSummary } from '../../workflows/types';
import { Harness, waitFor } from './harness';

jest.setTimeout(120_000);

const GSTIN = '27AAACR5055K1Z7';
const PERIOD = '102025';

/** The store the worker writes to, failing with `fail()` while it is set; counts the writes asked of it. */
function controlledStore(real: Store) {
  const ctl = { writes: 0, fail: undefined as undefined | (() => Promise<never>) };
  const store: Store = Object.create(real);
  store.writeFile = async (...args) => {
    ctl.writes++;
    if (ctl.fail) await ctl.fail();
    return real.writeFile(...args);
  };
  return { store, ctl };
}

/** What ended the workflow: the ApplicationFailure under the workflow and activity failures. */
async function endedWith(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(
    () => {
      throw new Error('the download completed; a failure was expected');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  let cause = (err as WorkflowFailedError).cause;
  if (cause instanceof ActivityFailure) cause = cause.cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** The pending activity's attempt and last failure type, as the Web UI shows them. */
async function pendingFailure(handle: WorkflowHandle): Promise<{ attempt: number; type?: string | null } | undefined> {
  const d = await handle.describe();
  const p = d.raw.pendingActivities?.[0];
  if (!p?.lastFailure) return undefined;
  return { attempt: p.attempt ?? 0, type: p.lastFailure.applicationFailureInfo?.type };
}

describe('storage failures and bugs', () => {
  let h: Harness;
  let ctl: ReturnType<typeof controlledStore>['ctl'];
  beforeAll(async () => {
    h = await Harness.create();
    const c = controlledStore(h.store);
    ctl = c.ctl;
    await h.startWorker({}, { store: c.store, worker: { storeFullRetryMs: 300 } });
  });
  afterAll(() => h?.close());
  beforeEach(() => {
    ctl.writes = 0;
    ctl.fail = undefined;
  });

  test('a full disk (a real ENOSPC from /dev/full) is StoreFull: the download waits and goes on once there is room', async () => {
    ctl.fail = () => writeFile('/dev/full', 'x'.repeat(4096)) as Promise<never>;
    const handle = await h.start('downloadGstr2b', { gstin: GSTIN, retPeriod: PERIOD });
    const seen = await waitFor(async () => {
      const p = await pendingFailure(handle);
      return p && p.attempt >= 2 ? p : undefined;
    }, 'a StoreFull retry');
    expect(seen.type).toBe('StoreFull');
    ctl.fail = undefined; // someone made room
    const summary = await handle.result();
    expect(summary.records).toBeGreaterThan(0);
    expect(ctl.writes).toBeGreaterThanOrEqual(3);
  });

  test('a permission error is StoreDenied: final at once, one write tried', async () => {
    ctl.fail = async () => {
      throw Object.assign(new Error("EACCES: permission denied, open '/data/x/gstr2b.json'"), { code: 'EACCES', errno: -13, syscall: 'open' });
    };
    // another period than the full-disk test's: a 2B generation already in the store is not written again
    const f = await endedWith(await h.start('downloadGstr2b', { gstin: GSTIN, retPeriod: '092025' }));
    expect(f.type).toBe('StoreDenied');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('fix the permissions');
    expect(ctl.writes).toBe(1);
  });

  test('a plain bug (TypeError) is Internal: tried a few times, then final — not a 6-hour EasTransient loop', async () => {
    ctl.fail = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'sha256')");
    };
    const f = await endedWith(await h.start('downloadGstr2b', { gstin: GSTIN, retPeriod: '082025' }));
    expect(f.type).toBe('Internal');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('TypeError');
    expect(ctl.writes).toBe(INTERNAL_MAX_ATTEMPTS);
  });
});

describe('EAS errors by class', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
    await h.startWorker();
  });
  afterAll(() => h?.close());

  test.each([
    ['HTTP 500 twice', { route: 'gstr2b', kind: 'http500', next: 2 }, '500', 2],
    ['a 429 with Retry-After', { route: 'gstr2b', kind: 'rateLimit', next: 1, retryAfterSeconds: 1 }, '429', 1],
    ['GSTN down (GEN5001)', { route: 'gstr2b', kind: 'gstnDown', next: 1 }, '502', 1],
  ] as const)('transient (%s): EasTransient, retried, the download completes', async (_name, fault, status, times) => {
    const count = async () => {
      const r = (await h.admin.requests()).byRoute.gstr2b;
      return { total: r?.total ?? 0, failed: r?.byStatus[status] ?? 0 };
    };
    const before = await count();
    await h.admin.addFaults(fault);
    const summary = await (await h.start('downloadGstr2b', { gstin: GSTIN, retPeriod: PERIOD })).result();
    expect(summary.records).toBeGreaterThan(0);
    const after = await count();
    expect(after.failed - before.failed).toBe(times);
    expect(after.total - before.total).toBe(times + 1);
    await h.admin.clearFaults();
  });

  test('not generated yet (GSTR-2B of this month, RET2B1023): an answer, not an error — asked again on a timer, bounded, then not-generated', async () => {
    const now = new Date();
    const period = `${String(now.getUTCMonth() + 1).padStart(2, '0')}${now.getUTCFullYear()}`;
    const before = (await h.admin.requests()).byRoute.gstr2b?.total ?? 0;
    const summary = (await (await h.start('downloadGstr2b', { gstin: GSTIN, retPeriod: period })).result()) as DownloadSummary;
    expect(summary).toMatchObject({ outcome: 'not-generated', gstnCode: 'RET2B1023', records: 0 });
    // the harness asks every 1 s, 3 times in all (GST_NOT_GENERATED_MAX_ASKS): never a retry loop
    expect((await h.admin.requests()).byRoute.gstr2b!.total - before).toBe(h.download.notGenerated!.maxAsks);
  });
});

describe('EAS account errors', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterAll(() => h?.close());

  test('refused credentials: EasRequestRefused, final, one login — the password is not in the message', async () => {
    const w = await h.startWorker({}, { worker: { eas: { ...h.workerConfig().eas, password: 'not-the-password-123' } } });
    const f = await endedWith(await h.start('downloadGstr2b', { gstin: GSTIN, retPeriod: PERIOD }));
    expect(f.type).toBe('EasRequestRefused');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).not.toContain('not-the-password-123');
    expect((await h.admin.requests()).byRoute.login!.total).toBe(1);
    await w.stop();
  });

  test('too many active EAS tokens: EasTokenLimit, retried a minute apart (visible on the pending activity), the download still running', async () => {
    const cfg = h.workerConfig().eas;
    const hogs = Array.from({ length: TOKEN_RULES.maxActiveTokens }, () => new EasClient(cfg));
    for (const c of hogs) await c.login();
    await h.startWorker();
    const handle = await h.start('downloadGstr2b', { gstin: GSTIN, retPeriod: PERIOD });
    const seen = await waitFor(() => pendingFailure(handle), 'a failed login attempt');
    expect(seen.type).toBe('EasTokenLimit');
    const p = (await handle.describe()).raw.pendingActivities?.[0];
    const next = p?.nextAttemptScheduleTime;
    const lastAt = p?.lastAttemptCompleteTime;
    expect(Number(next?.seconds) - Number(lastAt?.seconds)).toBeGreaterThanOrEqual(59);
    // the download has not failed: it waits for a token to be given back
    expect((await handle.describe()).status.name).toBe('RUNNING');
    for (const c of hogs) await c.logout();
    await handle.terminate('test over: the retry is a minute away');
  });
});
