// @vitest-environment happy-dom
// History's selection (click, Ctrl/Cmd-click, Shift-click ranges, select all) and its remembered view choices.
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));

async function fresh() {
  vi.resetModules();
  return import('./selection');
}

beforeEach(() => localStorage.clear());

const between = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => 1000 - (from + i));

describe('gallery selection', () => {
  it('click picks one, Ctrl/Cmd-click toggles, Shift-click takes the range from the last click', async () => {
    const { useSelection, selectedCount } = await fresh();
    const s = () => useSelection.getState();
    s().click(2, 998, 'only', between);
    expect([...s().ids]).toEqual([998]);
    s().click(7, 993, 'range', between);
    expect([...s().ids]).toEqual([998, 997, 996, 995, 994, 993]);
    // A range backwards from the same anchor.
    s().click(0, 1000, 'range', between);
    expect([...s().ids].sort()).toEqual([1000, 999, 998].sort());
    s().click(5, 995, 'toggle', between);
    s().click(0, 1000, 'toggle', between);
    expect([...s().ids].sort()).toEqual([995, 998, 999]);
    expect(selectedCount(s(), 5000)).toBe(3);
    s().selectAll();
    expect(selectedCount(s(), 5000)).toBe(5000);
    s().clear();
    expect(selectedCount(s(), 5000)).toBe(0);
  });

  it('density, layout and grouping are remembered, and odd stored values fall back to sane ones', async () => {
    let { useGalleryPrefs } = await fresh();
    expect(useGalleryPrefs.getState()).toMatchObject({ density: 6, mode: 'grid', filters: true });
    useGalleryPrefs.getState().set({ density: 11, mode: 'list', filters: false });
    ({ useGalleryPrefs } = await fresh());
    expect(useGalleryPrefs.getState()).toMatchObject({ density: 11, mode: 'list', filters: false });
    localStorage.setItem(
      'atelier.history.layout',
      JSON.stringify({ density: 99, mode: 'table', filters: 'no' }),
    );
    ({ useGalleryPrefs } = await fresh());
    // Anything but an explicit false keeps the filters shown.
    expect(useGalleryPrefs.getState()).toMatchObject({ density: 12, mode: 'grid', filters: true });
  });

  it('the layout and the filters are kept side by side: setting one never erases the other', async () => {
    let { useGalleryPrefs } = await fresh();
    let { useHistoryFilters, loadHistoryContract } = await import('./filters');
    await loadHistoryContract();
    useGalleryPrefs.getState().set({ density: 9 });
    useHistoryFilters.getState().patch({ text: 'harbour', favorite: true });
    useGalleryPrefs.getState().set({ mode: 'list' });
    ({ useGalleryPrefs } = await fresh());
    ({ useHistoryFilters } = await import('./filters'));
    expect(useGalleryPrefs.getState()).toMatchObject({ density: 9, mode: 'list' });
    expect(useHistoryFilters.getState().query).toMatchObject({ text: 'harbour', favorite: true });
  });
});
