/**
 * The CLI's errors and how each becomes one line on stderr with an exit code: 2 for usage and input errors
 * (the caller can fix the command), 1 for everything else. No Temporal import here: `--help` stays fast.
 */
import { InvalidInputError } from '../../domain/inputs';

/** The caller invoked the command wrongly (unknown command/flag, missing value): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the CLI reports as one line and exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Which flag sets each input field, for messages that name both. */
export const FLAG_OF_FIELD: Record<string, string> = {
  gstin: '--gstin',
  retPeriod: '--period',
  supplyType: '--supply-type',
  supplierGstin: '--supplier-gstin',
  recipientGstin: '--recipient-gstin',
  section: '--section',
  status: '--status',
  irns: '--irn',
};

/** An error's message on one line. */
export function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/\s*\n\s*/g, ' ').trim();
}

/** One line for an error, and the exit code it means. */
export function describeError(e: unknown): { line: string; code: number } {
  if (e instanceof UsageError) return { line: e.message, code: 2 };
  if (e instanceof InvalidInputError) {
    const base = e.field.replace(/\[\d+\]$/, '');
    const flag = FLAG_OF_FIELD[base] ?? `--${base}`;
    const named = flag === `--${e.field}` ? e.field : `${e.field} (${flag})`;
    return { line: `${named}: ${oneLine(e).slice(e.field.length + 2)}`, code: 2 };
  }
  // By name: importing @temporalio/common here would slow every command's start (and --help) by ~0.4 s.
  if (e instanceof Error && e.name === 'WorkflowNotFoundError') {
    const id = (e as Error & { workflowId?: string }).workflowId;
    return { line: id ? `no download with id ${id}` : oneLine(e), code: 1 };
  }
  // CliError, EasError (e.g. the OTP was refused), Temporal service errors, anything unexpected.
  return { line: oneLine(e), code: 1 };
}
