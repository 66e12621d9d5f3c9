/** The client library: start downloads by typed functions; the same download asked twice runs once. */
export { startEinvoiceDownload, startGstr2bDownload, startImsDownload, startIrnDetails, type StartOptions, type Started } from './start';
export { workflowIds } from './ids';
export {
  createSyncSchedule,
  listSyncSchedules,
  describeSyncSchedule,
  pauseSyncSchedule,
  unpauseSyncSchedule,
  triggerSyncSchedule,
  backfillSyncSchedule,
  deleteSyncSchedule,
  syncScheduleId,
  type SyncScheduleOptions,
  type SyncScheduleInfo,
} from './schedules';
export { previousPeriodIst, type SyncInput, type SyncResult } from '../workflows/sync';
export { InvalidInputError } from '../eas/validation';
