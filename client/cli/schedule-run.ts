/**
 * `gst-download schedule …`: the frame around client/cli/schedule.ts — connects (the same --address /
 * --namespace / env as every command; schedule.ts accepts those flags, so argv passes through unchanged) and
 * maps its errors to exit codes: its plain one-line Errors are bad input (2), anything else is 1.
 */
import { Client, Connection } from '@temporalio/client';
import { parseArgs as parseArgv } from 'node:util';
import type { Parsed } from './args';
import { connect } from './connect';
import { UsageError } from './errors';
import type { Io } from './io';
import { scheduleCommand } from './schedule';

/** `--address` / `--namespace` wherever they stand in argv (schedule.ts checks the rest of the flags). */
function connectionFlags(argv: string[]): Parsed {
  const { values } = parseArgv({ args: argv, options: { address: { type: 'string' }, namespace: { type: 'string' } }, strict: false, allowPositionals: true });
  const flags: Parsed['flags'] = {};
  for (const name of ['address', 'namespace'] as const) if (typeof values[name] === 'string') flags[name] = values[name];
  return { flags, positionals: [], help: false };
}

function isHelp(argv: string[]): boolean {
  return argv.length === 0 || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h');
}

export async function scheduleRun(argv: string[], io: Io): Promise<number> {
  const frame = connectionFlags(argv);
  // Help needs no server: a lazy connection that is never used.
  const conn = isHelp(argv)
    ? { client: new Client({ connection: Connection.lazy({ address: '127.0.0.1:7233' }) }), close: async () => undefined }
    : await connect(frame, io.env);
  try {
    await scheduleCommand(conn.client, argv, io.out, io.env);
    return 0;
  } catch (e) {
    if (e instanceof Error && e.constructor === Error) throw new UsageError(e.message);
    throw e;
  } finally {
    await conn.close();
  }
}
