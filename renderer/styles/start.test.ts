// The open style's previews follow their runs, even when a run finishes before the style has been read
// again with it (its "previews" change is debounced, and a fast run beats the read).
import { afterEach, describe, expect, it, vi } from 'vitest';

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Listener[]>();
const gets: number[] = [];
let previewStatus = 'running';
vi.mock('../api', () => ({
  api: {
    call: async (method: string, input: { id: number }) => {
      if (method !== 'styles.get') return { ok: false, error: { code: 'internal', message: method } };
      gets.push(input.id);
      return { ok: true, value: styleDetail([{ runId: 5, status: previewStatus }]) };
    },
    on: (name: string, listener: Listener) => {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return () =>
        listeners.set(
          name,
          (listeners.get(name) ?? []).filter((l) => l !== listener),
        );
    },
  },
}));

function styleDetail(previews: Array<{ runId: number; status: string }>) {
  return {
    id: 3,
    latestVersionId: 30,
    latest: {
      fields: {},
      previews: previews.map((p) => ({
        ...p,
        provider: 'openai',
        seed: 1000,
        path: null,
        thumbPath: null,
        width: null,
        height: null,
      })),
    },
    versions: [],
  };
}

const emit = (name: string, payload: unknown) => {
  for (const listener of listeners.get(name) ?? []) listener(payload);
};

let stop: (() => void) | null = null;
afterEach(() => stop?.());

describe('styles start-up', () => {
  it('reads the open style again when a preview it shows in progress had already finished', async () => {
    const { startStyles } = await import('./start');
    const { useStylesStore } = await import('./store');
    stop = startStyles();
    // The style is open without the new preview yet; its run finishes first.
    useStylesStore.setState({ openId: 3, detail: styleDetail([]) as never });
    emit('run.completed', { runId: 5, status: 'succeeded', outputsCount: 1, error: null });
    expect(gets).toEqual([]);
    // Then the debounced read lands, still showing the preview in progress: it is read once more.
    previewStatus = 'succeeded';
    useStylesStore.setState({ detail: styleDetail([{ runId: 5, status: 'running' }]) as never });
    await vi.waitFor(() => expect(gets).toEqual([3]));
    await vi.waitFor(() =>
      expect(useStylesStore.getState().detail?.latest.previews[0]?.status).toBe('succeeded'),
    );
    // Only once: a later read showing it in progress again does not loop.
    useStylesStore.setState({ detail: styleDetail([{ runId: 5, status: 'running' }]) as never });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gets).toEqual([3]);
  });
});
