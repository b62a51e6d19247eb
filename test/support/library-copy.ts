// For tests only: what a killed process leaves on disk, and waiting for a condition the queue reaches.
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { DATABASE_FILE } from '../../electron/core';

/** Copies the database and its WAL as they are at this instant into `to`: a crash, as the next start finds it. */
export function copyLibraryAsKilled(from: string, to: string): string {
  for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) {
    if (existsSync(path.join(from, file))) copyFileSync(path.join(from, file), path.join(to, file));
  }
  return to;
}

/** Polls `condition` every 2 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
