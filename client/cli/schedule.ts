/**
 * `gst-download schedule <create|list|describe|pause|unpause|trigger|backfill|delete> …`: the monthly sync
 * schedules (client/schedules.ts). Prints through `out`; bad input throws an Error with a one-line message.
 */
import type { Client } from '@temporalio/client';
import { ScheduleAlreadyRunning } from '@temporalio/client';
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../../domain/inputs';
import {
  backfillSyncSchedule,
  createSyncSchedule,
  deleteSyncSchedule,
  describeSyncSchedule,
  listSyncSchedules,
  pauseSyncSchedule,
  triggerSyncSchedule,
  unpauseSyncSchedule,
  type SyncScheduleInfo,
} from '../schedules';
import type { SyncInput } from '../../domain/sync-input';

export const SCHEDULE_USAGE = [
  'gst-download schedule create --gstin G [--gstin G2 | --gstin G1,G2] | --gstin-list lists/fleet.txt [--kinds gstr2b,einvoice,ims] [--supply-type B2B]',
  '                             [--einvoice-as recipient|supplier|both] [--ims-sections B2B,…] [--day-of-month 15]',
  '                             [--time 06:00] [--jitter 30m] [--id ID] [--note TEXT] [--task-queue Q] [--paused] [--json]',
  'gst-download schedule list [--json]',
  'gst-download schedule describe|trigger|delete --id ID [--json]',
  'gst-download schedule pause|unpause --id ID [--note TEXT]',
  'gst-download schedule backfill --id ID --from MMYYYY --to MMYYYY [--json]',
].join('\n');

const OPTIONS = {
  gstin: { type: 'string', multiple: true },
  'gstin-list': { type: 'string' },
  kinds: { type: 'string' },
  'supply-type': { type: 'string' },
  'einvoice-as': { type: 'string' },
  'ims-sections': { type: 'string' },
  'day-of-month': { type: 'string' },
  time: { type: 'string' },
  jitter: { type: 'string' },
  id: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  note: { type: 'string' },
  'task-queue': { type: 'string' },
  concurrency: { type: 'string' },
  paused: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  // connection flags belong to the CLI frame (it connects before calling us); accepted here so argv can pass through
  address: { type: 'string' },
  namespace: { type: 'string' },
} as const;

const FRAME_FLAGS = ['help', 'address', 'namespace'];

const ALLOWED: Record<string, string[]> = {
  create: ['gstin', 'gstin-list', 'kinds', 'supply-type', 'einvoice-as', 'ims-sections', 'day-of-month', 'time', 'jitter', 'id', 'note', 'task-queue', 'concurrency', 'paused', 'json'],
  list: ['json'],
  describe: ['id', 'json'],
  pause: ['id', 'note', 'json'],
  unpause: ['id', 'note', 'json'],
  trigger: ['id', 'json'],
  backfill: ['id', 'from', 'to', 'json'],
  delete: ['id', 'json'],
};

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new Error(`schedule: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** `--id X` or a single positional after the subcommand. */
function scheduleId(sub: string, values: Values, rest: string[]): string {
  const id = values.id ?? rest[0];
  if (!id) throw new Error(`schedule ${sub}: --id is required (see gst-download schedule list)`);
  return id;
}

function describeLines(i: SyncScheduleInfo): string[] {
  const lines = [
    `schedule ${i.scheduleId}${i.paused ? ' (PAUSED)' : ''}: ${i.when}`,
    `  syncs: ${i.input ? `${i.input.kinds.join(', ')} for ${i.input.gstinsRef ? `the GSTINs listed in ${i.input.gstinsRef}` : i.input.gstins.join(', ')}` : '?'} on task queue ${i.taskQueue ?? '?'}`,
  ];
  if (i.description) lines.push(`  description: ${i.description}`);
  if (i.note) lines.push(`  note: ${i.note}`);
  lines.push(`  policies: overlap ${i.overlap}, catch-up window ${Math.round((i.catchupWindowMs ?? 0) / 3_600_000)} h, jitter ${Math.round(i.jitterMs / 60_000)} min; ${i.actionsTaken ?? 0} runs so far`);
  for (const n of i.nextRuns.slice(0, 3)) lines.push(`  next: ${n.at} → period ${n.retPeriod}`);
  for (const r of i.recent) lines.push(`  ran:  ${r.scheduledAt} → period ${r.retPeriod}: ${r.workflowId}`);
  for (const w of i.running) lines.push(`  running: ${w}`);
  return lines;
}

/** `env`: the CLI's environment (with npm start's settings under it), for the task queue and GSTIN check. */
export async function scheduleCommand(client: Client, argv: string[], out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const [sub, ...tail] = argv;
  if (!sub || sub === 'help' || sub === '--help' || sub === '-h') {
    SCHEDULE_USAGE.split('\n').forEach((l) => out(l));
    return;
  }
  if (!ALLOWED[sub]) throw new Error(`schedule: unknown subcommand "${sub}" (expected ${Object.keys(ALLOWED).join(', ')})`);
  const { values, positionals } = parse(tail);
  if (values.help) {
    SCHEDULE_USAGE.split('\n').filter((l) => l.includes(` ${sub}`) || l.includes(`|${sub}`)).forEach((l) => out(l));
    return;
  }
  for (const [k, v] of Object.entries(values)) {
    if (v !== undefined && !FRAME_FLAGS.includes(k) && !ALLOWED[sub]!.includes(k)) throw new Error(`schedule ${sub}: --${k} does not apply here`);
  }
  const json = values.json === true;
  const emit = (obj: unknown, lines: string[]) => (json ? out(JSON.stringify(obj)) : lines.forEach((l) => out(l)));
  try {
    switch (sub) {
      case 'create': {
        if (positionals.length) throw new Error(`schedule create: unexpected "${positionals[0]}"`);
        const input: SyncInput & Record<string, unknown> = { gstins: (values.gstin ?? []).flatMap((g) => g.split(',')) };
        if (values['gstin-list'] !== undefined) input.gstinsRef = values['gstin-list'];
        if (values.kinds !== undefined) input.kinds = values.kinds.split(',') as SyncInput['kinds'];
        if (values['supply-type'] !== undefined) input.supplyType = values['supply-type'] as SyncInput['supplyType'];
        if (values['einvoice-as'] !== undefined) input.einvoiceAs = values['einvoice-as'] as SyncInput['einvoiceAs'];
        if (values['ims-sections'] !== undefined) input.imsSections = values['ims-sections'].split(',') as SyncInput['imsSections'];
        if (values.concurrency !== undefined) input.concurrency = /^[0-9]+$/.test(values.concurrency) ? Number(values.concurrency) : (values.concurrency as unknown as number);
        const created = await createSyncSchedule(client, input, {
          scheduleId: values.id,
          taskQueue: values['task-queue'] ?? env.TEMPORAL_TASK_QUEUE,
          gstinChecksum: (env.GSTIN_CHECKSUM ?? 'strict').toLowerCase() === 'off' ? 'off' : 'strict',
          dayOfMonth: values['day-of-month'],
          time: values.time,
          jitter: values.jitter,
          note: values.note,
          paused: values.paused,
        });
        const d = await describeSyncSchedule(client, created.scheduleId);
        emit(d, [`created ${created.scheduleId}: ${created.when}`, ...describeLines(d).slice(1)]);
        return;
      }
      case 'list': {
        const all = await listSyncSchedules(client);
        emit(all, all.length ? all.map((s) => `${s.scheduleId}${s.paused ? ' (PAUSED)' : ''}  next ${s.nextRun ?? '-'}${s.note ? `  note: ${s.note}` : ''}`) : ['no sync schedules']);
        return;
      }
      case 'describe': {
        const d = await describeSyncSchedule(client, scheduleId(sub, values, positionals));
        emit(d, describeLines(d));
        return;
      }
      case 'pause':
      case 'unpause': {
        const id = scheduleId(sub, values, positionals);
        await (sub === 'pause' ? pauseSyncSchedule : unpauseSyncSchedule)(client, id, values.note);
        emit({ scheduleId: id, paused: sub === 'pause' }, [`${sub}d ${id}${values.note ? `: ${values.note}` : ''}`]);
        return;
      }
      case 'trigger': {
        const id = scheduleId(sub, values, positionals);
        const { retPeriod } = await triggerSyncSchedule(client, id);
        emit({ scheduleId: id, triggered: true, retPeriod }, [`triggered ${id}: a sync of period ${retPeriod} starts now (or after the one running)`]);
        return;
      }
      case 'backfill': {
        const id = scheduleId(sub, values, positionals);
        if (!values.from || !values.to) throw new Error('schedule backfill: --from and --to (MMYYYY) are required');
        const plan = await backfillSyncSchedule(client, id, values.from, values.to);
        emit({ scheduleId: id, periods: plan.periods, start: plan.start.toISOString(), end: plan.end.toISOString() }, [
          `backfilling ${id}: ${plan.periods.length} sync(s), periods ${plan.periods.join(', ')} (scheduled times ${plan.start.toISOString()} … ${plan.end.toISOString()}), one after another`,
        ]);
        return;
      }
      case 'delete': {
        const id = scheduleId(sub, values, positionals);
        await deleteSyncSchedule(client, id);
        emit({ scheduleId: id, deleted: true }, [`deleted ${id} (syncs it started keep running)`]);
        return;
      }
    }
  } catch (e) {
    if (e instanceof InvalidInputError) throw new Error(`schedule ${sub}: ${flagName(e.field)}: ${e.message.slice(e.field.length + 2)}`);
    if (e instanceof ScheduleAlreadyRunning) throw new Error(`schedule ${sub}: a schedule "${e.scheduleId}" already exists (describe it, or pass --id for another)`);
    throw e;
  }
}

/** The CLI spelling of an input field in an error (gstins[1] → --gstin #2). */
function flagName(field: string): string {
  const m = /^gstins\[(\d+)\]$/.exec(field);
  if (m) return `--gstin #${Number(m[1]) + 1}`;
  const map: Record<string, string> = {
    gstins: '--gstin',
    gstinsRef: '--gstin-list',
    kinds: '--kinds',
    supplyType: '--supply-type',
    einvoiceAs: '--einvoice-as',
    imsSections: '--ims-sections',
    concurrency: '--concurrency',
    dayOfMonth: '--day-of-month',
    time: '--time',
    jitter: '--jitter',
    scheduleId: '--id',
    from: '--from',
    to: '--to',
    retPeriod: '--from/--to',
  };
  return map[field] ?? field;
}
