// The quality gate's worker thread: decodes and measures one image per message (stats, perceptual hash, and
// the NSFW and OCR models when asked), so the main thread never stalls. Bundled as dist-electron/quality-worker.mjs.
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { AppError } from '../../../shared/result';
import { createMeasure, modelsFromModule, unavailableModels } from './measure';
import type { WorkerData, WorkerReply, WorkerTask } from './pool';

const data = workerData as WorkerData;
// Checks run behind ingest: one libvips thread here leaves the other cores to ingest and the UI.
sharp.concurrency(1);
const models = data.modelsModule
  ? modelsFromModule(data.modelsModule, { threads: 1 })
  : unavailableModels('no model module is configured');
const measure = createMeasure(models);

parentPort?.on('message', (message: WorkerTask) => {
  readFile(message.path)
    .then((image) => measure(image, message.wants))
    .then(
      (facts) => parentPort?.postMessage({ id: message.id, ok: true, facts } satisfies WorkerReply),
      (error: unknown) => {
        const shape =
          error instanceof AppError
            ? error.toShape()
            : { code: 'internal' as const, message: error instanceof Error ? error.message : String(error) };
        parentPort?.postMessage({ id: message.id, ok: false, error: shape } satisfies WorkerReply);
      },
    );
});
