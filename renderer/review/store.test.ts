// The review queue against a stubbed main process: a queue longer than one page keeps going past it, in
// output order, and a page that answers after a reload is dropped.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReviewItem } from '../../shared/review-contract';
import { answerWith, apiCalls, heldAnswer, ok, resetApi } from '../../test/support/renderer-api';

vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));

const PENDING = 450;
const item = (outputId: number): ReviewItem => ({
  outputId,
  runId: outputId,
  path: `media/${outputId}.png`,
  thumbPath: `thumbs/${outputId}.webp`,
  width: 64,
  height: 64,
  prompt: `image ${outputId}`,
  provider: 'openai',
  rating: 0,
  favorite: false,
  status: 'pending',
  rejectReason: null,
  approvalRef: null,
  flags: [],
});

/** The main process's queue: outputs 1 … PENDING, pending unless decided. */
function queueAnswer(decided: Set<number>) {
  return (input: Record<string, unknown>) => {
    const after = (input.after as number | null) ?? 0;
    const items: ReviewItem[] = [];
    for (let id = after + 1; id <= PENDING && items.length < (input.limit as number); id++) {
      if (!decided.has(id)) items.push(item(id));
    }
    return ok({ items, counts: { pending: PENDING - decided.size, approved: decided.size, rejected: 0 } });
  };
}

async function freshStore() {
  vi.resetModules();
  return (await import('./store')).useReviewStore;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => resetApi());

describe('review queue', () => {
  it('loads the next page as the cursor nears the end, past the outputs already shown', async () => {
    const decided = new Set<number>();
    const queue = queueAnswer(decided);
    answerWith((name, input) => {
      if (name === 'review.modes') return ok({ modes: [], retired: [] });
      if (name === 'review.queue') return queue(input);
      if (name === 'review.decide') {
        for (const id of input.outputIds as number[]) decided.add(id);
        return ok({
          previous: [],
          counts: { pending: PENDING - decided.size, approved: decided.size, rejected: 0 },
        });
      }
      throw new Error(`unexpected ${name}`);
    });
    const store = await freshStore();
    await store.getState().load();
    expect(store.getState().items.map((i) => i.outputId)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );

    // Skip to near the end of the first page (nothing decided): the next page starts after output 200.
    store.getState().move(175);
    await settle();
    expect(store.getState().items).toHaveLength(200);
    store.getState().move(10);
    await settle();
    expect(apiCalls.filter((c) => c.name === 'review.queue').at(-1)!.input).toEqual({
      limit: 200,
      after: 200,
    });
    expect(
      store
        .getState()
        .items.map((i) => i.outputId)
        .slice(195, 205),
    ).toEqual([196, 197, 198, 199, 200, 201, 202, 203, 204, 205]);
    // Approving walks on; the last page is shorter, and nothing is asked for after it.
    store.getState().move(200);
    await settle();
    await store.getState().approve();
    await settle();
    expect(store.getState().items).toHaveLength(PENDING);
    expect(store.getState().more).toBe(false);
    const asked = apiCalls.filter((c) => c.name === 'review.queue').length;
    store.getState().move(100);
    await settle();
    expect(apiCalls.filter((c) => c.name === 'review.queue')).toHaveLength(asked);
    expect(store.getState().items.at(-1)!.outputId).toBe(PENDING);
  });

  it('drops a page that answers after the queue was loaded again', async () => {
    const queue = queueAnswer(new Set());
    const held = heldAnswer();
    answerWith((name, input) => {
      if (name === 'review.modes') return ok({ modes: [], retired: [] });
      if (input.after === 200) return held.promise;
      return queue(input);
    });
    const store = await freshStore();
    await store.getState().load();
    store.getState().move(190);
    await settle();
    answerWith((name) =>
      name === 'review.modes'
        ? ok({ modes: [], retired: [] })
        : ok({ items: [item(7)], counts: { pending: 1, approved: 0, rejected: 0 } }),
    );
    await store.getState().load();
    held.release(queue({ limit: 200, after: 200 }));
    await settle();
    expect(store.getState().items.map((i) => i.outputId)).toEqual([7]);
  });
});
