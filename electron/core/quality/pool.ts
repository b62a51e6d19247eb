import { Worker } from 'node:worker_threads';
import { AppError, type AppErrorShape } from '../../../shared/result';
import type { ImageFacts, MeasureWants } from './measure';

/** Measures the image file at an absolute path. */
export type MeasureFile = (path: string, wants: MeasureWants) => Promise<ImageFacts>;

export interface WorkerData {
  /** The module exporting `createQualityModels` (a file URL or path); null: no models. */
  modelsModule: string | null;
}
export interface WorkerTask {
  id: number;
  path: string;
  wants: MeasureWants;
}
export type WorkerReply =
  | { id: number; ok: true; facts: ImageFacts }
  | { id: number; ok: false; error: AppErrorShape };

export interface WorkerPool {
  measure: MeasureFile;
  /** Tasks waiting for a worker. */
  readonly waiting: number;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  task: (WorkerTask & { resolve: (f: ImageFacts) => void; reject: (e: Error) => void }) | null;
}

/**
 * A bounded pool of worker threads running `script`: at most `size` images are measured at once, the rest
 * wait in order. A worker that dies fails its task and is replaced. Workers start on first use.
 */
export function createWorkerPool(options: {
  script: URL | string;
  size: number;
  data: WorkerData;
  /** Extra Node flags for the workers (tests load TypeScript with `--import tsx`). */
  execArgv?: string[];
}): WorkerPool {
  const slots: Slot[] = [];
  const queue: Array<NonNullable<Slot['task']>> = [];
  let nextId = 1;
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(options.script, {
      workerData: options.data,
      ...(options.execArgv ? { execArgv: options.execArgv } : {}),
    });
    worker.unref();
    const slot: Slot = { worker, task: null };
    worker.on('message', (reply: WorkerReply) => {
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      slot.task = null;
      if (reply.ok) task.resolve(reply.facts);
      else task.reject(new AppError(reply.error.code, reply.error.message, { details: reply.error.details }));
      pump();
    });
    const lost = (error: Error) => {
      const task = slot.task;
      slot.task = null;
      slots.splice(slots.indexOf(slot), 1);
      task?.reject(new AppError('internal', `The quality worker stopped: ${error.message}`));
      if (!closed) pump();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => {
      if (slots.includes(slot)) lost(new Error(`exit code ${code}`));
    });
    slots.push(slot);
    return slot;
  }

  function pump() {
    while (queue.length > 0 && !closed) {
      let slot = slots.find((s) => s.task === null);
      if (!slot && slots.length < options.size) slot = spawn();
      if (!slot) return;
      const task = queue.shift()!;
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage({ id: task.id, path: task.path, wants: task.wants } satisfies WorkerTask);
    }
    for (const s of slots) if (s.task === null) s.worker.unref();
  }

  return {
    measure(path, wants) {
      if (closed) return Promise.reject(new AppError('cancelled', 'The quality gate is closing'));
      return new Promise<ImageFacts>((resolve, reject) => {
        queue.push({ id: nextId++, path, wants, resolve, reject });
        pump();
      });
    },
    get waiting() {
      return queue.length;
    },
    async close() {
      closed = true;
      for (const task of queue.splice(0))
        task.reject(new AppError('cancelled', 'The quality gate is closing'));
      await Promise.all(
        slots.splice(0).map(async (slot) => {
          slot.task?.reject(new AppError('cancelled', 'The quality gate is closing'));
          await slot.worker.terminate();
        }),
      );
    },
  };
}
