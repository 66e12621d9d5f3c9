/**
 * Workflow interceptors of this worker (runs inside the workflow sandbox: bundled into dist/workflow-bundle.js,
 * or into the bundle made at startup from source). Counts each download's end by outcome; a run that continues
 * as new has not ended, so only the last run of a chain is counted.
 */
import { ContinueAsNew, isCancellation, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { recordDownloadEnd } from '../workflows/metrics';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        try {
          const result = await next(input);
          recordDownloadEnd('completed');
          return result;
        } catch (e) {
          if (!(e instanceof ContinueAsNew)) recordDownloadEnd(isCancellation(e) ? 'cancelled' : 'failed');
          throw e;
        }
      },
    },
  ],
});
