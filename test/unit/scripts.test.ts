/**
 * The two modules the dev server, the cluster and `npm start` share: supervise.ts (waiting, stopping children) and
 * go-binaries.ts (`go install` into a scratch folder, renamed into place), here with real child processes and a
 * fake `go`, so nothing is built.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BinaryUnavailableError, findGo, goInstall } from '../../scripts/go-binaries';
import { sleep, startChild, stopChild, stopInReverse, waitFor } from '../../scripts/supervise';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'scripts-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function script(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('waitFor', () => {
  test('retries an attempt that throws or says no until it says yes', async () => {
    let calls = 0;
    const ok = await waitFor(
      () => {
        calls++;
        if (calls === 1) throw new Error('not listening yet');
        return calls >= 3;
      },
      { timeoutMs: 5_000, intervalMs: 10 },
    );
    expect(ok).toBe(true);
    expect(calls).toBe(3);
  });

  test('at the deadline: the timeout error gets the last error; without one, false', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 50, intervalMs: 10, timeoutError: (last) => new Error(`gave up (${(last as Error).message})`) },
      ),
    ).rejects.toThrow('gave up (connection refused)');
    await expect(waitFor(() => false, { timeoutMs: 30, intervalMs: 10 })).resolves.toBe(false);
  });

  test('failIf ends the wait at once, and interrupt cuts a hanging attempt short', async () => {
    let dead = false;
    setTimeout(() => (dead = true), 30);
    const started = Date.now();
    await expect(
      waitFor(() => false, { timeoutMs: 10_000, intervalMs: 10, failIf: () => (dead ? new Error('exited') : undefined) }),
    ).rejects.toThrow('exited');
    expect(Date.now() - started).toBeLessThan(5_000);

    dead = false;
    const interrupt = sleep(30).then(() => (dead = true));
    await expect(
      waitFor(() => new Promise<boolean>(() => undefined), {
        timeoutMs: 10_000,
        interrupt,
        failIf: () => (dead ? new Error('exited while probing') : undefined),
      }),
    ).rejects.toThrow('exited while probing');
  });
});

describe('stopping children', () => {
  test('a child that ignores SIGTERM is SIGKILLed after the grace period', async () => {
    const child = spawn('sh', ['-c', 'trap "" TERM; while :; do sleep 0.05; done'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    await sleep(200); // let the shell install its trap
    const started = Date.now();
    await stopChild(child, exited, 300);
    expect(await exited).toBe('SIGKILL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  test('startChild keeps the output and stop() ends it with SIGTERM', async () => {
    const lines: string[] = [];
    const child = startChild('sh', ['-c', 'echo one; echo two >&2; exec sleep 60'], { onLine: (l) => lines.push(l) });
    await waitFor(() => lines.length === 2, { timeoutMs: 5_000, intervalMs: 20 });
    await child.stop(5_000);
    expect(child.exit()).toEqual({ code: null, signal: 'SIGTERM' });
    expect(child.output().split('\n').sort()).toEqual(['one', 'two']);
  });

  test('stopInReverse stops the last started first, and goes on after one fails', async () => {
    const order: string[] = [];
    const failed: string[] = [];
    const stoppable = (name: string, fail = false) => ({
      name,
      stop: async () => {
        order.push(name);
        if (fail) throw new Error(`${name} would not stop`);
      },
    });
    await stopInReverse([stoppable('temporal'), stoppable('sandbox', true), stoppable('worker')], {
      stopped: () => undefined,
      failed: (name) => failed.push(name),
    });
    expect(order).toEqual(['worker', 'sandbox', 'temporal']);
    expect(failed).toEqual(['sandbox']);
  });
});

describe('go install', () => {
  test('builds into a scratch folder and renames the binary into place (named after the package)', async () => {
    const bin = join(tmp, 'gobin');
    mkdirSync(bin);
    const go = script(join(bin, 'go'), `echo "$CGO_ENABLED $*" > "$GOBIN/../go-args"; printf built > "$GOBIN/sql"; chmod +x "$GOBIN/sql"`);
    expect(findGo({ PATH: bin })).toBe(go);
    const target = join(tmp, 'cache', 'bin', 'temporal-sql-tool-v1');
    const said: string[] = [];
    await goInstall({ go, module: 'go.temporal.io/server/cmd/tools/sql@v1.29.1', target, announce: 'building', log: (m) => said.push(m) });
    expect(readFileSync(target, 'utf8')).toBe('built');
    expect(readFileSync(join(tmp, 'cache', 'bin', 'go-args'), 'utf8').trim()).toBe('0 install go.temporal.io/server/cmd/tools/sql@v1.29.1');
    expect(readdirSync(join(tmp, 'cache', 'bin')).sort()).toEqual(['go-args', 'temporal-sql-tool-v1']); // no scratch left
    expect(said[0]).toBe('building');
    expect(said[1]).toMatch(/^built .*temporal-sql-tool-v1 in \d+ s$/);
  });

  test('a failed build leaves neither a binary nor a scratch folder, and says which module failed', async () => {
    const go = script(join(tmp, 'go'), 'printf half > "$GOBIN/server"; exit 2');
    const target = join(tmp, 'bin', 'temporal-server-v1');
    const err = await goInstall({ go, module: 'go.temporal.io/server/cmd/server@v1.29.1', target, announce: '', log: () => undefined }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BinaryUnavailableError);
    expect((err as Error).message).toBe('go install go.temporal.io/server/cmd/server@v1.29.1 failed with exit code 2');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(join(tmp, 'bin'))).toEqual([]);
  });
});
