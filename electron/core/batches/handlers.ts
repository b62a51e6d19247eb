import type { batchCalls } from '../../../shared/batches-contract';
import type { HandlerTable } from '../api/invoke';
import type { BatchService } from './service';

/** Batches: their part of the handler table; api/handlers.ts spreads it in. */
export function createBatchHandlers(batches: BatchService): Pick<HandlerTable, keyof typeof batchCalls> {
  return {
    'batches.estimate': async (spec) => batches.estimate(spec),
    'batches.create': async (spec) => ({ batchId: batches.create(spec) }),
    'batches.list': async () => ({ batches: batches.list() }),
    'batches.get': async ({ batchId }) => batches.get(batchId),
    'batches.pause': async ({ batchId }) => batches.pause(batchId),
    'batches.resume': async ({ batchId }) => batches.resume(batchId),
    'batches.cancel': async ({ batchId }) => batches.cancel(batchId),
    'batches.retry': async ({ batchId, indexes }) => batches.retry(batchId, indexes),
    'batches.getSettings': async () => batches.settings(),
    'batches.setSettings': async (settings) => batches.setSettings(settings),
  };
}
