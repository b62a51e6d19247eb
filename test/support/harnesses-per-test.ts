// For tests only (vitest): harnesses closed after each test. Apart from harness.ts, which the benches import too.
import { afterEach } from 'vitest';
import { type Harness, type HarnessOptions, makeHarness } from './harness';

/** `makeHarness`, with every harness it made closed after each test. */
export function harnessesPerTest(): (opts: HarnessOptions) => Harness {
  const made: Harness[] = [];
  afterEach(async () => {
    for (const h of made.splice(0)) await h.close();
  });
  return (opts) => {
    const h = makeHarness(opts);
    made.push(h);
    return h;
  };
}
