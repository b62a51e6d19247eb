// The composition root (renderer/app/App.tsx) starts every feature: together they listen to each event the
// main process sends, and every cross-feature intent has its handler. Lives outside renderer/app/ because it
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

const { startFeatures } = await import('../../renderer/app/App');
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

let stop: (() => void) | null = null;
afterEach(() => {
  stop?.();
  stop = null;
  listening.length = 0;
  connectionListeners = 0;
});

describe('starting the renderer', () => {
  it('listens to every event of the contract and handles every intent', () => {
    stop = startFeatures();
    expect(new Set(listening)).toEqual(new Set(Object.keys(events)));
    // app/ and each feature that catches up after the event stream was down.
    expect(connectionListeners).toBe(5);
    for (const intent of Object.keys(SAMPLE) as IntentName[]) {
      expect(() => send(intent, SAMPLE[intent] as never), intent).not.toThrow();
    }
  });

  it('lets go of every listener and handler when stopped', () => {
    stop = startFeatures();
    const subscribed = listening.length + connectionListeners;
    stopped = 0;
    stop();
    stop = null;
    expect(stopped).toBe(subscribed);
    expect(() => send('styles.open', { styleId: 1 })).toThrow(/No feature handles/);
  });
});
