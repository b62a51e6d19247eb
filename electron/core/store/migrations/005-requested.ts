import type { Migration } from './migration';

/**
 * The request as the designer made it, beside the rendered one the run sent: the style and template
 * versions it named and the template variables' values as rendered (the typed subject and the defaults
 * filled in). Shown in the run dialog; Reuse (and a future Branch) start from it.
 */
export const requestedSchema: Migration = {
  version: 5,
  name: 'requested input of library runs',
  up(db) {
    db.exec(`
      -- GenerationRequest JSON; NULL for plain runs (their request is what was made).
      ALTER TABLE runs ADD COLUMN requested TEXT;
    `);
  },
};
