#!/usr/bin/env node
/**
 * gst-download: start, watch and list GST downloads, and restore GSTN sessions, from a shell.
 * Errors are one line on stderr; exit code 2 for usage and input errors, 1 for everything else.
 */
import { findStack, withStackDefaults } from '../stack';
import { addressOf } from './args';
import { describeError, UsageError } from './errors';
import { processIo, type Io } from './io';

export const mainHelp = `Usage: gst-download COMMAND [flags]   (gst-download COMMAND --help for its flags)

  start einvoice|ims|gstr2b|irn --gstin …   start a download (--follow to watch it, --json for machines)
  status ID                                 stage and progress, or the summary / failure of a closed one
  follow ID                                 live progress until the download ends
  list [--gstin G] [--period P] [--kind K] [--stage S] [--running]   find downloads
  session pending                           GSTINs whose session waits for an OTP (request id, waiting downloads)
  session verify-otp --gstin G --otp -      verify the OTP (stdin) and resume every waiting download
  schedule create|list|describe|pause|unpause|trigger|backfill|delete …   monthly sync schedules

Temporal: --address or TEMPORAL_ADDRESS (default 127.0.0.1:7233), --namespace or TEMPORAL_NAMESPACE,
          TEMPORAL_TASK_QUEUE (start). Exit codes: 0 ok, 1 failure, 2 usage or input error.`;

type Command = (argv: string[], io: Io) => Promise<number>;

/** Loaded on demand: the Temporal client takes ~0.4 s to load, which plain `--help` should not pay. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./start')).startCommand,
  status: async () => (await import('./status')).statusCommand,
  follow: async () => (await import('./follow')).followCommand,
  list: async () => (await import('./list')).listCommand,
  session: async () => (await import('./session')).sessionCommand,
  schedule: async () => (await import('./schedule-run')).scheduleRun,
};

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(mainHelp);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  // Talking to the stack npm start runs: its settings (GSTIN check, task queue, DATA_DIR, sandbox) unless set here.
  io = { ...io, env: withStackDefaults(io.env, findStack(addressOf(rest, io.env))) };
  try {
    if (!run) throw new UsageError(`unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(', ')}; see gst-download --help)`);
    return await (await run())(rest, io);
  } catch (e) {
    const { line, code } = describeError(e);
    io.err(`gst-download: ${line}`);
    if (io.env.GST_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
    return code;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), processIo()).then((code) => process.exit(code));
}
