import { describe, expect, it } from 'vitest';
import { HistoryQuery, HistorySort } from './history-contract';
import { DEFAULT_HISTORY_QUERY, DEFAULT_HISTORY_SORT } from './history-defaults';

describe("History's defaults as plain values", () => {
  it('are what the schemas give for an empty view, field for field', () => {
    expect(DEFAULT_HISTORY_QUERY).toStrictEqual(HistoryQuery.parse({}));
    expect(DEFAULT_HISTORY_SORT).toStrictEqual(HistorySort.parse({}));
  });
});
