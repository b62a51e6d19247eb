// Cross-feature intents: one handler per intent, sent payloads reach it unchanged, and an intent nobody
// handles is a loud wiring mistake rather than a button that silently does nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { handle, send } from './actions';

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

describe('app actions', () => {
  it('delivers a sent intent to the handler its feature registered', () => {
    const got: unknown[] = [];
    stops.push(handle('styles.open', (payload) => got.push(payload)));
    send('styles.open', { styleId: 4 });
    send('styles.open', { styleId: 9 });
    expect(got).toEqual([{ styleId: 4 }, { styleId: 9 }]);
  });

  it('refuses an intent no feature handles, and a second handler for one', () => {
    expect(() => send('generate.useReference', { path: 'media/ab/x.png', fromRunId: null })).toThrow(
      /No feature handles the intent generate.useReference/,
    );
    stops.push(handle('generate.useReference', () => {}));
    expect(() => handle('generate.useReference', () => {})).toThrow(/already has a handler/);
  });

  it('forgets a handler once its feature stops, so the feature can start again', () => {
    const got: number[] = [];
    const stop = handle('generate.retryRun', ({ runId }) => got.push(runId));
    send('generate.retryRun', { runId: 1, request: null });
    stop();
    expect(() => send('generate.retryRun', { runId: 2, request: null })).toThrow(/No feature handles/);
    stops.push(handle('generate.retryRun', ({ runId }) => got.push(runId * 10)));
    send('generate.retryRun', { runId: 3, request: null });
    expect(got).toEqual([1, 30]);
  });
});
