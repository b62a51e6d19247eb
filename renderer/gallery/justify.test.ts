// The justified-rows layout: full rows fill the width, tiles keep their aspect, and extending is incremental.
import { describe, expect, it } from 'vitest';
import { clampAspect, extendRows, justifyRows, rowWidths, targetHeightFor } from './justify';

const opts = { width: 1000, targetHeight: 200, gap: 10 };

function rowSpan(row: { start: number; end: number; height: number }, aspects: number[]) {
  let sum = 0;
  for (let i = row.start; i < row.end; i++) sum += clampAspect(aspects[i]!) * row.height;
  return sum + opts.gap * (row.end - row.start - 1);
}

describe('justifyRows', () => {
  it('fills every complete row to the width exactly and keeps tiles in order', () => {
    const aspects = Array.from({ length: 97 }, (_, i) => [16 / 9, 9 / 16, 1, 4 / 3, 2 / 3][i % 5]!);
    const rows = justifyRows(aspects, opts);
    expect(rows[0]!.start).toBe(0);
    expect(rows.at(-1)!.end).toBe(97);
    for (let r = 1; r < rows.length; r++) expect(rows[r]!.start).toBe(rows[r - 1]!.end);
    for (const row of rows.filter((row) => row.complete)) {
      expect(rowSpan(row, aspects)).toBeCloseTo(1000, 6);
      expect(row.height).toBeGreaterThan(200 / 1.5);
      expect(row.height).toBeLessThan(200 * 1.5);
    }
  });

  it('gives a 16:9 tile a wider box than a 9:16 tile in the same row', () => {
    const aspects = [16 / 9, 9 / 16, 16 / 9, 9 / 16, 1, 1, 1];
    const rows = justifyRows(aspects, opts);
    const widths = rowWidths(rows[0]!, aspects);
    expect(widths[0]! / widths[1]!).toBeCloseTo(16 / 9 / (9 / 16), 1);
  });

  it('leaves the last, open row at the target height instead of stretching it', () => {
    const rows = justifyRows([1, 1, 1, 1, 1, 1], opts);
    const last = rows.at(-1)!;
    expect(last.complete).toBe(false);
    expect(last.height).toBe(200);
  });

  it('more tiles per row means lower rows', () => {
    const aspects = Array.from({ length: 40 }, () => 1);
    const four = justifyRows(aspects, { ...opts, targetHeight: targetHeightFor(1000, 4, 10) });
    const twelve = justifyRows(aspects, { ...opts, targetHeight: targetHeightFor(1000, 12, 10) });
    expect(four[0]!.end - four[0]!.start).toBe(4);
    expect(twelve[0]!.end - twelve[0]!.start).toBe(12);
  });

  it('extending page by page gives the same rows as one pass and keeps earlier complete rows', () => {
    const aspects = Array.from({ length: 300 }, (_, i) => 0.5 + ((i * 37) % 17) / 10);
    const whole = justifyRows(aspects, opts);
    let rows = justifyRows(aspects.slice(0, 60), opts);
    const firstRow = rows[0];
    for (let n = 120; n <= 300; n += 60) rows = extendRows(rows, aspects.slice(0, n), opts);
    expect(rows).toEqual(whole);
    expect(rows[0]).toBe(firstRow);
  });

  it('draws odd sizes (zero, NaN, extreme) as sane boxes', () => {
    expect(clampAspect(0)).toBe(1);
    expect(clampAspect(Number.NaN)).toBe(1);
    expect(clampAspect(50)).toBe(4);
    const rows = justifyRows([0, Number.NaN, 50, 0.001], opts);
    for (const row of rows) expect(Number.isFinite(row.height)).toBe(true);
  });
});
