// History's facet snapshot (history-facets.ts) read on a worker thread with its own read-only connection. At
// 100,000 runs the read takes 0.5–0.7 s; on the main thread it held up every call, every thumbnail and (in the
// desktop app) the window while the first History view waited for its counts. Bundled as
// dist-electron/snapshot-worker.mjs; snapshot-aside.ts starts one per read, and it exits once it has answered.
import { parentPort, workerData } from 'node:worker_threads';
import { closeDatabase, openDatabase } from './db';
import { type FacetSnapshot, readSnapshot } from './history-facets';

export interface SnapshotWorkerData {
  /** The library's database file. */
  file: string;
}

export type SnapshotWorkerReply = { ok: true; snapshot: FacetSnapshot } | { ok: false; message: string };

/** Every typed array's buffer, so the arrays move to the main thread instead of being copied. */
export function snapshotBuffers(snapshot: FacetSnapshot): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const visit = (value: unknown) => {
    if (ArrayBuffer.isView(value)) {
      if (value.buffer instanceof ArrayBuffer) buffers.add(value.buffer);
    } else if (
      value !== null &&
      typeof value === 'object' &&
      !(value instanceof Map) &&
      !Array.isArray(value)
    ) {
      for (const inner of Object.values(value)) visit(inner);
    }
  };
  visit(snapshot);
  return [...buffers];
}

function read(file: string): SnapshotWorkerReply {
  const db = openDatabase(file, { readonly: true });
  try {
    // One read transaction: every table as of the same commit.
    return { ok: true, snapshot: db.transaction(() => readSnapshot(db))() };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  } finally {
    closeDatabase(db);
  }
}

if (parentPort) {
  const { file } = workerData as SnapshotWorkerData;
  let reply: SnapshotWorkerReply;
  try {
    reply = read(file);
  } catch (error) {
    // The database could not be opened (moved, locked, a newer schema): the main thread reads it itself.
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort.postMessage(reply, reply.ok ? snapshotBuffers(reply.snapshot) : []);
}
