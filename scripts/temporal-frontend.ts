/**
 * What we ask of a running Temporal frontend, whoever started it (the dev server, the cluster, TEMPORAL_ADDRESS):
 * does it answer, and are our search attributes registered.
 */
import { Connection, type TLSConfig } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { cliTypeName, SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/** Connects (getSystemInfo) and describes the namespace within `timeoutMs`; throws if either fails. */
export async function checkFrontend(address: string, namespace: string, timeoutMs = 5_000, tls?: TLSConfig): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: timeoutMs, ...(tls && { tls }) });
  try {
    await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.describeNamespace({ namespace }));
  } finally {
    await connection.close();
  }
}

/** temporal.api.enums.v1.IndexedValueType, by SearchAttributeType. */
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

/**
 * Registers every custom search attribute of workflows/search-attributes.ts in `namespace` that is not there yet.
 * Attributes that already exist are left alone (and an already-exists race is ignored); an existing attribute with
 * a different type is an error. Returns the names it added.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = existing.customAttributes ?? {};
  const missing: Record<string, number> = {};
  for (const key of SEARCH_ATTRIBUTES) {
    const want = INDEXED_VALUE_TYPE[key.type];
    const have = custom[key.name];
    if (have === undefined || have === null) missing[key.name] = want;
    else if (Number(have) !== want) {
      throw new Error(
        `search attribute ${key.name} exists in namespace ${namespace} with another type (${have}); expected ${key.type}`,
      );
    }
  }
  const names = Object.keys(missing);
  if (names.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (err) {
    if ((err as { code?: number }).code !== 6 /* ALREADY_EXISTS */) throw err;
  }
  return names;
}

/** `--search-attribute Name=Type` for every attribute in workflows/search-attributes.ts (`temporal server start-dev`). */
export function searchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeName(key.type)}`]);
}

/** The `temporal operator search-attribute create` line for an operator, e.g. for Temporal Cloud docs. */
export function searchAttributeCreateCommand(namespace: string): string {
  const flags = SEARCH_ATTRIBUTES.map((k) => `--name ${k.name} --type ${cliTypeName(k.type)}`).join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${flags}`;
}
