/**
 * The catalogue for the client library and the CLI: what was downloaded, read from the store (DATA_DIR) without
 * Temporal. `start…` functions given a catalogue return a completed download of the same inputs as existing,
 * without starting anything (so no new EAS job), unless `refresh` is asked.
 */
import { Catalogue, type CatalogueEntry } from '../store/catalogue';
import { FileStore } from '../store/file-store';

export { Catalogue, type CatalogueEntry, type CatalogueFilter } from '../store/catalogue';

/** The catalogue kept with the file store under DATA_DIR (default ./data), as the worker writes it. */
export function catalogueFromEnv(env: NodeJS.ProcessEnv = process.env): Catalogue {
  return new Catalogue(new FileStore(env.DATA_DIR ?? './data'));
}

/** Whether a catalogued download answers a new start of the same inputs (not-generated means: ask again). */
export function answersStart(e: CatalogueEntry | undefined): e is CatalogueEntry {
  return e !== undefined && e.outcome !== 'not-generated';
}
