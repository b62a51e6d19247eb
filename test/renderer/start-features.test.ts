// The composition root (renderer/app/App.tsx) starts every feature (History's own at once, the rest from their
// chunks): together they listen to each event the main process sends, and every cross-feature intent has its
// handler; one sent while the later features load is handled once they run. Lives outside renderer/app/ because it
// imports the features' start-up through App.tsx, as only App.tsx may.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IntentName, Intents } from '../../renderer/app/actions';
import { events } from '../../shared/contract';

const listening: string[] = [];
let connectionListeners = 0;
let stopped = 0;

vi.mock('../../renderer/api', () => ({
  api: {
    mode: 'desktop',
    hasToken: true,
    call: () => Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'not in this test' } }),
    on: (name: string) => {
      listening.push(name);
      return () => {
        stopped += 1;
      };
    },
    onConnection: () => {
      connectionListeners += 1;
      return () => {
        stopped += 1;
      };
    },
    connection: () => 'open',
    mediaUrl: (path: string) => `/media/${path}`,
  },
}));

const { startFeatures, startLaterFeatures } = await import('../../renderer/app/App');
const { send } = await import('../../renderer/app/actions');

const SAMPLE: Intents = {
  'generate.useStyle': {
    style: { versionId: 1, styleId: 1, name: 'Style', version: 1, status: 'draft' },
    template: null,
    defaults: {},
    reference: null,
  },
  'generate.useReference': { path: 'media/ab/x.png', fromRunId: null },
  'generate.reuseRequest': {
    request: {
      prompt: 'p',
      negativePrompt: '',
      aspectRatio: '1:1',
      seed: null,
      count: 1,
      quality: 'final',
    } as never,
    fromRunId: 1,
    styleVersionId: null,
  },
  'generate.retryRun': { runId: 1, request: null },
  'styles.open': { styleId: 1 },
  'boards.addOutputs': { outputIds: [1] },
  'compare.open': { outputIds: [1, 2] },
  'imports.files': { files: [] },
  'batches.compose': {
    request: { prompt: 'p', negativePrompt: '', aspectRatio: '1:1', seed: null, count: 1 } as never,
    variables: [],
    styleName: null,
  },
  'history.showBatch': { batchId: 1 },
  'export.open': { history: { batches: [1] } },
};

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  listening.length = 0;
  connectionListeners = 0;
});

/** Starts every feature, as App.tsx does opened at History: its own first, the rest once they have loaded. */
async function startAll(): Promise<void> {
  stops.push(startFeatures());
  const later = startLaterFeatures();
  stops.push(later.stop);
  await later.started;
}

describe('starting the renderer', () => {
  it('listens to every event of the contract and handles every intent', async () => {
    await startAll();
    expect(new Set(listening)).toEqual(new Set(Object.keys(events)));
    // app/ and each feature that catches up after the event stream was down.
    expect(connectionListeners).toBe(5);
    for (const intent of Object.keys(SAMPLE) as IntentName[]) {
      expect(() => send(intent, SAMPLE[intent] as never), intent).not.toThrow();
    }
  });

  it('History starts before the rest: an intent for a feature still loading is handled once it runs', async () => {
    stops.push(startFeatures());
    expect(listening).toContain('run.completed');
    expect(listening).not.toContain('styles.changed');
    const { useStylesStore } = await import('../../renderer/styles/store');
    useStylesStore.setState({ openId: null });
    const later = startLaterFeatures();
    stops.push(later.stop);
    // Styles' handler opens the style in the editor; Styles is not running yet, so nothing opens until it is.
    send('styles.open', { styleId: 7 });
    expect(useStylesStore.getState().openId).toBeNull();
    await later.started;
    await Promise.resolve();
    expect(useStylesStore.getState().openId).toBe(7);
  });

  it('lets go of every listener and handler when stopped', async () => {
    await startAll();
    const subscribed = listening.length + connectionListeners;
    stopped = 0;
    for (const stop of stops.splice(0)) stop();
    expect(stopped).toBe(subscribed);
    expect(() => send('styles.open', { styleId: 1 })).toThrow(/No feature handles/);
  });

  it('stopped before the later features have loaded, starts none of them', async () => {
    stops.push(startFeatures());
    const later = startLaterFeatures();
    const before = listening.length;
    later.stop();
    await later.started;
    expect(listening.length).toBe(before);
    expect(() => send('styles.open', { styleId: 1 })).toThrow(/No feature handles/);
  });
});
