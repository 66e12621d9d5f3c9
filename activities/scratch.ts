/**
 * The worker's local scratch space (for reading a ZIP, which needs random access). Worker business only: nothing
 * in it is shared with other workers or survives the worker. Layout: `<root>/w-<pid>-<random>/<attempt>/`.
 * `open()` at worker start removes the folders of workers that are gone (a SIGKILLed worker leaves its own); each
 * activity attempt works in a fresh folder that is removed when the attempt ends, whatever its outcome.
 * One more thing lives there: the EAS tokens the worker holds (`eas-tokens.json`, mode 0600), so the worker that
 * clears a dead one's folder can go on with its tokens instead of logging in again (eas/token-keeper.ts).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { HeldToken, TokenKeeper } from '../eas/token-keeper';

/** The file in a worker's scratch folder that holds its EAS tokens while it runs. */
export const TOKENS_FILE = 'eas-tokens.json';
type TokenFile = Record<string, HeldToken>;

function readTokens(dir: string): TokenFile {
  try {
    const parsed = JSON.parse(readFileSync(path.join(dir, TOKENS_FILE), 'utf8')) as TokenFile;
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

const OWN = /^w-(\d+)-[0-9a-f]+$/;

/** The folders this process opened: another folder named with this process's pid is a dead one's (see alive). */
const mine = new Set<string>();

/**
 * Whether the worker that named a folder `w-<pid>-…` still runs. A folder with THIS process's pid that this
 * process did not open belongs to a dead one: in a container every worker is pid 1, so the worker restarted in
 * the same container sees its predecessor's folder under its own pid.
 */
function alive(pid: number, dir: string): boolean {
  if (pid === process.pid) return mine.has(dir);
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Scratch {
  private readonly held: TokenFile = {};

  private constructor(
    readonly dir: string,
    /** Tokens the workers that were gone left, by account. */
    private readonly left: Map<string, HeldToken[]>,
  ) {}

  /** The default root: SCRATCH_DIR, else `<os tmp>/gst-download-scratch`. */
  static rootFromEnv(env: NodeJS.ProcessEnv = process.env): string {
    return path.resolve(env.SCRATCH_DIR || path.join(tmpdir(), 'gst-download-scratch'));
  }

  /** Creates this worker's folder under `root` after removing those of workers that no longer run. */
  static async open(root: string): Promise<Scratch> {
    await mkdir(root, { recursive: true });
    const left = new Map<string, HeldToken[]>();
    for (const name of await readdir(root)) {
      const m = OWN.exec(name);
      if (!m || alive(Number(m[1]), path.join(root, name))) continue;
      for (const [account, t] of Object.entries(readTokens(path.join(root, name)))) left.set(account, [...(left.get(account) ?? []), t]);
      await rm(path.join(root, name), { recursive: true, force: true });
    }
    const dir = path.join(root, `w-${process.pid}-${randomBytes(4).toString('hex')}`);
    mine.add(dir);
    await mkdir(dir, { recursive: true });
    return new Scratch(dir, left);
  }

  /** The keeper of this worker's EAS tokens: adopts what dead workers left, writes what this one holds. */
  tokenKeeper(): TokenKeeper {
    return {
      takeLeft: (account) => {
        const tokens = this.left.get(account) ?? [];
        this.left.delete(account);
        return tokens;
      },
      hold: (account, token) => {
        if (token) this.held[account] = token;
        else delete this.held[account];
        const file = path.join(this.dir, TOKENS_FILE);
        if (Object.keys(this.held).length === 0) {
          rmSync(file, { force: true });
          return;
        }
        writeFileSync(`${file}.new`, JSON.stringify(this.held), { mode: 0o600 });
        renameSync(`${file}.new`, file);
      },
    };
  }

  /** Runs `fn` in a fresh folder, removed afterwards. */
  async attempt<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    const dir = await mkdtemp(path.join(this.dir, 'a-'));
    try {
      return await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Removes this worker's folder (at shutdown). */
  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
