// The trash through the contract: trashed runs and outputs leave History and the review queue, come back on
// restore, and "Empty trash" removes the rows and only the files no other row uses. Something a style
// preview or a board baseline uses is refused with its uses until forced.
import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { smallThumbPath } from '../../../shared/thumbs';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import { type Harness, makeHarness } from '../../../test/support/harness';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

function setup() {
  const h = makeHarness({
    catalog: testCatalog(testProvider('pa')),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: { pa: scriptedAdapter('pa') },
    keys: ['pa'],
  });
  open.push(h);
  return h;
}

function sql(h: Harness, statement: string, ...args: unknown[]): void {
  const db = new Database(path.join(h.dataDir, 'atelier.db'));
  try {
    db.prepare(statement).run(...args);
  } finally {
    db.close();
  }
}

const ids = async (h: Harness) =>
  (await h.call<{ items: Array<{ id: number }> }>('runs.list', {})).items.map((r) => r.id);

describe('trash', () => {
  it('hides trashed runs from History and the queue; restore brings them back', async () => {
    const h = setup();
    const a = await h.generate({ prompt: 'a' });
    const b = await h.generate({ prompt: 'b' });
    expect(await h.call('trash.move', { runIds: [a.id] })).toEqual({ runs: 1, outputs: 0 });
    expect(await ids(h)).toEqual([b.id]);
    const queue = await h.call<{ items: Array<{ runId: number }> }>('review.queue', {});
    expect(queue.items.map((i) => i.runId)).toEqual([b.id]);
    const listed = await h.call<{ runs: Array<{ id: number }> }>('trash.list', {});
    expect(listed.runs.map((r) => r.id)).toEqual([a.id]);
    expect(await h.call('trash.restore', { runIds: [a.id] })).toEqual({ runs: 1, outputs: 0 });
    expect(await ids(h)).toEqual([b.id, a.id]);
  });

  it('empty removes the rows and frees only files no other row uses', async () => {
    const h = setup();
    const a = await h.generate({ prompt: 'a' });
    const b = await h.generate({ prompt: 'b' });
    const onlyA = a.outputs[0]!.path;
    // b's output shares a file with a row that stays (as an identical image would).
    const shared = b.outputs[0]!.path;
    const c = await h.generate({ prompt: 'c' });
    sql(h, 'UPDATE outputs SET path = ? WHERE id = ?', shared, c.outputs[0]!.id);
    await h.call('trash.move', { runIds: [a.id] });
    await h.call('trash.move', { outputIds: [b.outputs[0]!.id] });
    const aSmall = smallThumbPath(a.outputs[0]!.thumbPath)!;
    const cSmall = smallThumbPath(c.outputs[0]!.thumbPath)!;
    expect(existsSync(path.join(h.dataDir, aSmall))).toBe(true);
    const report = await h.call<{ runs: number; outputs: number; filesRemoved: number }>('trash.empty', {});
    expect([report.runs, report.outputs]).toEqual([1, 1]);
    expect(existsSync(path.join(h.dataDir, onlyA))).toBe(false);
    // The thumbnail goes with its small tier, which no row names; a kept run's small thumbnail stays.
    expect(existsSync(path.join(h.dataDir, a.outputs[0]!.thumbPath))).toBe(false);
    expect(existsSync(path.join(h.dataDir, aSmall))).toBe(false);
    expect(existsSync(path.join(h.dataDir, cSmall))).toBe(true);
    expect(existsSync(path.join(h.dataDir, shared))).toBe(true);
    expect(existsSync(path.join(h.dataDir, c.outputs[0]!.thumbPath))).toBe(true);
    expect(await h.call('trash.list', {})).toEqual({ runs: [], outputs: [] });
  });

  it('asks first when a board baseline uses the output, listing the use; force trashes it', async () => {
    const h = setup();
    const a = await h.generate({ prompt: 'a' });
    const outputId = a.outputs[0]!.id;
    sql(
      h,
      "INSERT INTO boards (name, created_at, baseline_output_id) VALUES ('Spring brief', 1, ?)",
      outputId,
    );
    const refused = await h.core.invoke('trash.move', { outputIds: [outputId] });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('conflict');
    expect(refused.error.details).toEqual({
      uses: [{ kind: 'boardBaseline', outputId, boardName: 'Spring brief' }],
    });
    expect(await h.call('trash.move', { outputIds: [outputId], force: true })).toEqual({
      runs: 0,
      outputs: 1,
    });
  });

  it('purges at start what has been in the trash 30 days', async () => {
    const h = setup();
    const a = await h.generate({ prompt: 'old' });
    const b = await h.generate({ prompt: 'recent' });
    const now = h.clock.now();
    sql(h, 'UPDATE runs SET deleted_at = ? WHERE id = ?', now - 31 * 24 * 3_600_000, a.id);
    sql(h, 'UPDATE runs SET deleted_at = ? WHERE id = ?', now - 2 * 24 * 3_600_000, b.id);
    await h.restart();
    await expect
      .poll(async () =>
        (await h.call<{ runs: Array<{ id: number }> }>('trash.list', {})).runs.map((r) => r.id),
      )
      .toEqual([b.id]);
    await expect.poll(() => existsSync(path.join(h.dataDir, a.outputs[0]!.path))).toBe(false);
    expect(existsSync(path.join(h.dataDir, b.outputs[0]!.path))).toBe(true);
  });
});
