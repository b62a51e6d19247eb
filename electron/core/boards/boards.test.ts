import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Board, BoardOutput, CompareItem } from '../../../shared/boards-contract';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import { type Harness, makeHarness } from '../../../test/support/harness';

let h: Harness;
beforeEach(() => {
  h = makeHarness({
    catalog: testCatalog(testProvider('pa')),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: { pa: scriptedAdapter('pa') },
    keys: ['pa'],
  });
});
afterEach(() => h.close());

async function refused(name: string, input: unknown): Promise<{ code: string; message: string }> {
  const result = await h.core.invoke(name, input);
  if (result.ok) throw new Error(`${name} was accepted`);
  return { code: result.error.code, message: result.error.message };
}

async function outputs(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const run = await h.generate({ prompt: `a teapot ${i}`, seed: 10 + i });
    ids.push(run.outputs[0]!.id);
  }
  return ids;
}

describe('boards through the contract', () => {
  it('refuses a name already taken in any case as invalid input naming the name, and lists counts', async () => {
    const [a, b, c] = await outputs(3);
    const brief = await h.call<Board>('boards.create', { name: 'Spring brief' });
    expect(await refused('boards.create', { name: '  SPRING brief ' })).toEqual({
      code: 'invalid_input',
      message: 'name: a board named "SPRING brief" already exists (names ignore case)',
    });
    const logos = await h.call<Board>('boards.create', { name: 'Logos' });
    expect((await refused('boards.rename', { id: logos.id, name: 'spring brief' })).message).toMatch(
      /^name: /,
    );
    await h.call('boards.addOutputs', { id: brief.id, outputIds: [a, b, c] });
    await h.call('boards.addOutputs', { id: logos.id, outputIds: [a] });
    const { boards } = await h.call<{ boards: Board[] }>('boards.list');
    expect(boards.map((x) => [x.name, x.outputsCount])).toEqual([
      ['Logos', 1],
      ['Spring brief', 3],
    ]);
    expect(h.eventsOf('boards.changed').length).toBeGreaterThanOrEqual(4);
  });

  it('lists boards as a file manager would: numbers by value, case and accents aside', async () => {
    for (const name of ['Board 10', 'board 2', 'Board 1', 'Árbol', 'Board 1b']) {
      await h.call<Board>('boards.create', { name });
    }
    const expected = ['Árbol', 'Board 1', 'Board 1b', 'board 2', 'Board 10'];
    const { boards } = await h.call<{ boards: Board[] }>('boards.list', {});
    expect(boards.map((b) => b.name)).toEqual(expected);
    // The Board filter's counts come in the same order.
    const facets = await h.call<{ boards: Array<{ name: string }> }>('runs.facets', {});
    expect(facets.boards.map((b) => b.name)).toEqual(expected);
  });

  it("names the runs whose images went on or off a board, so their cards' badges follow", async () => {
    const first = await h.generate({ prompt: 'a teapot', seed: 1 });
    const second = await h.generate({ prompt: 'a kettle', seed: 2 });
    const brief = await h.call<Board>('boards.create', { name: 'Brief' });
    expect(h.eventsOf('boards.changed').at(-1)).toEqual({ id: brief.id }); // the board itself: no runs named
    const outputIds = [first.outputs[0]!.id, second.outputs[0]!.id];
    await h.call('boards.addOutputs', { id: brief.id, outputIds });
    const onBrief = [{ id: brief.id, name: 'Brief' }];
    expect(h.eventsOf('boards.changed').at(-1)).toEqual({
      id: brief.id,
      runs: expect.arrayContaining([
        { id: first.id, boards: onBrief },
        { id: second.id, boards: onBrief },
      ]),
    });
    // The runs come with every board they are on, in the cards' order (name ignoring case).
    const other = await h.call<Board>('boards.create', { name: 'another' });
    await h.call('boards.addOutputs', { id: other.id, outputIds: [first.outputs[0]!.id] });
    expect(h.eventsOf('boards.changed').at(-1)).toEqual({
      id: other.id,
      runs: [{ id: first.id, boards: [{ id: other.id, name: 'another' }, ...onBrief] }],
    });
    await h.call('boards.removeOutputs', { id: brief.id, outputIds: [second.outputs[0]!.id] });
    expect(h.eventsOf('boards.changed').at(-1)).toEqual({
      id: brief.id,
      runs: [{ id: second.id, boards: [] }],
    });
    const { items } = await h.call<{ items: Array<{ id: number; boards?: unknown }> }>('runs.list', {
      limit: 10,
    });
    expect(items.find((run) => run.id === first.id)?.boards).toEqual([
      { id: other.id, name: 'another' },
      { id: brief.id, name: 'Brief' },
    ]);
    expect(items.find((run) => run.id === second.id)?.boards).toEqual([]);
  });

  it('pages a board newest first and keeps its outputs when the board is deleted', async () => {
    const ids = await outputs(3);
    const brief = await h.call<Board>('boards.create', { name: 'Brief' });
    for (const id of ids) {
      h.clock.advance(1000);
      await h.call('boards.addOutputs', { id: brief.id, outputIds: [id] });
    }
    type Page = { items: BoardOutput[]; next: { addedAt: number; outputId: number } | null };
    const first = await h.call<Page>('boards.outputs', { id: brief.id, limit: 2 });
    expect(first.items.map((o) => o.outputId)).toEqual([ids[2], ids[1]]);
    const second = await h.call<Page>('boards.outputs', { id: brief.id, limit: 2, before: first.next });
    expect(second.items.map((o) => o.outputId)).toEqual([ids[0]]);
    expect(second.next).toBeNull();

    expect(await h.call('boards.delete', { id: brief.id })).toEqual({ deleted: true });
    expect((await h.call<{ boards: Board[] }>('boards.list')).boards).toEqual([]);
    const run = await h.call<{ outputs: Array<{ id: number }> }>('runs.get', { id: second.items[0]!.runId });
    expect(run.outputs.map((o) => o.id)).toEqual([ids[0]]);
    expect((await refused('boards.outputs', { id: brief.id })).code).toBe('not_found');
  });

  it('sets a baseline only from the board, and removing that output clears it', async () => {
    const [a, b] = await outputs(2);
    const brief = await h.call<Board>('boards.create', { name: 'Brief' });
    await h.call('boards.addOutputs', { id: brief.id, outputIds: [a] });
    expect(await refused('boards.setBaseline', { id: brief.id, outputId: b })).toEqual({
      code: 'invalid_input',
      message: `outputId: output ${b} is not on this board`,
    });
    expect((await h.call<Board>('boards.setBaseline', { id: brief.id, outputId: a })).baselineOutputId).toBe(
      a,
    );
    const { board } = await h.call<{ board: Board }>('boards.removeOutputs', {
      id: brief.id,
      outputIds: [a],
    });
    expect(board).toMatchObject({ baselineOutputId: null, outputsCount: 0 });
  });
});

describe('outputs.compare', () => {
  it('answers each output with its run, in the order asked, and names a missing one by position', async () => {
    const [a, b] = await outputs(2);
    const { items } = await h.call<{ items: CompareItem[] }>('outputs.compare', { outputIds: [b, a] });
    expect(items.map((i) => [i.output.id, i.run.seed, i.run.prompt])).toEqual([
      [b, 11, 'a teapot 1'],
      [a, 10, 'a teapot 0'],
    ]);
    expect(await refused('outputs.compare', { outputIds: [a, 9999] })).toEqual({
      code: 'invalid_input',
      message: 'outputIds.1: there is no output 9999',
    });
    expect((await refused('outputs.compare', { outputIds: [a] })).message).toMatch(
      /outputIds: pick at least 2 outputs$/,
    );
  });
});
