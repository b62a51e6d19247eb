/** Clocks for tests that poll: time moves only when the code under test waits, so no test sleeps for real seconds. */
import { type Clock, systemClock } from '../../electron/core/ports';

export interface FakeClock extends Clock {
  /** Each wait asked for, in ms. */
  slept: number[];
  /** All the waits together, in ms. */
  readonly sleptMs: number;
  /** Moves time forward without a wait (a test that lets time pass between calls). */
  advance(ms: number): void;
  set(ms: number): void;
}

/** Midday UTC, well inside a day and a month, so daily and monthly windows do not roll over by accident. */
export const FAKE_CLOCK_START = Date.UTC(2026, 10, 16, 12, 0, 0);

/**
 * A clock whose sleep moves time forward at once: it yields to the event loop (or waits `realMs` of real
 * time, abortable), so polls cost no real time. `stretch` moves it further per sleep, so a ten-minute
 * deadline takes a handful of polls. A sleep whose signal fires rejects with the signal's reason.
 */
export function fakeClock(options: { stretch?: number; realMs?: number; start?: number } = {}): FakeClock {
  const { stretch = 1, realMs = 0 } = options;
  let now = options.start ?? FAKE_CLOCK_START;
  const slept: number[] = [];
  return {
    slept,
    get sleptMs() {
      return slept.reduce((a, b) => a + b, 0);
    },
    now: () => now,
    advance(ms) {
      now += ms;
    },
    set(ms) {
      now = ms;
    },
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason;
      now += ms * stretch;
      slept.push(ms);
      if (realMs === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      else await systemClock.sleep(realMs, signal);
      if (signal?.aborted) throw signal.reason;
    },
  };
}

/** Real waits, `factor` times shorter: a local server's pollers keep their order without slowing the suite. */
export function scaledClock(factor: number): Clock {
  return { now: () => Date.now(), sleep: (ms, signal) => systemClock.sleep(ms / factor, signal) };
}
