/**
 * The product's custom search attributes: the one list in code. The dev-server provisioning registers these,
 * the workflows upsert them, and docs/operations show the `temporal operator search-attribute create` lines.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const GstGstin = defineSearchAttributeKey('GstGstin', SearchAttributeType.KEYWORD);
export const GstReturnPeriod = defineSearchAttributeKey('GstReturnPeriod', SearchAttributeType.KEYWORD);
export const GstDownloadKind = defineSearchAttributeKey('GstDownloadKind', SearchAttributeType.KEYWORD);
export const GstStage = defineSearchAttributeKey('GstStage', SearchAttributeType.KEYWORD);
/** How the download ended: data, no-data, not-generated, not-applicable (set when it completes). */
export const GstOutcome = defineSearchAttributeKey('GstOutcome', SearchAttributeType.KEYWORD);
export const GstPagesTotal = defineSearchAttributeKey('GstPagesTotal', SearchAttributeType.INT);
export const GstPagesDone = defineSearchAttributeKey('GstPagesDone', SearchAttributeType.INT);

export const SEARCH_ATTRIBUTES = [GstGstin, GstReturnPeriod, GstDownloadKind, GstStage, GstPagesTotal, GstPagesDone, GstOutcome];

/** The CLI's spelling of each type, for `--search-attribute Name=Type` and `operator search-attribute create`. */
export function cliTypeName(type: SearchAttributeType): string {
  switch (type) {
    case SearchAttributeType.KEYWORD:
      return 'Keyword';
    case SearchAttributeType.INT:
      return 'Int';
    case SearchAttributeType.TEXT:
      return 'Text';
    case SearchAttributeType.DOUBLE:
      return 'Double';
    case SearchAttributeType.BOOL:
      return 'Bool';
    case SearchAttributeType.DATETIME:
      return 'Datetime';
    case SearchAttributeType.KEYWORD_LIST:
      return 'KeywordList';
  }
}
