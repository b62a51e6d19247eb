// History's view with nothing chosen: the defaults of `HistoryQuery` and `HistorySort` (./history-contract.ts)
// as plain values, so History's first screen starts from them without building the schemas. A test holds them
// equal to what the schemas give for `{}` (history-defaults.test.ts).
import type { HistoryQuery, HistorySort } from './history-contract';

export const DEFAULT_HISTORY_QUERY: HistoryQuery = {
  text: '',
  providers: [],
  sources: [],
  models: [],
  styles: [],
  styleVersions: [],
  templates: [],
  taskTypes: [],
  minRating: 0,
  favorite: false,
  review: [],
  checks: [],
  statuses: [],
  from: null,
  to: null,
  tags: [],
  boards: [],
  batches: [],
  usedReference: null,
  costMin: null,
  costMax: null,
  trash: 'exclude',
};

export const DEFAULT_HISTORY_SORT: HistorySort = { key: 'date', dir: 'desc' };
