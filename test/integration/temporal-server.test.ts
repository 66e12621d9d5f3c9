/**
 * Proves the Temporal server path end to end: the dev server started by test/global-setup.ts (or TEMPORAL_ADDRESS)
 * runs a real Worker and workflow, has our search attributes registered, and applies the test dynamic config.
 * Also unit-tests how scripts/temporal-server.ts finds its binary, without building anything.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import {
  cachedBinaryPath,
  devServerArgs,
  ensureTemporalBinary,
  findRepoRoot,
  findTemporalBinary,
  provisionTemporal,
  startDevServer,
  TemporalBinaryUnavailableError,
} from '../../scripts/temporal-server';
import { cliTypeName, GstGstin, GstPagesDone, SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import * as activities from '../fixtures/activities';
import { TEST_SUGGEST_CONTINUE_AS_NEW_AFTER, testTemporal, uniqueTaskQueue } from '../fixtures/temporal-env';
import type { greet, growHistory } from '../fixtures/workflows';

// ---------------------------------------------------------------------------------------------
// Binary discovery (no server, nothing built)
// ---------------------------------------------------------------------------------------------

describe('Temporal binary discovery', () => {
  let tmp: string;
  const fakeBinary = (dir: string, body = 'echo "temporal version fake"') => {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'temporal');
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'temporal-discovery-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  test('repo root is the folder holding package.json, from scripts/ and from dist/scripts/', () => {
    const root = findRepoRoot(__dirname);
    expect(findRepoRoot(join(root, 'scripts'))).toBe(root);
    expect(findRepoRoot(join(root, 'dist', 'scripts'))).toBe(root);
    expect(cachedBinaryPath(root)).toBe(join(root, '.temporal', 'bin', 'temporal'));
  });

  test('TEMPORAL_CLI_PATH wins over PATH and the cache', () => {
    const explicit = fakeBinary(join(tmp, 'explicit'));
    const onPathDir = join(tmp, 'path');
    fakeBinary(onPathDir);
    const root = join(tmp, 'repo');
    fakeBinary(join(root, '.temporal', 'bin'));
    expect(findTemporalBinary({ env: { TEMPORAL_CLI_PATH: explicit, PATH: onPathDir }, root })).toEqual({
      path: explicit,
      source: 'TEMPORAL_CLI_PATH',
    });
  });

  test('then `temporal` on PATH, then the cache, else nothing', () => {
    const onPathDir = join(tmp, 'path');
    const onPath = fakeBinary(onPathDir);
    const root = join(tmp, 'repo');
    const cached = fakeBinary(join(root, '.temporal', 'bin'));
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    expect(findTemporalBinary({ env: { PATH: `${empty}:${onPathDir}` }, root })).toEqual({ path: onPath, source: 'PATH' });
    expect(findTemporalBinary({ env: { PATH: empty }, root })).toEqual({ path: cached, source: 'cache' });
    expect(findTemporalBinary({ env: { PATH: empty }, root: join(tmp, 'other-repo') })).toBeUndefined();
  });

  test('a TEMPORAL_CLI_PATH that does not exist is a clear error, not skipped', () => {
    const root = join(tmp, 'repo');
    fakeBinary(join(root, '.temporal', 'bin'));
    const missing = join(tmp, 'nope', 'temporal');
    expect(() => findTemporalBinary({ env: { TEMPORAL_CLI_PATH: missing }, root })).toThrow(TemporalBinaryUnavailableError);
    expect(() => findTemporalBinary({ env: { TEMPORAL_CLI_PATH: missing }, root })).toThrow(
      /TEMPORAL_CLI_PATH is set to ".*nope\/temporal", but that is not an executable file/,
    );
  });

  test('no binary and no Go: the error names the three ways out', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const err = await ensureTemporalBinary({ env: { PATH: empty }, root: join(tmp, 'repo'), log: () => {} }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TemporalBinaryUnavailableError);
    const message = (err as Error).message;
    expect(message).toMatch(/TEMPORAL_ADDRESS/);
    expect(message).toMatch(/TEMPORAL_CLI_PATH/);
    expect(message).toMatch(/install Go/);
  });

  test('dev server arguments register every search attribute and the dynamic config', () => {
    const args = devServerArgs({
      ip: '127.0.0.1',
      port: 7233,
      headless: true,
      namespace: 'default',
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 300, 'some.string': 'x' },
      logLevel: 'warn',
    });
    expect(args.slice(0, 6)).toEqual(['server', 'start-dev', '--ip', '127.0.0.1', '--port', '7233']);
    expect(args).toContain('--headless');
    expect(args).not.toContain('--ui-port');
    for (const key of SEARCH_ATTRIBUTES) expect(args).toContain(`${key.name}=${cliTypeName(key.type)}`);
    expect(args).toContain('limit.historyCount.suggestContinueAsNew=300');
    expect(args).toContain('some.string="x"');
  });

  test('a server that exits at once: the error carries its output', async () => {
    const binary = fakeBinary(join(tmp, 'bad'), 'echo "Error: unknown flag --frobnicate" >&2; exit 3');
    await expect(startDevServer({ binary, headless: true, readyTimeoutMs: 10_000 })).rejects.toThrow(
      /exited early \(code 3[\s\S]*unknown flag --frobnicate/,
    );
  });

  test('a port already in use is reported before spawning', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const binary = fakeBinary(join(tmp, 'never'), 'sleep 60');
      await expect(startDevServer({ binary, port, headless: true })).rejects.toThrow(/already in use/);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The server the global setup provided
// ---------------------------------------------------------------------------------------------

describe('Temporal server from the jest global setup', () => {
  const { address, namespace, startedByTests } = testTemporal();
  const taskQueue = uniqueTaskQueue('temporal-server-test');
  let bundle: WorkflowBundle;
  let nativeConnection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // already installed by another suite in this process
    }
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../fixtures/workflows'),
      logger: new DefaultLogger('WARN'),
    });
    nativeConnection = await NativeConnection.connect({ address });
    worker = await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue,
      workflowBundle: bundle,
      activities,
    });
    running = worker.run();
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace });
  }, 180_000);

  afterAll(async () => {
    if (worker) {
      worker.shutdown();
      await running;
    }
    await nativeConnection?.close();
    await connection?.close();
  });

  test('a worker runs a workflow and its activity', async () => {
    const result = await client.workflow.execute<typeof greet>('greet', {
      taskQueue,
      workflowId: `greet-${taskQueue}`,
      args: ['GST'],
    });
    expect(result).toBe('Hello, GST!');
  });

  test('our search attributes are registered, upserted by the workflow and queryable', async () => {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    for (const key of SEARCH_ATTRIBUTES) expect(Object.keys(listed.customAttributes ?? {})).toContain(key.name);

    const gstin = `29AAB${Date.now().toString().slice(-9)}Z5`;
    const handle = await client.workflow.start<typeof greet>('greet', {
      taskQueue,
      workflowId: `greet-sa-${taskQueue}`,
      args: ['search', gstin],
    });
    await handle.result();
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(GstGstin)).toBe(gstin);
    expect(described.typedSearchAttributes.get(GstPagesDone)).toBe(1);

    // Visibility is eventually consistent: poll briefly.
    const query = `GstGstin = "${gstin}"`;
    let found: string[] = [];
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      found = [];
      for await (const wf of client.workflow.list({ query })) found.push(wf.workflowId);
      if (found.length) break;
    }
    expect(found).toEqual([handle.workflowId]);
  });

  (startedByTests ? test : test.skip)(
    `the test server suggests continue-as-new after ${TEST_SUGGEST_CONTINUE_AS_NEW_AFTER} events`,
    async () => {
      const result = await client.workflow.execute<typeof growHistory>('growHistory', {
        taskQueue,
        workflowId: `grow-${taskQueue}`,
        args: [Math.ceil(TEST_SUGGEST_CONTINUE_AS_NEW_AFTER / 3) + 10],
      });
      expect(result.historyLength).toBeGreaterThan(TEST_SUGGEST_CONTINUE_AS_NEW_AFTER);
      expect(result.historyLength).toBeLessThan(4096); // far below the server default threshold
      expect(result.suggested).toBe(true);
    },
  );

  test('with TEMPORAL_ADDRESS set, provisioning starts nothing and stop() leaves the server running', async () => {
    const server = await provisionTemporal({ env: { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace }, log: () => {} });
    expect(server).toMatchObject({ address, namespace });
    expect(server.uiUrl).toBeUndefined();
    await server.stop();
    const info = await connection.workflowService.getSystemInfo({});
    expect(info).toBeDefined();
  });
});
