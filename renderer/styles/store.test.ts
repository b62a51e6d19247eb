// The Styles library and editor against a stubbed main process: paged loading, filters from memory,
// saving a new style and a new version, status changes, and failures that keep the user's edits.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StyleDetail, StyleFields, StyleSummary } from '../../shared/library-contract';
import {
  type Answer,
  answerWith,
  apiCalls,
  fail,
  heldAnswer,
  ok,
  resetApi,
} from '../../test/support/renderer-api';
import { emptyStyle } from './model';

vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));

const summary = (id: number, patch: Partial<StyleSummary> = {}): StyleSummary => ({
  id,
  name: `Style ${id}`,
  owner: 'Studio',
  description: '',
  tags: [],
  status: 'draft',
  deprecatedOn: null,
  latestVersionId: id * 10,
  version: 1,
  updatedAt: 0,
  cover: null,
  builtin: false,
  ...patch,
});

function detail(id: number, version: number, fields: Partial<StyleFields> = {}): StyleDetail {
  const all = { ...emptyStyle(), name: `Style ${id}`, owner: 'Studio', ...fields };
  return {
    ...summary(id, { name: all.name, status: all.status, version, latestVersionId: id * 10 + version }),
    latest: { versionId: id * 10 + version, version, fields: all },
    versions: [],
  } as unknown as StyleDetail;
}

/** Answers the side lists (templates, negatives) that opening the editor asks for. */
function withSide(rest: (name: string, input: Record<string, unknown>) => Answer | Promise<Answer>) {
  return (name: string, input: Record<string, unknown>) => {
    if (name === 'templates.list') return ok({ items: [] });
    if (name === 'negatives.list') return ok({ groups: [] });
    return rest(name, input);
  };
}

/** Style 3 at version 2, read with `get`; an update saves version 3 with the fields sent. */
function styleThree(get: () => Answer | Promise<Answer>) {
  return withSide((name, input) => {
    if (name === 'styles.get') return get();
    if (name === 'styles.update') return ok(detail(3, 3, input.fields as StyleFields));
    throw new Error(`unexpected call ${name}`);
  });
}

async function freshStore() {
  vi.resetModules();
  return (await import('./store')).useStylesStore;
}

beforeEach(() => {
  resetApi();
});

describe('the style library', () => {
  it('loads every page of the library, and a failed reload keeps what was loaded', async () => {
    const all = Array.from({ length: 3 }, (_, i) => summary(i + 1));
    answerWith((_name, input) => {
      const offset = input.offset as number;
      return ok({
        items: all.slice(offset, offset + 2),
        nextOffset: offset + 2 < all.length ? offset + 2 : null,
      });
    });
    const store = await freshStore();
    await store.getState().load();
    expect(store.getState().status).toBe('ready');
    expect(store.getState().items.map((s) => s.id)).toEqual([1, 2, 3]);
    expect(apiCalls.map((c) => c.input.offset)).toEqual([0, 2]);

    answerWith(() => fail('internal', 'database is locked'));
    await store.getState().load();
    expect(store.getState().status).toBe('ready');
    expect(store.getState().items).toHaveLength(3);
    expect(store.getState().error?.message).toBe('database is locked');
  });

  it('filters combine, from memory', async () => {
    const { visibleStyles } = await import('./store');
    const items = [
      summary(1, { name: 'Teal film', tags: ['film', 'warm'], status: 'approved', owner: 'Ana' }),
      summary(2, { name: 'Paper cut', tags: ['film'], status: 'draft', owner: 'Ana' }),
      summary(3, { name: 'Neon', tags: ['warm'], status: 'approved', owner: 'Ben' }),
    ];
    const none = { query: '', tags: [] as string[], statusFilter: '' as const, owner: '' };
    expect(visibleStyles(items, none)).toHaveLength(3);
    expect(visibleStyles(items, { ...none, tags: ['film', 'warm'] }).map((s) => s.id)).toEqual([1]);
    expect(
      visibleStyles(items, { ...none, statusFilter: 'approved', owner: 'Ben' }).map((s) => s.id),
    ).toEqual([3]);
    expect(visibleStyles(items, { ...none, query: 'paper' }).map((s) => s.id)).toEqual([2]);
  });
});

describe('the style editor', () => {
  it('a new style is created without a template, and says so', async () => {
    answerWith(
      withSide((name, input) => {
        if (name === 'styles.create') return ok(detail(7, 1, input.fields as StyleFields));
        throw new Error(`unexpected call ${name}`);
      }),
    );
    const store = await freshStore();
    store.getState().openNew();
    expect(store.getState().isDirty()).toBe(true);
    await store.getState().chooseTemplate(null);
    store.getState().setDraft({ name: 'Teal look', styleTokens: ['teal and orange'] });
    expect(await store.getState().save()).toBe(true);
    const created = apiCalls.find((c) => c.name === 'styles.create');
    expect(created?.input.fields).toMatchObject({ name: 'Teal look', styleTokens: ['teal and orange'] });
    expect(store.getState()).toMatchObject({
      openId: 7,
      notice: 'Style created as version 1.',
      saving: false,
    });
    expect(store.getState().items.map((s) => s.id)).toEqual([7]);
  });

  it('an edit saves a new version on top of the one it started from, with its note', async () => {
    answerWith(styleThree(() => ok(detail(3, 2))));
    const store = await freshStore();
    await store.getState().open(3);
    expect(store.getState().isDirty()).toBe(false);
    store.getState().setDraft({ description: 'cooler palette' });
    expect(store.getState().isDirty()).toBe(true);
    expect(await store.getState().save('cooler')).toBe(true);
    expect(apiCalls.find((c) => c.name === 'styles.update')?.input).toMatchObject({
      id: 3,
      baseVersionId: 32,
      note: 'cooler',
    });
    expect(store.getState().notice).toBe('Saved as version 3.');
    expect(store.getState().isDirty()).toBe(false);
  });

  it('a re-read asked before a save that lands after it does not put the earlier version back', async () => {
    answerWith(styleThree(() => ok(detail(3, 2))));
    const store = await freshStore();
    await store.getState().open(3);
    // A preview finishes: the editor re-reads the style, and the answer (version 2) is held on its way.
    const stale = heldAnswer();
    answerWith(styleThree(() => stale.promise));
    const refresh = store.getState().refreshOpen();
    store.getState().setDraft({ description: 'cooler palette' });
    expect(await store.getState().save()).toBe(true);
    stale.release(ok(detail(3, 2)));
    await refresh;
    expect(store.getState().detail?.version).toBe(3);
    expect(store.getState().draft.description).toBe('cooler palette');
    expect(store.getState().isDirty()).toBe(false);
  });

  it('a refused save keeps the edits and says why', async () => {
    answerWith(
      withSide((name) => {
        if (name === 'styles.get') return ok(detail(3, 2));
        if (name === 'styles.update') return fail('conflict', 'Someone saved version 3 first.');
        throw new Error(`unexpected call ${name}`);
      }),
    );
    const store = await freshStore();
    await store.getState().open(3);
    store.getState().setDraft({ description: 'mine' });
    expect(await store.getState().save()).toBe(false);
    expect(store.getState().draft.description).toBe('mine');
    expect(store.getState().saveError?.message).toBe('Someone saved version 3 first.');
    expect(store.getState().isDirty()).toBe(true);
  });

  it('approving saves a version with the new status and says which', async () => {
    answerWith(
      withSide((name, input) => {
        if (name === 'styles.get') return ok(detail(3, 1));
        if (name === 'styles.setStatus')
          return ok(detail(3, 2, { status: input.status as StyleFields['status'] }));
        throw new Error(`unexpected call ${name}`);
      }),
    );
    const store = await freshStore();
    await store.getState().open(3);
    expect(await store.getState().setStatus('approved')).toBe(true);
    expect(store.getState().notice).toBe('Approved: version 2.');
    expect(store.getState().items.find((s) => s.id === 3)?.status).toBe('approved');
  });

  it('a refresh after an event keeps unsaved edits', async () => {
    let version = 1;
    answerWith(
      withSide((name) => {
        if (name === 'styles.get') return ok(detail(3, version));
        throw new Error(`unexpected call ${name}`);
      }),
    );
    const store = await freshStore();
    await store.getState().open(3);
    store.getState().setDraft({ description: 'typing…' });
    version = 2;
    await store.getState().refreshOpen();
    expect(store.getState().detail?.version).toBe(2);
    expect(store.getState().draft.description).toBe('typing…');
  });
});
