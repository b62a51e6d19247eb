import type { Migration } from './migration';

/**
 * Where a recorded cost comes from: the provider's own dollar figure ('reported'), its credits turned into
 * dollars at the catalog's price per credit ('credits'), or the catalog estimate because the provider
 * reported nothing ('estimate'). Budgets count all three; the UI marks the last two "≈ $".
 */
export const costBasisSchema: Migration = {
  // Reserved number 006 for issue 7; the integrator gives it its place in the sequence on merge.
  version: 6,
  name: 'cost basis',
  up(db) {
    db.exec(`
      ALTER TABLE attempts ADD COLUMN cost_basis TEXT
        CHECK (cost_basis IN ('reported', 'credits', 'estimate'));
      ALTER TABLE runs ADD COLUMN cost_basis TEXT
        CHECK (cost_basis IN ('reported', 'credits', 'estimate'));
      -- Dollar costs recorded before this step came from the providers' price tables.
      UPDATE attempts SET cost_basis = 'reported' WHERE cost_usd IS NOT NULL;
      UPDATE runs SET cost_basis = 'reported' WHERE cost_usd IS NOT NULL;
    `);
  },
};
