/**
 * Every shell command README.md shows, run as pasted against `npm start`'s stack: the commands are read from
 * the README's ```sh blocks (continuation lines joined, comments dropped), so a README edit whose command does
 * not work fails here. The stack is npm start's own entry (dist/scripts/start.js: dev server, sandbox, worker)
 * on free ports; the commands get only TEMPORAL_ADDRESS (where that stack is) and PATH (`gst-download` as
 * `npm link` would put it, `temporal` as the README's Temporal section finds it). Nothing sets GSTIN_CHECKSUM:
 * the CLI adopts npm start's settings (client/stack.ts), which is what makes the sample GSTINs work.
 *
 * A command is either run here, or named in NOT_RUN_HERE with the suite that covers it; a new kind of command
 * in the README fails until it is one of the two. `<id>` / `<request-id>` in a command is the schedule id /
 * OTP request id a command before it printed. A command the README shows for a situation (an OTP verified
 * while a download waits for it) runs in that situation, made by SITUATIONS. After the last command every
 * download the commands started must have completed.
 */
import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SandboxAdmin } from '../../sandbox/admin';
import { findAwaitingOtp, sessionOf } from '../../client/session';
import { startImsDownload } from '../../client/start';
import { ensureTemporalBinary, freePort } from '../../scripts/temporal-server';
import { waitFor } from './harness';

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, '../..');
const ENTRY = path.join(ROOT, 'dist/scripts/start.js');
const CLI = path.join(ROOT, 'dist/client/cli/main.js');

/** Shell commands of the README's ```sh blocks, one string each, as a reader pastes them. */
function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)) {
    const joined = block[1]!.replace(/\\\n\s*/g, '');
    for (const line of joined.split('\n')) {
      const command = dropComment(line).trim();
      if (command) commands.push(command);
    }
  }
  return commands;
}

/** The line without its `# comment` (a # outside quotes, at the start or after a space). */
function dropComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** Commands this test does not run, and where they are covered instead. */
const NOT_RUN_HERE: Array<[RegExp, string]> = [
  [/^npm start$/, 'test/integration/npm-start.test.ts (and this test runs its entry as the stack)'],
  [/^npm test$/, 'this run'],
  [/^npm run -s bench -- /, 'bench/README.md: benchmarks take minutes and print figures, not pass/fail'],
];
const RUN_HERE = /^(gst-download |npm run cli -- |temporal )/;

/** What a command needs to be true before it runs, and what it then must print. */
const SITUATIONS: Array<{
  command: RegExp;
  before(m: RegExpMatchArray, s: Stack): Promise<void>;
  /** What the reader types (the OTP from the taxpayer's phone, read from the sandbox's phone view). */
  stdin?(m: RegExpMatchArray, s: Stack): Promise<string>;
  prints: RegExp;
}> = [
  {
    // verify-otp: for a download that lost its GSTN session and waits on its GSTIN's session workflow for the OTP
    command: /^gst-download session verify-otp --gstin (\S+) --otp -$/,
    async before(m, s) {
      await s.admin.endSessions([m[1]!]);
      await startImsDownload(s.client, { gstin: m[1]!, section: 'B2BA' }, { gstinChecksum: 'off' });
      await waitFor(async () => ((await findAwaitingOtp(s.client, m[1]!)).length ? true : undefined), `a download of ${m[1]} in AWAITING_OTP`);
      await waitFor(async () => ((await sessionOf(s.client, m[1]!))?.state === 'AWAITING_OTP' ? true : undefined), `the session of ${m[1]} awaiting its OTP`);
    },
    stdin: async (m, s) => `${(await s.admin.phone(m[1]!)).otp}\n`,
    prints: /^resumed 1 waiting download\(s\): gst-ims-/m,
  },
];

interface Stack {
  client: Client;
  admin: SandboxAdmin;
}

interface Run {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

let child: ChildProcess | undefined;
let tmp: string;
let out = '';

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('the README shows commands, each of them runnable here or covered by a named suite', () => {
  const commands = readmeCommands(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  expect(commands.filter((c) => RUN_HERE.test(c)).length).toBeGreaterThan(5);
  const unknown = commands.filter((c) => !RUN_HERE.test(c) && !NOT_RUN_HERE.some(([re]) => re.test(c)));
  expect(unknown).toEqual([]);
});

(existsSync(ENTRY) && existsSync(CLI) ? test : test.skip)('every README command works as pasted against npm start', async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'readme-'));
  const [port, uiPort, sandboxPort] = [await freePort(), await freePort(), await freePort()];
  const stackEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_PORT: String(port),
    TEMPORAL_UI_PORT: String(uiPort),
    TEMPORAL_DB_FILE: path.join(tmp, 'dev.db'),
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_LOG: '0',
    SANDBOX_TASK_SECONDS: '1',
    DATA_DIR: path.join(tmp, 'data'),
    GST_POLL_INITIAL_MS: '300',
    GST_POLL_MAX_MS: '1000',
  };
  for (const k of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'GSTIN_CHECKSUM', 'EAS_BASE_URL', 'EAS_AUTH_URL']) delete stackEnv[k];
  child = spawn(process.execPath, [ENTRY], { env: stackEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 120_000;
  while (!/^Ready\./m.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not get ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const address = `127.0.0.1:${port}`;

  // PATH: gst-download as `npm link` installs it, temporal as the README's "The Temporal server" finds it.
  const bin = path.join(tmp, 'bin');
  await mkdir(bin);
  await writeFile(path.join(bin, 'gst-download'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  await chmod(path.join(bin, 'gst-download'), 0o755);
  await symlink(await ensureTemporalBinary(), path.join(bin, 'temporal'));
  const env: NodeJS.ProcessEnv = { ...stackEnv, PATH: `${bin}${path.delimiter}${process.env.PATH}`, TEMPORAL_ADDRESS: address };
  for (const k of ['TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'TEMPORAL_DB_FILE', 'SANDBOX_PORT', 'SANDBOX_LOG', 'SANDBOX_TASK_SECONDS', 'DATA_DIR', 'GST_POLL_INITIAL_MS', 'GST_POLL_MAX_MS']) delete env[k];

  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const stack: Stack = { client, admin: new SandboxAdmin(`http://127.0.0.1:${sandboxPort}`) };
    const placeholders: Record<string, string> = {};
    const runs: Run[] = [];
    for (const pasted of readmeCommands(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).filter((c) => RUN_HERE.test(c))) {
      const command = pasted.replace(/<([\w-]+)>/g, (m, name: string) => placeholders[name] ?? m);
      expect(command).not.toMatch(/<[\w-]+>/); // a placeholder no earlier command printed a value for
      const situation = SITUATIONS.map((x) => ({ ...x, m: command.match(x.command) })).find((x) => x.m);
      if (situation) await situation.before(situation.m!, stack);
      const run = await sh(command, env, situation?.stdin ? await situation.stdin(situation.m!, stack) : undefined);
      runs.push(run);
      expect({ command: run.command, code: run.code, ...(run.code !== 0 && { stdout: run.stdout, stderr: run.stderr }) }).toEqual({ command: run.command, code: 0 });
      if (situation) expect(run.stdout).toMatch(situation.prints);
      placeholders.id = /^created (\S+):/m.exec(run.stdout)?.[1] ?? placeholders.id!;
      placeholders['request-id'] = /request id ([0-9a-f-]{36})/.exec(run.stdout)?.[1] ?? placeholders['request-id']!;
    }
    // the README's first CLI example is a sample GSTIN whose check character is wrong: it ran, and downloaded
    expect(runs.find((r) => r.command.startsWith('npm run cli -- start gstr2b --gstin 01AABCE2207R1Z5'))?.stdout).toMatch(/^done gst-gstr2b-01AABCE2207R1Z5-032020: \d+ files?, /m);

    // Every download those commands started (by hand, or by the schedule they made) completes.
    const until = Date.now() + 300_000;
    let open: string[] = [];
    const closed = new Map<string, string>();
    do {
      open = [];
      for await (const wf of client.workflow.list()) {
        if (wf.type === 'gstnSession') continue; // a GSTIN's session workflow outlives its downloads (GST_SESSION_KEEP_ALIVE_MS)
        if (wf.status.name === 'RUNNING') open.push(wf.workflowId);
        else closed.set(`${wf.workflowId}/${wf.runId}`, `${wf.type} ${wf.status.name}`);
      }
      if (open.length) await new Promise((r) => setTimeout(r, 1000));
    } while (open.length && Date.now() < until);
    expect(open).toEqual([]);
    const notCompleted = [...closed].filter(([, s]) => !s.endsWith(' COMPLETED'));
    expect(notCompleted).toEqual([]);
    expect(closed.size).toBeGreaterThanOrEqual(6);
  } finally {
    await connection.close();
  }
});

function sh(command: string, env: NodeJS.ProcessEnv, stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', command], { cwd: ROOT, env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: 240_000, killSignal: 'SIGKILL' });
    if (stdin !== undefined) p.stdin!.end(stdin);
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d) => (stdout += d));
    p.stderr!.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ command, code, stdout, stderr }));
  });
}
