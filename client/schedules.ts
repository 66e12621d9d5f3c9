/**
 * The monthly sync as a Temporal Schedule: create, list, describe, pause/unpause, trigger, backfill, delete.
 * Each action starts `syncReturnPeriod` WITHOUT a period; the workflow syncs the month before its scheduled time
 * (in India), so catch-up, trigger and backfill runs all sync the right month. See docs/schedules.md.
 */
import {
  Client,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleSummary,
} from '@temporalio/client';
import { InvalidInputError, validateReturnPeriod } from '../domain/inputs';
import { validationOptions } from './start';
import { unitHash } from '../domain/hash';
import { TASK_QUEUE_DEFAULT } from '../domain/config';
import { GstDownloadKind } from '../workflows/search-attributes';
import { monthAfterIst, periodsBetween, previousPeriodIst } from '../domain/periods';
import { validateSyncInput, type SyncInput, type SyncPlan } from '../domain/sync-input';

export const SYNC_WORKFLOW_TYPE = 'syncReturnPeriod';
export const SYNC_TIMEZONE = 'Asia/Kolkata';
/** GSTR-2B for a month is generated on the 14th of the next; the 15th leaves a day's margin. */
export const DEFAULT_DAY_OF_MONTH = 15;
export const DEFAULT_TIME = '06:00';
/** A missed run (server down) is still taken if the server is back within this long. */
export const CATCHUP_WINDOW = '7 days';
/**
 * Each run starts at a random moment up to this long after its calendar time (the server draws it, per run), so a
 * fleet of schedules created with the same day and time does not hit EAS and GSTN in the same minute.
 */
export const DEFAULT_JITTER = '30 minutes';
/** At most this much jitter: a run stays on its day, well before the month ends. */
export const MAX_JITTER_MINUTES = 6 * 60;
/** Scheduled runs and triggers: at most one sync running, at most one waiting behind it (no month is dropped). */
export const SCHEDULE_OVERLAP = ScheduleOverlapPolicy.BUFFER_ONE;
/** Backfills: every backfilled month runs, one after another. */
export const BACKFILL_OVERLAP = ScheduleOverlapPolicy.BUFFER_ALL;

export interface SyncScheduleOptions {
  /** Default: derived from the GSTIN set (syncScheduleId). */
  scheduleId?: string;
  taskQueue?: string;
  /** 1–28 (every month has it). Default 15. */
  dayOfMonth?: number | string;
  /** HH:MM in India. Default 06:00. */
  time?: string;
  /** Runs start up to this long after their time: '45m', '2h', '30 minutes', '0' (none). Default 30 minutes, at most 6 h. */
  jitter?: string;
  note?: string;
  paused?: boolean;
  gstinChecksum?: 'strict' | 'off';
  now?: Date;
}

export interface SyncScheduleInfo {
  scheduleId: string;
  paused: boolean;
  note?: string;
  /** The note given at creation (kept in the memo; `note` is overwritten by pause/unpause). */
  description?: string;
  input?: Omit<SyncPlan, 'retPeriod'>;
  taskQueue?: string;
  /** e.g. "day 15 at 06:00 Asia/Kolkata" */
  when: string;
  /** Each run starts up to this many ms after its time (server-side jitter; 0 = none). */
  jitterMs: number;
  overlap?: string;
  catchupWindowMs?: number;
  nextRuns: Array<{ at: string; retPeriod: string }>;
  recent: Array<{ scheduledAt: string; takenAt: string; workflowId: string; retPeriod: string }>;
  running: string[];
  actionsTaken?: number;
}

/** The default schedule id of a GSTIN set: the same set (in any order) always gets the same id. */
export function syncScheduleId(gstins: string[]): string {
  const sorted = [...new Set(gstins.map((g) => g.trim().toUpperCase()))].sort();
  if (sorted.length === 1) return `gst-sync-${sorted[0]}`;
  const h = Math.floor(unitHash(sorted.join(',')) * 0x100000000).toString(16).padStart(8, '0');
  return `gst-sync-${sorted[0]}-and-${sorted.length - 1}-${h}`;
}

/** The default schedule id of a sync over a list in the store: named after the list. */
export function listScheduleId(ref: string): string {
  return `gst-sync-list-${ref.replace(/[^A-Za-z0-9._-]+/g, '-')}`.slice(0, 200);
}

const SCHEDULE_ID_FORMAT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

function checkScheduleId(id: unknown): string {
  if (typeof id !== 'string' || !SCHEDULE_ID_FORMAT.test(id)) {
    throw new InvalidInputError('scheduleId', `"${String(id)}" is not a schedule id (letters, digits, . _ -; at most 200)`);
  }
  return id;
}

/** HH:MM → hour and minute. */
export function parseTime(value: unknown): { hour: number; minute: number } {
  const m = typeof value === 'string' ? /^([01]?[0-9]|2[0-3]):([0-5][0-9])$/.exec(value.trim()) : null;
  if (!m) throw new InvalidInputError('time', `"${String(value)}" is not a time of day HH:MM (00:00-23:59, India time)`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** '30m', '2h', '45 minutes', '1 hour', '0' → minutes (0 to MAX_JITTER_MINUTES). */
export function parseJitter(value: unknown): number {
  const m = typeof value === 'string' ? /^\s*([0-9]+)\s*(m|min|mins|minutes?|h|hours?)?\s*$/i.exec(value) : null;
  const minutes = m ? Number(m[1]) * (m[2] && m[2].toLowerCase().startsWith('h') ? 60 : 1) : NaN;
  if (!m || (Number(m[1]) > 0 && !m[2]) || !(minutes >= 0 && minutes <= MAX_JITTER_MINUTES)) {
    throw new InvalidInputError('jitter', `"${String(value)}" is not a jitter from 0 to 6h (e.g. 30m, 2h, 0 for none)`);
  }
  return minutes;
}

export function checkDayOfMonth(value: unknown): number {
  const n = typeof value === 'string' && /^[0-9]+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 28) {
    throw new InvalidInputError('dayOfMonth', `"${String(value)}" is not a day of the month from 1 to 28 (every month has it)`);
  }
  return n;
}

/** Creates the monthly sync schedule. Throws InvalidInputError on bad input, ScheduleAlreadyRunning if the id exists. */
export async function createSyncSchedule(client: Client, input: SyncInput, o: SyncScheduleOptions = {}) {
  if (typeof input === 'object' && input && 'retPeriod' in input && input.retPeriod) {
    throw new InvalidInputError('retPeriod', 'a schedule syncs the month before each run; for one period start syncReturnPeriod or use backfill');
  }
  const plan = validateSyncInput(input, validationOptions(o));
  const { retPeriod: _none, ...args } = plan;
  const dayOfMonth = checkDayOfMonth(o.dayOfMonth ?? DEFAULT_DAY_OF_MONTH);
  const { hour, minute } = parseTime(o.time ?? DEFAULT_TIME);
  const jitterMinutes = parseJitter(o.jitter ?? DEFAULT_JITTER);
  // the jittered start must stay in the month the calendar says (day 28 at 23:00 + 2 h would be March 2 in February)
  if (hour * 60 + minute + jitterMinutes >= 24 * 60) {
    throw new InvalidInputError('jitter', `${o.jitter ?? DEFAULT_JITTER} after ${o.time ?? DEFAULT_TIME} runs into the next day; start earlier or jitter less`);
  }
  const scheduleId = checkScheduleId(o.scheduleId ?? (plan.gstinsRef ? listScheduleId(plan.gstinsRef) : syncScheduleId(plan.gstins)));
  const taskQueue = o.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? TASK_QUEUE_DEFAULT;
  const handle = await client.schedule.create({
    scheduleId,
    spec: {
      calendars: [{ dayOfMonth, hour, minute, comment: 'monthly GST sync' }],
      timezone: SYNC_TIMEZONE,
      ...(jitterMinutes > 0 && { jitter: jitterMinutes * 60_000 }),
    },
    action: {
      type: 'startWorkflow',
      workflowType: SYNC_WORKFLOW_TYPE,
      // the server appends the scheduled time: <scheduleId>-2026-11-15T00:30:00Z
      workflowId: scheduleId,
      taskQueue,
      args: [args],
      typedSearchAttributes: [{ key: GstDownloadKind, value: 'sync' }],
    },
    policies: { overlap: SCHEDULE_OVERLAP, catchupWindow: CATCHUP_WINDOW, pauseOnFailure: false },
    memo: { kind: 'gst-sync', ...(o.note ? { note: o.note } : {}) },
    state: { paused: o.paused ?? false, ...(o.note ? { note: o.note } : {}) },
  });
  return { scheduleId, handle, input: args, when: whenText(dayOfMonth, hour, minute), jitterMs: jitterMinutes * 60_000 };
}

function whenText(day: number | string, hour: number | string, minute: number | string): string {
  const pad = (n: number | string) => String(n).padStart(2, '0');
  return `day ${day} of each month at ${pad(hour)}:${pad(minute)} ${SYNC_TIMEZONE}`;
}

/** A handle to an existing sync schedule; a schedule that is missing or not a sync is an InvalidInputError. */
async function syncHandle(client: Client, scheduleId: string): Promise<{ handle: ScheduleHandle; d: ScheduleDescription }> {
  const handle = client.schedule.getHandle(checkScheduleId(scheduleId));
  let d: ScheduleDescription;
  try {
    d = await handle.describe();
  } catch (e) {
    if (e instanceof ScheduleNotFoundError) throw new InvalidInputError('scheduleId', `no schedule "${scheduleId}"`);
    throw e;
  }
  if (d.action.type !== 'startWorkflow' || d.action.workflowType !== SYNC_WORKFLOW_TYPE) {
    throw new InvalidInputError('scheduleId', `schedule "${scheduleId}" does not run ${SYNC_WORKFLOW_TYPE}`);
  }
  return { handle, d };
}

/** Day, hour and minute of the schedule's (first) calendar, as created by createSyncSchedule. */
function calendarShape(d: ScheduleDescription): { dayOfMonth: number; hour: number; minute: number } | undefined {
  const cal = d.spec.calendars?.[0];
  if (!cal) return undefined;
  const first = (r: Array<{ start: number }> | undefined, dflt: number) => r?.[0]?.start ?? dflt;
  return { dayOfMonth: first(cal.dayOfMonth, DEFAULT_DAY_OF_MONTH), hour: first(cal.hour, 0), minute: first(cal.minute, 0) };
}

function info(d: ScheduleDescription): SyncScheduleInfo {
  const shape = calendarShape(d);
  const jitterMs = d.spec.jitter ?? 0;
  const when = shape ? whenText(shape.dayOfMonth, shape.hour, shape.minute) : 'custom spec';
  const action = d.action.type === 'startWorkflow' ? d.action : undefined;
  return {
    scheduleId: d.scheduleId,
    paused: d.state.paused,
    ...(d.state.note ? { note: d.state.note } : {}),
    ...(typeof d.memo?.note === 'string' ? { description: d.memo.note } : {}),
    ...(action?.args?.[0] ? { input: action.args[0] as Omit<SyncPlan, 'retPeriod'> } : {}),
    ...(action ? { taskQueue: action.taskQueue } : {}),
    when,
    jitterMs,
    overlap: d.policies.overlap,
    catchupWindowMs: d.policies.catchupWindow,
    nextRuns: d.info.nextActionTimes.map((t) => ({ at: t.toISOString(), retPeriod: previousPeriodIst(t.getTime()) })),
    recent: d.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
      retPeriod: previousPeriodIst(a.scheduledAt.getTime()),
    })),
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
  };
}

export async function describeSyncSchedule(client: Client, scheduleId: string): Promise<SyncScheduleInfo> {
  return info((await syncHandle(client, scheduleId)).d);
}

export interface SyncScheduleListItem {
  scheduleId: string;
  paused: boolean;
  note?: string;
  gstins?: string[];
  kinds?: string[];
  nextRun?: string;
}

/** Every schedule that runs syncReturnPeriod (listing is eventually consistent: a new one shows within seconds). */
export async function listSyncSchedules(client: Client): Promise<SyncScheduleListItem[]> {
  const out: SyncScheduleListItem[] = [];
  for await (const s of client.schedule.list() as AsyncIterable<ScheduleSummary>) {
    if (s.action?.type !== 'startWorkflow' || s.action.workflowType !== SYNC_WORKFLOW_TYPE) continue;
    out.push({ scheduleId: s.scheduleId, paused: s.state.paused, ...(s.state.note ? { note: s.state.note } : {}), ...(s.info.nextActionTimes[0] ? { nextRun: s.info.nextActionTimes[0].toISOString() } : {}) });
  }
  return out.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

export async function pauseSyncSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  await (await syncHandle(client, scheduleId)).handle.pause(note ?? 'paused via gst-download');
}

export async function unpauseSyncSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  await (await syncHandle(client, scheduleId)).handle.unpause(note ?? 'unpaused via gst-download');
}

/** Runs a sync now (for the month before now, in India); behind a running sync it waits its turn (BUFFER_ONE). */
export async function triggerSyncSchedule(client: Client, scheduleId: string, o: { now?: Date } = {}): Promise<{ retPeriod: string }> {
  await (await syncHandle(client, scheduleId)).handle.trigger(SCHEDULE_OVERLAP);
  return { retPeriod: previousPeriodIst((o.now ?? new Date()).getTime()) };
}

export interface BackfillPlan {
  periods: string[];
  /** The range of scheduled times backfilled: the months after `from` … `to`, in India. */
  start: Date;
  end: Date;
}

/**
 * The backfill range for periods from..to: each period P is synced by the run scheduled in the month after P,
 * so the range spans those months (IST), clamped to now. The run of `to` must already be due.
 */
export function backfillPlan(fromRaw: unknown, toRaw: unknown, schedule: { dayOfMonth: number; hour: number; minute: number }, now: Date): BackfillPlan {
  const from = validateReturnPeriod(fromRaw, 'from', now);
  const to = validateReturnPeriod(toRaw, 'to', now);
  const periods = periodsBetween(from, to);
  if (periods.length === 0) throw new InvalidInputError('to', `${to} is before ${from}`);
  if (periods.length > 120) throw new InvalidInputError('from', `at most 120 periods per backfill (got ${periods.length})`);
  const last = monthAfterIst(to);
  const lastRun = last.startMs + ((schedule.dayOfMonth - 1) * 24 * 60 + schedule.hour * 60 + schedule.minute) * 60_000;
  if (lastRun > now.getTime()) {
    throw new InvalidInputError(
      'to',
      `the run for ${to} is scheduled for ${new Date(lastRun).toISOString()}, which has not come yet; use trigger, or start syncReturnPeriod with retPeriod ${to}`,
    );
  }
  return { periods, start: new Date(monthAfterIst(from).startMs), end: new Date(Math.min(last.endMs, now.getTime())) };
}

/** Starts one sync per period from..to (as if each month's scheduled time were now), one after another. */
export async function backfillSyncSchedule(client: Client, scheduleId: string, from: string, to: string, o: { now?: Date } = {}): Promise<BackfillPlan> {
  const { handle, d } = await syncHandle(client, scheduleId);
  const shape = calendarShape(d) ?? { dayOfMonth: DEFAULT_DAY_OF_MONTH, hour: 0, minute: 0 };
  const plan = backfillPlan(from, to, shape, o.now ?? new Date());
  await handle.backfill({ start: plan.start, end: plan.end, overlap: BACKFILL_OVERLAP });
  return plan;
}

/** Deletes the schedule; syncs it already started keep running. */
export async function deleteSyncSchedule(client: Client, scheduleId: string): Promise<void> {
  await (await syncHandle(client, scheduleId)).handle.delete();
}
