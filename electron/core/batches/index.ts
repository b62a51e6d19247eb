export { batchKind, countItems, expandCoords, itemRequest } from './expand';
export { createBatchHandlers } from './handlers';
export { type BatchDeps, type BatchService, createBatchService } from './service';
