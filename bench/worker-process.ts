/**
 * A worker PROCESS (`node dist/worker/main.js`) on a "host" — a scratch root of its own — for the chaos run: started
 * with an environment, waited on until it serves, SIGKILLed or stopped; its output goes to `<logDir>/<name>.log`.
 */
import { createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { startChild, waitFor, type Child } from '../scripts/supervise';

export class WorkerProcess {
  private serving = false;
  /** Set when this side SIGKILLed it (any other exit before stop() is a crash). */
  killed = false;
  stopping = false;

  private constructor(
    readonly name: string,
    readonly host: string,
    readonly child: Child,
  ) {}

  static start(o: { main: string; name: string; host: string; env: NodeJS.ProcessEnv; logDir: string }): WorkerProcess {
    const log = createWriteStream(path.join(o.logDir, `${o.name}.log`));
    let w: WorkerProcess | undefined;
    const child = startChild(process.execPath, [o.main], {
      env: o.env,
      keepLines: 30,
      onLine: (line) => {
        log.write(`${line}\n`);
        if (w && line.includes('gst-download-worker: serving')) w.serving = true;
      },
    });
    void child.exited.then(() => log.end());
    w = new WorkerProcess(o.name, o.host, child);
    return w;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Running, and neither killed nor being stopped by this side. */
  live(): boolean {
    return !this.child.exit() && !this.killed && !this.stopping;
  }

  /** Exited without being killed or stopped by this side. */
  crashed(): boolean {
    return !!this.child.exit() && !this.killed && !this.stopping;
  }

  async untilServing(timeoutMs = 120_000): Promise<void> {
    await waitFor(() => this.serving, {
      timeoutMs,
      failIf: () => (this.child.exit() ? new Error(`worker ${this.name} exited before serving:\n${this.child.output()}`) : undefined),
      interrupt: this.child.exited,
      timeoutError: () => new Error(`worker ${this.name} did not serve within ${timeoutMs / 1000} s:\n${this.child.output()}`),
    });
  }

  async kill(): Promise<void> {
    this.killed = true;
    if (!this.child.exit()) process.kill(this.pid, 'SIGKILL');
    await this.child.exited;
    await this.child.stop(0); // exited already: only drops startChild's exit hook
  }

  /** SIGTERM (a graceful shutdown), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    await this.child.stop(graceMs);
  }
}
