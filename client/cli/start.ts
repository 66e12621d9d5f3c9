/**
 * `gst-download start einvoice|ims|gstr2b|irn --gstin … [--follow] [--json]`: validates the flags as the
 * workflow input (before connecting, so a bad input starts nothing), starts the download through the client
 * library (same download asked twice → the same workflow id, "existing"), optionally follows it.
 */
import type { Workflow } from '@temporalio/common';
import { IMS_SECTIONS, IMS_STATUSES, SUPPLY_TYPES } from '../../eas/contract';
import {
  validateEinvoiceInput,
  validateGstr2bInput,
  validateImsInput,
  validateIrnInput,
  type ValidationOptions,
} from '../../domain/inputs';
import { TASK_QUEUE_DEFAULT } from '../../domain/config';
import type { StartOptions, Started } from '../start';
import { CONNECTION_FLAGS, FOLLOW_FLAGS, bool, followOptions, list, parseArgs, positionals, str, type FlagSpec, type Parsed } from './args';
import { UsageError } from './errors';
import type { Io } from './io';

interface Kind {
  type: string;
  /** Input flags this kind takes; the required ones are checked by validation (naming the field). */
  flags: string[];
  input(p: Parsed): Record<string, unknown>;
  validate(input: unknown, o: ValidationOptions): unknown;
  /** The client library's start function (client/start.ts), loaded once the input is known to be good. */
  start: 'startEinvoiceDownload' | 'startImsDownload' | 'startGstr2bDownload' | 'startIrnDetails';
}

const KINDS: Record<string, Kind> = {
  einvoice: {
    type: 'downloadEinvoices',
    flags: ['gstin', 'period', 'supply-type', 'supplier-gstin', 'recipient-gstin'],
    input: (p) => ({
      gstin: str(p, 'gstin'),
      retPeriod: str(p, 'period'),
      supplyType: str(p, 'supply-type') ?? 'B2B',
      supplierGstin: str(p, 'supplier-gstin'),
      recipientGstin: str(p, 'recipient-gstin'),
    }),
    validate: validateEinvoiceInput,
    start: 'startEinvoiceDownload',
  },
  ims: {
    type: 'downloadImsInvoices',
    flags: ['gstin', 'section', 'status'],
    input: (p) => ({ gstin: str(p, 'gstin'), section: str(p, 'section'), status: str(p, 'status') }),
    validate: validateImsInput,
    start: 'startImsDownload',
  },
  gstr2b: {
    type: 'downloadGstr2b',
    flags: ['gstin', 'period'],
    input: (p) => ({ gstin: str(p, 'gstin'), retPeriod: str(p, 'period') }),
    validate: validateGstr2bInput,
    start: 'startGstr2bDownload',
  },
  irn: {
    type: 'getIrnDetails',
    flags: ['gstin', 'irn'],
    input: (p) => ({ gstin: str(p, 'gstin'), irns: list(p, 'irn') }),
    validate: validateIrnInput,
    start: 'startIrnDetails',
  },
};

const START_FLAGS: FlagSpec = {
  ...CONNECTION_FLAGS,
  ...FOLLOW_FLAGS,
  follow: 'boolean',
  refresh: 'boolean',
  'task-queue': 'string',
  'workflow-id': 'string',
  gstin: 'string',
  period: 'string',
  'supply-type': 'string',
  'supplier-gstin': 'string',
  'recipient-gstin': 'string',
  section: 'string',
  status: 'string',
  irn: 'list',
};

export const startHelp = `Usage: gst-download start KIND --gstin GSTIN [input flags] [--follow] [--json]

Starts a download. The same download asked twice is started once: the second time prints "existing". The
catalogue under DATA_DIR is asked first: a download of the same inputs that completed (even one Temporal has
forgotten) is "existing" too, and no EAS job is made.
Inputs are checked before anything starts (GSTIN_CHECKSUM=off skips the GSTIN check character).

  einvoice  --gstin G --period MMYYYY [--supply-type ${SUPPLY_TYPES.join('|')}] (default B2B)
            --supplier-gstin G and/or --recipient-gstin G
  ims       --gstin G --section ${IMS_SECTIONS.join('|')} [--status ${IMS_STATUSES.join('|')}]
  gstr2b    --gstin G --period MMYYYY
  irn       --gstin G --irn IRN [--irn IRN …]   (or a comma list)

  --follow            show live progress until the download ends (exit 0 done, 1 failed)
  --refresh           download again even if it was done (GSTR-2B: a new generation is kept beside the old;
                      the same generation writes nothing)
  --json              machine output (with --follow: one JSON object per line)
  --interval MS       progress refresh with --follow (default 1000)
  --task-queue Q      default TEMPORAL_TASK_QUEUE or ${TASK_QUEUE_DEFAULT}
  --workflow-id ID    instead of the deterministic id (backfills, tests)
  --address, --namespace   Temporal (default TEMPORAL_ADDRESS or 127.0.0.1:7233, TEMPORAL_NAMESPACE or default)

Example: gst-download start ims --gstin 29HJKPS9689A8Z4 --section B2B --follow`;

/** The run a start created (absent when the download already existed). */
function runIdOf(handle: object): string | undefined {
  return 'firstExecutionRunId' in handle ? String(handle.firstExecutionRunId) : undefined;
}

export async function startCommand(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, START_FLAGS, 'start');
  if (p.help) {
    io.out(startHelp);
    return 0;
  }
  const [kindName] = positionals(p, ['kind'], 'start');
  const kind = KINDS[kindName!];
  if (!kind) throw new UsageError(`start: unknown kind "${kindName}" (one of ${Object.keys(KINDS).join(', ')})`);
  const inputFlags = new Set(Object.values(KINDS).flatMap((k) => k.flags));
  for (const name of Object.keys(p.flags)) {
    if (inputFlags.has(name) && !kind.flags.includes(name)) throw new UsageError(`start ${kindName}: --${name} is not an input of ${kindName}`);
  }
  const input = kind.input(p);
  for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k];

  // The same checks client/start.ts makes, first: a bad input never needs (or waits for) the server.
  const now = new Date();
  const gstinChecksum = (io.env.GSTIN_CHECKSUM ?? 'strict').toLowerCase() === 'off' ? 'off' : 'strict';
  kind.validate(input, { gstinChecksum, now });

  const taskQueue = str(p, 'task-queue') ?? io.env.TEMPORAL_TASK_QUEUE ?? TASK_QUEUE_DEFAULT;
  // Loaded only now: the Temporal client takes a good part of a second to load, which a bad input need not wait for.
  const [{ connect }, library, { follow }] = await Promise.all([import('./connect'), import('../start'), import('./follow')]);
  const conn = await connect(p, io.env);
  try {
    const startFn = library[kind.start] as (c: typeof conn.client, i: unknown, o: StartOptions) => Promise<Started<Workflow>>;
    const { catalogueFromEnv } = await import('../catalogue');
    const started = await startFn(conn.client, input, {
      taskQueue,
      gstinChecksum,
      now,
      workflowId: str(p, 'workflow-id'),
      catalogue: catalogueFromEnv(io.env),
      refresh: bool(p, 'refresh'),
    });
    const { workflowId, existing } = started;
    const c = started.catalogued;
    if (c) {
      if (bool(p, 'json')) io.out(JSON.stringify({ event: 'started', workflowId, existing: true, catalogued: c, type: kind.type, taskQueue }));
      else {
        io.out(`existing ${workflowId} (catalogued ${c.fetchedAt}: ${c.outcome}, ${c.records} records${c.gendt ? `, gendt ${c.gendt}` : ''}): already downloaded; nothing new started (--refresh downloads again)`);
        io.out(`manifest: ${c.manifest}`);
      }
      return 0;
    }
    let status = 'RUNNING';
    if (existing) status = (await conn.client.workflow.getHandle(workflowId).describe()).status.name;
    if (bool(p, 'json')) {
      io.out(JSON.stringify({ event: 'started', workflowId, runId: runIdOf(started.handle), existing, status, type: kind.type, taskQueue }));
    } else if (existing) {
      io.out(`existing ${workflowId} (${status}): this download was already started; nothing new started`);
    } else {
      io.out(`started ${workflowId} (${kind.type} on task queue ${taskQueue})`);
    }
    if (bool(p, 'follow')) return await follow(conn.client, workflowId, followOptions(p, 'start'), io);
    if (!bool(p, 'json')) io.out(`follow it: gst-download follow ${workflowId}`);
    return 0;
  } finally {
    await conn.close();
  }
}
