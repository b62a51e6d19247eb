// The encoder pool: a bounded set of worker threads (piscina) running encode-worker.ts, so exports never
// encode on the main process's thread. Two threads by default: the machine's cores, at most two, because
// sharp already spreads each encode over libuv's threads.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import type { EncodedFile, EncodeTask } from './encode-worker';

export interface EncoderPool {
  encode(task: EncodeTask, signal?: AbortSignal): Promise<EncodedFile[]>;
  readonly threads: number;
  close(): Promise<void>;
}

/** The worker's file: the bundle's `export-worker.mjs` beside it, else the source file (tests, bench). */
export function workerFile(): string {
  const bundled = path.join(import.meta.dirname, 'export-worker.mjs');
  const candidates = [
    // Packaged: the worker is unpacked beside the asar (electron-builder.yml asarUnpack).
    bundled.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`),
    bundled,
    path.join(import.meta.dirname, 'encode-worker.ts'),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`The export encoder is missing (looked for ${candidates.join(', ')}).`);
  return found;
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

export function createEncoderPool(threads = defaultThreads()): EncoderPool {
  let pool: Piscina | null = null;
  // Started on first use: a core that never exports never starts a thread.
  const started = () => {
    pool ??= new Piscina({
      filename: workerFile(),
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: 30_000,
    });
    return pool;
  };
  return {
    threads,
    encode: (task, signal) => started().run(task, signal ? { signal } : {}) as Promise<EncodedFile[]>,
    async close() {
      if (pool) await pool.destroy();
      pool = null;
    },
  };
}
