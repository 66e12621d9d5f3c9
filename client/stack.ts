/**
 * The local stack `npm start` runs, as the CLI on this machine sees it. npm start publishes the settings its
 * worker runs with in `.temporal/stacks/<address>.json` (no secrets); a CLI talking to that address adopts
 * the ones its environment does not set, so the two agree: the GSTIN check (npm start runs with
 * GSTIN_CHECKSUM=off because the sandbox serves Vayana's sample GSTINs), the task queue, where files land
 * (for the printed paths and the real file count) and the sandbox (for `session` commands).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface LocalStack {
  /** The npm start process: a file whose process is gone is ignored. */
  pid: number;
  address: string;
  namespace: string;
  taskQueue: string;
  gstinChecksum: 'strict' | 'off';
  dataDir: string;
  /** The sandbox, when the worker talks to it (never a real gateway: its credentials are not published). */
  sandboxUrl?: string;
  /**
   * The sandbox's public test user (sandbox/user.ts), published with sandboxUrl from npm start's dev defaults: the
   * client code has no default credentials, so `session` commands against npm start take these.
   */
  sandboxUser?: { email: string; password: string; gstnUsername: string };
}

/** The repository this module runs from (client/ in the sources, dist/client/ when built). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function stackFile(address: string, root = repoRoot()): string {
  return path.join(root, '.temporal', 'stacks', `${address.replace(/[^A-Za-z0-9.-]/g, '_')}.json`);
}

export function publishStack(stack: LocalStack, root?: string): string {
  const file = stackFile(stack.address, root);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(stack, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

export function withdrawStack(address: string, root?: string): void {
  rmSync(stackFile(address, root), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The stack npm start runs at `address`, if one is running. */
export function findStack(address: string, root?: string): LocalStack | undefined {
  let stack: LocalStack;
  try {
    stack = JSON.parse(readFileSync(stackFile(address, root), 'utf8')) as LocalStack;
  } catch {
    return undefined;
  }
  return stack.address === address && Number.isInteger(stack.pid) && alive(stack.pid) ? stack : undefined;
}

/** `env` with the stack's settings under the ones it already has (the caller's environment wins). */
export function withStackDefaults(env: NodeJS.ProcessEnv, stack: LocalStack | undefined): NodeJS.ProcessEnv {
  if (!stack) return env;
  const defaults: NodeJS.ProcessEnv = {
    TEMPORAL_NAMESPACE: stack.namespace,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    GSTIN_CHECKSUM: stack.gstinChecksum,
    DATA_DIR: stack.dataDir,
  };
  if (stack.sandboxUrl && !env.EAS_BASE_URL) {
    Object.assign(defaults, { EAS_BASE_URL: stack.sandboxUrl, EAS_AUTH_URL: stack.sandboxUrl });
    const u = stack.sandboxUser;
    if (u) Object.assign(defaults, { EAS_EMAIL: u.email, EAS_PASSWORD: u.password, GSTN_USERNAME: u.gstnUsername });
  }
  const merged = { ...env };
  for (const [k, v] of Object.entries(defaults)) if (merged[k] === undefined && v !== undefined) merged[k] = v;
  return merged;
}
