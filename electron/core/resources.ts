import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The path of a shipped file under `resources/` (e.g. `failure-modes.json`). Walks up from this module: the
 * source tree and the bundle sit at different depths.
 */
export function findShipped(name: string): string {
  const relative = path.join('resources', name);
  let dir = import.meta.dirname;
  for (;;) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find ${relative} above ${import.meta.dirname}.`);
    dir = parent;
  }
}
