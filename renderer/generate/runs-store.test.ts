// The Generate screen's run tracking against a scripted main process: several runs at once, one
// cancelled, events that overtake answers, and the list rebuilt after a reload.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { GenerationRequest, RunDetail } from '../../shared/domain';
import type { ActiveRun } from '../../shared/queue-contract';
import { mergeListed, promptExcerpt, queuePositions, withSettled } from './runs-model';

type Answer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };
const calls: Array<{ name: string; input: unknown }> = [];
let answer: (name: string, input: Record<string, unknown>) => Promise<Answer>;

vi.mock('../api', () => ({
  api: {
    call: (name: string, input: Record<string, unknown>) => {
      calls.push({ name, input });
      return answer(name, input);
    },
  },
}));

const request = (prompt: string): GenerationRequest =>
  ({
    prompt,
    negativePrompt: '',
    aspectRatio: '1:1',
    seed: null,
    count: 1,
    quality: 'final',
  }) as GenerationRequest;

function active(runId: number, phase: ActiveRun['phase'], prompt = `run ${runId}`): ActiveRun {
  return {
    runId,
    status: phase === 'queued' ? 'queued' : 'running',
    phase,
    provider: 'openai',
    message: null,
    progress: phase === 'requesting' ? { provider: 'openai', fraction: 0.25, message: null } : null,
    createdAt: 1_000,
    startedAt: phase === 'queued' ? null : 2_000,
    request: request(prompt),
  };
}

function detail(runId: number, seed: number): RunDetail {
  return { id: runId, seed, outputs: [], attempts: [], prompt: `run ${runId}` } as unknown as RunDetail;
}

/** A fresh store, as after a page reload. */
async function freshStore() {
  vi.resetModules();
  return (await import('./runs-store')).useRunsStore;
}

const ok = (value: unknown): Promise<Answer> => Promise.resolve({ ok: true, value });

beforeEach(() => {
  calls.length = 0;
  let next = 10;
  answer = (name, input) => {
    if (name === 'generation.start') return ok({ runId: next++ });
    if (name === 'generation.cancel') return ok({ cancelled: true });
    if (name === 'runs.get') return ok(detail(input.id as number, 4242));
    if (name === 'generation.active') return ok({ runs: [] });
    throw new Error(`unexpected call ${name}`);
  };
});

describe('runs on the Generate screen', () => {
  it('queues three runs while the first is in flight; cancelling the middle one cancels only it', async () => {
    const store = await freshStore();
    const s = () => store.getState();
    expect(await s().start(request('one'), '')).toBe(true);
    s().onRunUpdated({
      runId: 10,
      status: 'running',
      phase: 'requesting',
      provider: 'openai',
      message: null,
    });
    expect(await s().start(request('two'), '')).toBe(true);
    expect(await s().start(request('three'), '')).toBe(true);
    expect(s().inFlight.map((r) => [r.runId, r.phase, r.request?.prompt])).toEqual([
      [10, 'requesting', 'one'],
      [11, 'queued', 'two'],
      [12, 'queued', 'three'],
    ]);
    expect([...queuePositions(s().inFlight)]).toEqual([
      [11, 1],
      [12, 2],
    ]);

    await s().cancel(11);
    expect(calls.filter((c) => c.name === 'generation.cancel').map((c) => c.input)).toEqual([{ runId: 11 }]);
    expect(s().inFlight.map((r) => [r.runId, r.cancelling])).toEqual([
      [10, false],
      [11, true],
      [12, false],
    ]);

    s().onRunCompleted({ runId: 10, status: 'succeeded', outputsCount: 1, error: null });
    await vi.waitFor(() => expect(s().latest).toMatchObject({ kind: 'done', runId: 10, detail: { id: 10 } }));
    s().onRunCompleted({
      runId: 11,
      status: 'cancelled',
      outputsCount: 0,
      error: { code: 'cancelled', message: 'The run was cancelled.' },
    });
    // The cancellation does not push the images off the canvas; it is listed under them.
    expect(s().latest).toMatchObject({ kind: 'done', runId: 10 });
    expect(s().earlier.map((r) => [r.kind, r.runId])).toEqual([['cancelled', 11]]);
    expect(s().inFlight.map((r) => r.runId)).toEqual([12]);

    s().onRunCompleted({ runId: 12, status: 'succeeded', outputsCount: 1, error: null });
    expect(s().latest).toMatchObject({ kind: 'done', runId: 12 });
    expect(s().earlier.map((r) => [r.kind, r.runId])).toEqual([
      ['done', 10],
      ['cancelled', 11],
    ]);
    expect(s().inFlight).toEqual([]);
  });

  it('a refused start shows its reason and leaves the runs in flight alone', async () => {
    const store = await freshStore();
    const s = () => store.getState();
    await s().start(request('one'), '');
    const fallback = answer;
    answer = (name, input) =>
      name === 'generation.start'
        ? Promise.resolve({ ok: false, error: { code: 'budget_exceeded', message: 'over budget' } })
        : fallback(name, input);
    expect(await s().start(request('two'), 'openai')).toBe(false);
    expect(s().latest).toMatchObject({ kind: 'failed', runId: null, error: { code: 'budget_exceeded' } });
    expect(s().inFlight.map((r) => r.runId)).toEqual([10]);
    expect(s().starting).toBe(0);
  });

  it('a run that finished before its start was answered lands on the canvas', async () => {
    const store = await freshStore();
    const s = () => store.getState();
    let release!: () => void;
    answer = (name, input) => {
      if (name === 'generation.start')
        return new Promise((resolve) => {
          release = () => resolve({ ok: true, value: { runId: 7 } });
        });
      return ok(detail(input.id as number, 99));
    };
    const started = s().start(request('fast'), '');
    expect(s().starting).toBe(1);
    s().onRunUpdated({ runId: 7, status: 'queued', phase: 'queued', provider: 'openai', message: null });
    s().onRunCompleted({ runId: 7, status: 'succeeded', outputsCount: 1, error: null });
    release();
    await started;
    expect(s().inFlight).toEqual([]);
    expect(s().latest).toMatchObject({ kind: 'done', runId: 7 });
  });

  it('after a reload the list comes back from the queue, with progress and place in line', async () => {
    answer = (name) =>
      name === 'generation.active'
        ? ok({ runs: [active(10, 'requesting', 'a heron'), active(12, 'queued', 'a lighthouse')] })
        : ok({ cancelled: true });
    const store = await freshStore();
    const s = () => store.getState();
    await s().load();
    expect(
      s().inFlight.map((r) => [r.runId, r.phase, r.provider, r.progress?.fraction, r.request?.prompt]),
    ).toEqual([
      [10, 'requesting', 'openai', 0.25, 'a heron'],
      [12, 'queued', 'openai', undefined, 'a lighthouse'],
    ]);
    expect(s().inFlight[0]!.since).toBe(2_000);
    // Each keeps its own Cancel after the reload.
    await s().cancel(12);
    expect(calls.at(-1)).toEqual({ name: 'generation.cancel', input: { runId: 12 } });
  });

  it('a run started elsewhere (a style preview) shows in the list, and leaves it without taking the canvas', async () => {
    const store = await freshStore();
    const s = () => store.getState();
    await s().start(request('mine'), '');
    s().onRunCompleted({ runId: 10, status: 'succeeded', outputsCount: 1, error: null });
    answer = (name) =>
      name === 'generation.active' ? ok({ runs: [active(30, 'queued', 'preview')] }) : ok(detail(30, 1));
    s().onRunUpdated({ runId: 30, status: 'queued', phase: 'queued', provider: 'openai', message: null });
    await vi.waitFor(() => expect(s().inFlight.map((r) => r.runId)).toEqual([30]));
    s().onRunCompleted({ runId: 30, status: 'succeeded', outputsCount: 1, error: null });
    expect(s().inFlight).toEqual([]);
    expect(s().latest).toMatchObject({ kind: 'done', runId: 10 });
    expect(s().earlier).toEqual([]);
  });

  it('a listing that fails is said so on screen, and a later one clears it', async () => {
    answer = () => Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'not reachable' } });
    const store = await freshStore();
    await store.getState().load();
    expect(store.getState().listError).toEqual({ code: 'unavailable', message: 'not reachable' });
    answer = () => ok({ runs: [{ ...active(3, 'queued'), phase: 'done' }] });
    await store.getState().load();
    expect(store.getState().listError?.message).toMatch(/runs\.0\.phase/);
    answer = () => ok({ runs: [active(3, 'queued')] });
    await store.getState().load();
    expect(store.getState().listError).toBeNull();
    expect(store.getState().inFlight.map((r) => r.runId)).toEqual([3]);
  });

  it('shows the seed a finished run used to whoever listens for results', async () => {
    const store = await freshStore();
    const { onRunResult } = await import('./runs-store');
    const seeds: number[] = [];
    onRunResult((d) => seeds.push(d.seed!));
    await store.getState().start(request('one'), '');
    store.getState().onRunCompleted({ runId: 10, status: 'succeeded', outputsCount: 1, error: null });
    await vi.waitFor(() => expect(seeds).toEqual([4242]));
  });
});

describe('merging a listing into the screen', () => {
  const run = (runId: number, addedAt: number) => ({
    runId,
    request: null,
    status: 'queued' as const,
    phase: 'queued' as const,
    provider: '',
    progress: null,
    since: 0,
    addedAt,
    cancelling: runId === 2,
  });

  it('keeps a run learned after the question, drops finished ones, reports the ones that vanished', () => {
    const { inFlight, vanished } = mergeListed(
      [run(1, 100), run(2, 100), run(3, 300), run(4, 100)],
      [active(2, 'requesting'), active(5, 'queued'), active(4, 'queued')],
      200,
      new Set([4]),
      400,
    );
    expect(inFlight.map((r) => [r.runId, r.phase, r.cancelling])).toEqual([
      [2, 'requesting', true],
      [3, 'queued', false],
      [5, 'queued', false],
    ]);
    expect(vanished.map((r) => r.runId)).toEqual([1]);
  });

  it('a cancellation never takes the canvas from a result; anything else does', () => {
    const done = { kind: 'done' as const, runId: 1, request: null, detail: null, loadError: null };
    const cancelled = { kind: 'cancelled' as const, runId: 2, request: null };
    expect(withSettled({ latest: done, earlier: [] }, cancelled)).toEqual({
      latest: done,
      earlier: [cancelled],
    });
    expect(withSettled({ latest: null, earlier: [] }, cancelled)).toEqual({ latest: cancelled, earlier: [] });
    expect(withSettled({ latest: cancelled, earlier: [] }, done)).toEqual({
      latest: done,
      earlier: [cancelled],
    });
  });

  it("runs the queue has not taken wait in one line; taken ones wait in their provider's line", () => {
    const waiting = (runId: number, status: 'queued' | 'running', provider: string) => ({
      ...run(runId, 0),
      status,
      provider,
      cancelling: false,
    });
    const positions = queuePositions([
      { ...waiting(1, 'running', 'openai'), phase: 'requesting' as const },
      waiting(2, 'running', 'openai'),
      waiting(3, 'running', 'leonardo'),
      waiting(4, 'running', 'openai'),
      waiting(5, 'queued', 'gemini'),
      waiting(6, 'queued', 'openai'),
    ]);
    expect([...positions]).toEqual([
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 1],
      [6, 2],
    ]);
  });

  it('cuts a long prompt at a word', () => {
    expect(promptExcerpt('a heron standing in reeds at dawn, mist over the water', 30)).toBe(
      'a heron standing in reeds at…',
    );
    expect(promptExcerpt('  short\n prompt ')).toBe('short prompt');
  });
});
