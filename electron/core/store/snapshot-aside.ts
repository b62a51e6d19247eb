// Reads History's facet snapshot on a worker thread (snapshot-worker.ts), one short-lived thread per read.
import { Worker } from 'node:worker_threads';
import type { FacetSnapshot } from './history-facets';
import type { SnapshotWorkerData, SnapshotWorkerReply } from './snapshot-worker';

export interface SnapshotWorkerOptions {
  /** The worker's script: the bundled dist-electron/snapshot-worker.mjs, or snapshot-worker.ts under tsx. */
  script: URL | string;
  /** Extra Node flags for the worker (tests load TypeScript with `--import tsx`). */
  execArgv?: string[];
}

/** A function that reads the snapshot of the database at `file` on a new worker thread. */
export function snapshotReader(options: SnapshotWorkerOptions, file: string): () => Promise<FacetSnapshot> {
  return () =>
    new Promise<FacetSnapshot>((resolve, reject) => {
      const data: SnapshotWorkerData = { file };
      const worker = new Worker(options.script, {
        workerData: data,
        ...(options.execArgv ? { execArgv: options.execArgv } : {}),
      });
      // A read in flight never keeps the process alive; a closing core does not wait for it.
      worker.unref();
      let answered = false;
      worker.once('message', (reply: SnapshotWorkerReply) => {
        answered = true;
        if (reply.ok) resolve(reply.snapshot);
        else reject(new Error(reply.message));
      });
      worker.once('error', (error) => {
        answered = true;
        reject(error);
      });
      worker.once('exit', (code) => {
        if (!answered) reject(new Error(`The snapshot worker stopped (exit code ${code}) before answering.`));
      });
    });
}
