import type { LibraryDatabase } from './db';
import type { SnapshotChanges } from './history-facets';

/**
 * Which runs History's in-memory snapshot must read again, journaled by TEMPORARY triggers: they live on
 * this connection only (nothing is added to the library's schema) and record the ids of runs whose filter
 * columns, tags, boards or batch changed, whichever repository wrote them. Run summaries (rating, favourite,
 * review, trash) are kept on `runs` by migration 7's triggers, so an output's change reaches the journal
 * through its run's row. Names (styles, templates, boards, tags) are journaled as run id 0.
 *
 * Each journal belongs to one reader (its own table), so two readers on one connection never take each
 * other's changes. Commits by other connections are not journaled here: the reader watches
 * `PRAGMA data_version` for those.
 */
export interface HistoryJournal {
  /** The changes since the last take, and forgets them. */
  take(): SnapshotChanges;
  /** Forgets what is journaled (after reading the snapshot whole). */
  clear(): void;
}

let journals = 0;

export function createHistoryJournal(db: LibraryDatabase): HistoryJournal {
  const table = `history_journal_${++journals}`;
  // A plain list, no uniqueness: a conflict clause inside a trigger yields to the outer statement's (an
  // upsert's would abort), so duplicates are dropped when read instead.
  const mark = (value: string) => `INSERT INTO temp.${table} (run_id) VALUES (${value});`;
  const triggers: Array<[string, string, string]> = [
    ['runs_i', 'AFTER INSERT ON main.runs', mark('NEW.id')],
    ['runs_u', 'AFTER UPDATE ON main.runs', mark('NEW.id')],
    ['runs_d', 'AFTER DELETE ON main.runs', mark('OLD.id')],
    ['run_tags_i', 'AFTER INSERT ON main.run_tags', mark('NEW.run_id')],
    ['run_tags_d', 'AFTER DELETE ON main.run_tags', mark('OLD.run_id')],
    [
      'board_outputs_i',
      'AFTER INSERT ON main.board_outputs',
      mark('(SELECT run_id FROM main.outputs WHERE id = NEW.output_id)'),
    ],
    [
      'board_outputs_d',
      'AFTER DELETE ON main.board_outputs',
      mark('(SELECT run_id FROM main.outputs WHERE id = OLD.output_id)'),
    ],
    // The quality gate's results (History's "Checks" filter) live outside runs.
    [
      'quality_checks_i',
      'AFTER INSERT ON main.quality_checks',
      mark('(SELECT run_id FROM main.outputs WHERE id = NEW.output_id)'),
    ],
    [
      'quality_checks_u',
      'AFTER UPDATE ON main.quality_checks',
      mark('(SELECT run_id FROM main.outputs WHERE id = NEW.output_id)'),
    ],
    [
      'quality_checks_d',
      'AFTER DELETE ON main.quality_checks',
      mark('(SELECT run_id FROM main.outputs WHERE id = OLD.output_id)'),
    ],
    // Board membership counts live outputs only.
    ['outputs_u', 'AFTER UPDATE OF deleted_at ON main.outputs', mark('NEW.run_id')],
    ['outputs_d', 'AFTER DELETE ON main.outputs', mark('OLD.run_id')],
    // The batch filter: which batch made a run lives in batch_runs.
    ['batch_runs_i', 'AFTER INSERT ON main.batch_runs', mark('NEW.run_id')],
    ['batch_runs_d', 'AFTER DELETE ON main.batch_runs', mark('OLD.run_id')],
  ];
  for (const name of [
    'styles',
    'style_versions',
    'prompt_templates',
    'template_versions',
    'boards',
    'tags',
  ]) {
    for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
      triggers.push([`${name}_${event[0]!.toLowerCase()}`, `AFTER ${event} ON main.${name}`, mark('0')]);
    }
  }
  db.exec(`CREATE TEMP TABLE ${table} (run_id INTEGER)`);
  for (const [name, when, body] of triggers) {
    db.exec(`CREATE TEMP TRIGGER ${table}_${name} ${when} BEGIN ${body} END`);
  }
  const read = db
    .prepare<[], number>(`SELECT DISTINCT run_id FROM temp.${table} WHERE run_id IS NOT NULL`)
    .pluck();
  const empty = db.prepare(`DELETE FROM temp.${table}`);
  return {
    take() {
      const ids = read.all();
      if (ids.length > 0) empty.run();
      const names = ids.includes(0);
      return { runIds: names ? ids.filter((id) => id !== 0) : ids, names };
    },
    clear() {
      empty.run();
    },
  };
}
