/** Clocks for tests that poll: time moves only when the code under test waits, so no test sleeps for real seconds. */
import { type Clock, systemClock } from '../../electron/core/ports';

export interface FakeClock extends Clock {
  /** Each wait asked for, in ms. */
  slept: number[];
  /** All the waits together, in ms. */
  readonly sleptMs: number;
}

/**
 * A clock whose sleep moves time forward at once: it yields to the event loop (or waits `realMs` of real
 * time, abortable), so polls cost no real time. `stretch` moves it further per sleep, so a ten-minute
 * deadline takes a handful of polls.
 */
export function fakeClock(options: { stretch?: number; realMs?: number; start?: number } = {}): FakeClock {
  const { stretch = 1, realMs = 0 } = options;
  let now = options.start ?? 1_800_000_000_000;
  const slept: number[] = [];
  return {
    slept,
    get sleptMs() {
      return slept.reduce((a, b) => a + b, 0);
    },
    now: () => now,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(signal.reason);
      now += ms * stretch;
      slept.push(ms);
      if (realMs === 0) return new Promise((resolve) => setImmediate(resolve));
      return systemClock.sleep(realMs, signal);
    },
  };
}

/** Real waits, `factor` times shorter: a local server's pollers keep their order without slowing the suite. */
export function scaledClock(factor: number): Clock {
  return { now: () => Date.now(), sleep: (ms, signal) => systemClock.sleep(ms / factor, signal) };
}
