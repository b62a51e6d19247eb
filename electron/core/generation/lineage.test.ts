// Run actions and lineage through the contract: Branch and Vary record their parent, Reproduce pins the
// provider, model and seed (or says plainly why it cannot), Reroll draws a new seed.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../../shared/domain';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import { type Harness, makeHarness } from '../../../test/support/harness';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

function setup() {
  const h = makeHarness({
    catalog: testCatalog(
      testProvider('pa'),
      testProvider('nos', { seed: false }),
      testProvider('old', { retired: ['old-0'] }),
    ),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: { pa: scriptedAdapter('pa'), nos: scriptedAdapter('nos'), old: scriptedAdapter('old') },
    keys: ['pa', 'nos', 'old'],
  });
  open.push(h);
  return h;
}

/** A second connection to the harness's library, for a change no call makes. */
function sql(h: Harness, statement: string, id: number): void {
  const db = new Database(path.join(h.dataDir, 'atelier.db'));
  try {
    db.prepare(statement).run(id);
  } finally {
    db.close();
  }
}

interface Lineage {
  parent: { id: number } | null;
  children: Array<{ id: number; derivation: string | null }>;
  differences: Array<{ label: string; parent: string; child: string }>;
}

describe('lineage', () => {
  it('a branch records its parent and derivation; both runs show it, with what differs', async () => {
    const h = setup();
    const parent = await h.generate({ prompt: 'a red chair', seed: 42 });
    const branch = await h.call<{ runId: number }>('generation.start', {
      prompt: 'a red chair, studio light',
      seed: 42,
      parent: { runId: parent.id, derivation: 'branch' },
    });
    await h.core.generation.idle();
    const child = await h.run(branch.runId);
    expect([child.parentRunId, child.derivation]).toEqual([parent.id, 'branch']);

    const ofChild = await h.call<Lineage>('runs.lineage', { id: child.id });
    expect(ofChild.parent?.id).toBe(parent.id);
    expect(ofChild.differences).toEqual([
      { field: 'prompt', label: 'Prompt', parent: 'a red chair', child: 'a red chair, studio light' },
    ]);
    const ofParent = await h.call<Lineage>('runs.lineage', { id: parent.id });
    expect(ofParent.parent).toBeNull();
    expect(ofParent.children.map((c) => [c.id, c.derivation])).toEqual([[child.id, 'branch']]);
  });

  it('refuses a parent that does not exist, naming the field', async () => {
    const h = setup();
    await expect(
      h.call('generation.start', { prompt: 'x', parent: { runId: 999, derivation: 'vary' } }),
    ).rejects.toThrow(/parent\.runId: there is no run 999/);
  });

  it('a trashed child leaves the lineage', async () => {
    const h = setup();
    const parent = await h.generate({ seed: 7 });
    const { runId } = await h.call<{ runId: number }>('generation.reroll', { runId: parent.id });
    await h.core.generation.idle();
    expect((await h.call<Lineage>('runs.lineage', { id: parent.id })).children).toHaveLength(1);
    sql(h, 'UPDATE runs SET deleted_at = 1 WHERE id = ?', runId);
    expect((await h.call<Lineage>('runs.lineage', { id: parent.id })).children).toHaveLength(0);
  });
});

describe('reproduce and reroll', () => {
  it('reproduce pins the provider, model and recorded seed, and bypasses the cache', async () => {
    const h = setup();
    const parent = await h.generate({ prompt: 'a blue vase', seed: 31337, steps: 20 });
    expect(await h.call('generation.reproducibility', { runId: parent.id })).toEqual({
      reproducible: true,
      reasons: [],
    });
    const { runId } = await h.call<{ runId: number }>('generation.reproduce', { runId: parent.id });
    await h.core.generation.idle();
    const child: RunDetail = await h.run(runId);
    expect(child.request).toMatchObject({
      prompt: 'a blue vase',
      provider: 'pa',
      model: 'pa-1',
      seed: 31337,
      steps: 20,
      fresh: true,
    });
    expect([child.status, child.seed, child.parentRunId, child.derivation]).toEqual([
      'succeeded',
      31337,
      parent.id,
      'reproduce',
    ]);
    expect(child.cachedFrom ?? null).toBeNull();
    // The route chose pa for the parent; the reproduction pins it: nothing differs.
    expect((await h.call<Lineage>('runs.lineage', { id: runId })).differences).toEqual([]);
  });

  it('says plainly why a seedless provider cannot reproduce, and refuses', async () => {
    const h = setup();
    const parent = await h.generate({ provider: 'nos' });
    const verdict = await h.call<{ reproducible: boolean; reasons: string[] }>('generation.reproducibility', {
      runId: parent.id,
    });
    expect(verdict).toEqual({
      reproducible: false,
      reasons: ['NOS nos model nos-1 takes no seed, so every run draws a new image.'],
    });
    await expect(h.call('generation.reproduce', { runId: parent.id })).rejects.toThrow(
      /invalid_input: Run \d+ cannot be reproduced exactly: NOS nos model nos-1 takes no seed/,
    );
  });

  it('names a retired model and its successor', async () => {
    const h = setup();
    const parent = await h.generate({ provider: 'old', seed: 5 });
    // The model retires after the run: the run row still names it.
    sql(h, "UPDATE runs SET model = 'old-0' WHERE id = ?", parent.id);
    const verdict = await h.call<{ reasons: string[] }>('generation.reproducibility', { runId: parent.id });
    expect(verdict.reasons).toEqual([
      'old model old-0 was retired by OLD on 2026-01-01; old model old-1 replaces it, but draws differently.',
    ]);
  });

  it('reroll keeps everything but asks for a new seed', async () => {
    const h = setup();
    const parent = await h.generate({ prompt: 'a lamp', seed: 99, steps: 12 });
    const { runId } = await h.call<{ runId: number }>('generation.reroll', { runId: parent.id });
    await h.core.generation.idle();
    const child = await h.run(runId);
    expect(child.request).toMatchObject({ prompt: 'a lamp', steps: 12, seed: null });
    expect([child.parentRunId, child.derivation]).toEqual([parent.id, 'reroll']);
  });
});
