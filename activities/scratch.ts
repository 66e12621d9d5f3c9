/**
 * The worker's local scratch space (for reading a ZIP, which needs random access). Worker business only: nothing
 * in it is shared with other workers or survives the worker. Layout: `<root>/w-<pid>-<random>/<attempt>/`.
 * `open()` at worker start removes the folders of workers that are gone (a SIGKILLed worker leaves its own); each
 * activity attempt works in a fresh folder that is removed when the attempt ends, whatever its outcome.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const OWN = /^w-(\d+)-[0-9a-f]+$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Scratch {
  private constructor(readonly dir: string) {}

  /** The default root: SCRATCH_DIR, else `<os tmp>/gst-download-scratch`. */
  static rootFromEnv(env: NodeJS.ProcessEnv = process.env): string {
    return path.resolve(env.SCRATCH_DIR || path.join(tmpdir(), 'gst-download-scratch'));
  }

  /** Creates this worker's folder under `root` after removing those of workers that no longer run. */
  static async open(root: string): Promise<Scratch> {
    await mkdir(root, { recursive: true });
    for (const name of await readdir(root)) {
      const m = OWN.exec(name);
      if (m && !alive(Number(m[1]))) await rm(path.join(root, name), { recursive: true, force: true });
    }
    const dir = path.join(root, `w-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return new Scratch(dir);
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
