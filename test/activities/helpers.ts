/** Shared setup of the activity tests: a sandbox over HTTP, an EAS client, a FileStore in a temp dir, the activities. */
import { singleAccount } from '../../eas/accounts';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createActivities, type Activities } from '../../activities';
import { errorMap } from '../../activities/error-map';
import { Scratch } from '../../activities/scratch';
import { EasClient } from '../../eas/client';
import { easConfigFromEnv } from '../../eas/config';
import { sandboxEasEnv } from '../../sandbox/user';
import { SandboxAdmin } from '../../sandbox/admin';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox/server';
import type { TruthFile } from '../../sandbox/types';
import { FileStore } from '../../store/file-store';
import type { DownloadLocation, StoredFile } from '../../store/store';
import { DEFAULT_CONFIG } from '../../domain/config';

export interface Env {
  sandbox: RunningSandbox;
  admin: SandboxAdmin;
  eas: EasClient;
  store: FileStore;
  dataDir: string;
  /** The worker-local scratch root (ZIPs are read there; empty between attempts). */
  scratchRoot: string;
  acts: Activities;
  close(): Promise<void>;
}

export async function setup(opts: Partial<SandboxOptions> = {}): Promise<Env> {
  const sandbox = await startSandbox({ port: 0, sessions: 'all', taskSeconds: 0, ...opts });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gst-acts-'));
  const eas = new EasClient({ ...easConfigFromEnv(sandboxEasEnv(sandbox.url)), timeoutMs: 5000 });
  const store = new FileStore(dataDir);
  const scratchRoot = await mkdtemp(path.join(tmpdir(), 'gst-scratch-'));
  const scratch = await Scratch.open(scratchRoot);
  return {
    sandbox,
    admin: new SandboxAdmin(sandbox.url),
    eas,
    store,
    dataDir,
    scratchRoot,
    acts: createActivities({ accounts: singleAccount(eas), store, scratch, config: DEFAULT_CONFIG, zipSegmentBytes: 64 * 1024 }),
    close: async () => {
      await sandbox.close();
      await rm(dataDir, { recursive: true, force: true });
      await rm(scratchRoot, { recursive: true, force: true });
    },
  };
}

/** A mock activity context with the worker's error map, so activities fail as they do on a real worker. */
export function mockEnv(info?: ConstructorParameters<typeof MockActivityEnvironment>[0]): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { interceptors: [errorMap] });
}

/** Runs one activity in a fresh mock activity context. */
export function run<P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> {
  return runIn(mockEnv(), fn, ...args);
}

/** Runs one activity in the given mock activity context (to listen to its heartbeats). */
export function runIn<P extends unknown[], R>(mock: MockActivityEnvironment, fn: (...args: P) => Promise<R>, ...args: P): Promise<R> {
  return mock.run(fn, ...args) as Promise<R>;
}

/** The ApplicationFailure an activity rejects with. */
export async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApplicationFailure);
  return e as ApplicationFailure;
}

/** Polls checkTask until the task leaves `processing`. */
export async function waitTask(env: Env, taskId: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const s = await run(env.acts.checkTask, taskId);
    if (s.status !== 'processing') return s.status;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`task ${taskId} never finished`);
}

/** File names in a download's folder (hidden temp files included). */
export async function listFolder(env: Env, loc: DownloadLocation): Promise<string[]> {
  const dir = path.join(env.dataDir, ...env.store.locationRef(loc).split('/'));
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A stored file's identity, comparable with a truth file. */
export function ident(f: StoredFile | TruthFile): { name: string; bytes: number; sha256: string; records: number } {
  return { name: f.name, bytes: f.bytes, sha256: f.sha256, records: f.records };
}

export const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

/** The stored bytes behind a StoredFile really are what it claims. */
export async function expectStored(env: Env, f: StoredFile): Promise<void> {
  const body = await readFile(env.store.localPath(f.ref));
  expect(body.length).toBe(f.bytes);
  expect(sha256(body)).toBe(f.sha256);
}
