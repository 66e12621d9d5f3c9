/** The client library: start downloads by typed functions; the same download asked twice runs once. */
export { startEinvoiceDownload, startGstr2bDownload, startImsDownload, startIrnDetails, type StartOptions, type Started } from './start';
export { workflowIds } from '../domain/ids';
export { Catalogue, catalogueFromEnv, type CatalogueEntry, type CatalogueFilter } from './catalogue';
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
export { previousPeriodIst } from '../domain/periods';
export type { SyncInput } from '../domain/sync-input';
export type { SyncResult } from '../workflows/sync';
export { InvalidInputError } from '../domain/inputs';
export { connectClient, dataConverterFromEnv, type ConnectedClient } from './connection';
