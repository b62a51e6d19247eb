// The review queue through the contract: new outputs arrive pending; approve (with a sign-off reference),
// reject with a failure mode, rate and favourite each answer with what they replaced, and undo puts it back.
import { afterEach, describe, expect, it } from 'vitest';
import type { ReviewCounts, ReviewItem, ReviewSnapshot } from '../../../shared/review-contract';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import { type Harness, makeHarness } from '../../../test/support/harness';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

function setup(images = 1) {
  const h = makeHarness({
    catalog: testCatalog(testProvider('pa')),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: { pa: scriptedAdapter('pa', [], { outcome: 'ok', images }) },
    keys: ['pa'],
  });
  open.push(h);
  return h;
}

type Changed = { previous: ReviewSnapshot[]; counts: ReviewCounts };
const queue = (h: Harness) => h.call<{ items: ReviewItem[]; counts: ReviewCounts }>('review.queue', {});

describe('review queue', () => {
  it('new outputs arrive pending, oldest first', async () => {
    const h = setup();
    const a = await h.generate({ prompt: 'one' });
    const b = await h.generate({ prompt: 'two' });
    const c = await h.generate({ prompt: 'three' });
    const { items, counts } = await queue(h);
    expect(items.map((i) => [i.runId, i.status])).toEqual([
      [a.id, 'pending'],
      [b.id, 'pending'],
      [c.id, 'pending'],
    ]);
    expect(counts).toEqual({ pending: 3, approved: 0, rejected: 0 });
  });

  it('continues past a given output, oldest first, so a long queue loads page by page', async () => {
    const h = setup();
    const runs = [];
    for (const prompt of ['one', 'two', 'three', 'four']) runs.push(await h.generate({ prompt }));
    const ids = runs.map((r) => r.outputs[0]!.id);
    const first = await h.call<{ items: ReviewItem[] }>('review.queue', { limit: 2 });
    expect(first.items.map((i) => i.outputId)).toEqual(ids.slice(0, 2));
    const next = await h.call<{ items: ReviewItem[] }>('review.queue', { limit: 2, after: ids[1] });
    expect(next.items.map((i) => i.outputId)).toEqual(ids.slice(2, 4));
    expect((await h.call<{ items: ReviewItem[] }>('review.queue', { after: ids[3] })).items).toEqual([]);
    const refused = await h.core.invoke('review.queue', { after: -1 });
    expect(refused.ok ? null : refused.error.message).toMatch(/^review.queue: after: /);
  });

  it('approve records when and the sign-off reference; undo puts the output back in the queue', async () => {
    const h = setup();
    const run = await h.generate();
    const id = run.outputs[0]!.id;
    const approved = await h.call<Changed>('review.decide', {
      outputIds: [id],
      decision: { status: 'approved', approvalRef: ' LEGAL-42 ' },
    });
    expect(approved.counts).toEqual({ pending: 0, approved: 1, rejected: 0 });
    expect(approved.previous).toEqual([
      expect.objectContaining({ outputId: id, status: 'pending', reviewedAt: null, approvalRef: null }),
    ]);
    const output = (await h.run(run.id)).outputs[0]!;
    expect([output.reviewStatus, output.reviewedAt, output.approvalRef]).toEqual([
      'approved',
      h.clock.now(),
      'LEGAL-42',
    ]);
    expect((await queue(h)).items).toEqual([]);

    const undone = await h.call<{ counts: ReviewCounts }>('review.undo', { previous: approved.previous });
    expect(undone.counts).toEqual({ pending: 1, approved: 0, rejected: 0 });
    expect((await h.run(run.id)).outputs[0]).toMatchObject({
      reviewStatus: 'pending',
      reviewedAt: null,
      approvalRef: null,
    });
  });

  it('reject names a failure mode from the catalog; an unknown one is refused by field', async () => {
    const h = setup();
    const run = await h.generate();
    const id = run.outputs[0]!.id;
    await expect(
      h.call('review.decide', { outputIds: [id], decision: { status: 'rejected', reason: 'ugly' } }),
    ).rejects.toThrow(/decision\.reason: there is no failure mode "ugly"/);
    await h.call('review.decide', { outputIds: [id], decision: { status: 'rejected', reason: 'anatomy' } });
    expect((await h.run(run.id)).outputs[0]).toMatchObject({
      reviewStatus: 'rejected',
      rejectReason: 'anatomy',
    });
  });

  it('rating and favourite undo to exactly what was there (a cleared rating stays cleared)', async () => {
    const h = setup();
    const run = await h.generate();
    const id = run.outputs[0]!.id;
    const rated = await h.call<Changed>('review.rate', { outputId: id, rating: 4 });
    const faved = await h.call<Changed>('review.favorite', { outputIds: [id], favorite: true });
    expect((await h.run(run.id)).outputs[0]).toMatchObject({ rating: 4, favorite: true });
    await h.call('review.undo', { previous: faved.previous });
    expect((await h.run(run.id)).outputs[0]).toMatchObject({ rating: 4, favorite: false });
    await h.call('review.undo', { previous: rated.previous });
    expect((await h.run(run.id)).outputs[0]).toMatchObject({ rating: 0, favorite: false });
  });

  it('lists the shipped failure modes with their mitigations', async () => {
    const h = setup();
    const { modes } = await h.call<{ modes: Array<{ id: string; mitigation: unknown }> }>('review.modes', {});
    expect(modes.find((m) => m.id === 'mangled-text')?.mitigation).toEqual({
      kind: 'negativeGroup',
      group: 'text-distortion',
    });
  });

  it('an edited failure-mode list is checked, stored, served, and reset to the shipped one', async () => {
    const h = setup();
    type Modes = { modes: Array<{ id: string; label: string }> };
    await expect(
      h.call('review.saveModes', {
        modes: [{ id: 'hands', label: 'Hands', mitigation: { kind: 'negativeGroup', group: 'nope' } }],
      }),
    ).rejects.toThrow(/invalid_input: modes\[0\]\.mitigation\.group: there is no negative group "nope"/);
    await h.call('review.saveModes', {
      modes: [{ id: 'hands', label: 'Hands', mitigation: { kind: 'negativeGroup', group: 'anatomy' } }],
    });
    await h.restart();
    expect((await h.call<Modes>('review.modes', {})).modes.map((m) => m.id)).toEqual(['hands']);
    const reset = await h.call<Modes>('review.resetModes', {});
    expect(reset.modes.map((m) => m.id)).toContain('mangled-text');
    expect((await h.call<Modes>('review.modes', {})).modes.map((m) => m.id)).toContain('anatomy');
  });

  it('an edited list may name a negative group the designer made; a bad one is refused with the field path', async () => {
    const h = setup();
    await h.call('negatives.save', {
      slug: 'hands-extra',
      artifact: 'anatomy',
      label: 'Hands, extra',
      terms: ['six fingers'],
    });
    const failure = await h.core.invoke('review.saveModes', {
      modes: [
        { id: 'hands', label: 'Hands', mitigation: { kind: 'negativeGroup', group: 'hands-extra' } },
        { id: 'route', label: 'Text', mitigation: { kind: 'provider', provider: 'nobody' } },
        { id: 'again', label: 'hands', mitigation: null },
      ],
    });
    expect(failure.ok).toBe(false);
    if (failure.ok) return;
    expect(failure.error.code).toBe('invalid_input');
    expect(failure.error.issues).toEqual([
      { path: ['modes', 1, 'mitigation', 'provider'], message: 'there is no provider "nobody"' },
      { path: ['modes', 2, 'label'], message: '"hands" is used by another reason' },
    ]);
    const saved = await h.call<{ modes: Array<{ id: string }> }>('review.saveModes', {
      modes: [{ id: 'hands', label: 'Hands', mitigation: { kind: 'negativeGroup', group: 'hands-extra' } }],
    });
    expect(saved.modes.map((m) => m.id)).toEqual(['hands']);
  });

  it('a reason removed from the list keeps its label for the outputs rejected with it', async () => {
    const h = setup();
    type InEffect = { modes: Array<{ id: string }>; retired: Array<{ id: string; label: string }> };
    expect((await h.call<InEffect>('review.modes', {})).retired).toEqual([]);
    await h.call('review.saveModes', {
      modes: [{ id: 'hands', label: 'Bad hands', mitigation: null }],
    });
    await h.call('review.saveModes', { modes: [{ id: 'text', label: 'Text', mitigation: null }] });
    const { retired } = await h.call<InEffect>('review.modes', {});
    expect(retired).toContainEqual({ id: 'hands', label: 'Bad hands' });
    expect(retired).toContainEqual({ id: 'anatomy', label: 'Anatomy' });
    expect(retired.map((r) => r.id)).not.toContain('text');
    const reset = await h.call<InEffect>('review.resetModes', {});
    expect(reset.retired).toEqual([
      { id: 'hands', label: 'Bad hands' },
      { id: 'text', label: 'Text' },
    ]);
  });

  it("a run's card carries its latest live approval: when, and the sign-off reference", async () => {
    const h = setup(2);
    const run = await h.generate({ count: 2 });
    const [first, second] = run.outputs;
    type Page = { items: Array<{ id: number; approval: unknown }> };
    const card = async () => (await h.call<Page>('runs.search', {})).items.find((r) => r.id === run.id);
    expect((await card())?.approval).toBeNull();
    h.clock.advance(1000);
    await h.call('review.decide', {
      outputIds: [first!.id],
      decision: { status: 'approved', approvalRef: 'LEGAL-1' },
    });
    const firstAt = (await h.run(run.id)).outputs[0]!.reviewedAt;
    h.clock.advance(1000);
    await h.call('review.decide', { outputIds: [second!.id], decision: { status: 'approved' } });
    const secondAt = (await h.run(run.id)).outputs[1]!.reviewedAt;
    expect(secondAt).toBeGreaterThan(firstAt!);
    expect((await card())?.approval).toEqual({ at: secondAt, ref: null });
    await h.call('trash.move', { outputIds: [second!.id] });
    expect((await card())?.approval).toEqual({ at: firstAt, ref: 'LEGAL-1' });
    expect((await h.run(run.id)).approval).toEqual({ at: firstAt, ref: 'LEGAL-1' });
  });
});
