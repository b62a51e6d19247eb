import type { ZodType } from 'zod';
import type { Logger } from '../ports';
import type { LibraryDatabase } from './db';
import { createJsonColumns } from './json-column';

export interface SettingsRepo {
  /**
   * The stored value if it still parses with `schema`, else `fallback`. A refused value is logged and kept,
   * not deleted: a newer Atelier may have written a shape this one does not know yet.
   */
  get<T>(key: string, schema: ZodType<T>, fallback: T): T;
  /**
   * Read-modify-write: `change` gets the stored value (or `fallback` when there is none). A stored value that
   * is refused throws `StoredDataError` and stays as it is, rather than be replaced by a change to `fallback`.
   */
  update<T>(key: string, schema: ZodType<T>, fallback: T, change: (current: T) => T, now: number): void;
  set(key: string, value: unknown, now: number): void;
}

export function createSettingsRepo(db: LibraryDatabase, log: Logger): SettingsRepo {
  const json = createJsonColumns(log);
  const at = (key: string) => ({ table: 'settings', column: 'value', id: key });
  const select = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const upsert = db.prepare<[string, string, number]>(
    `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );

  const set = (key: string, value: unknown, now: number) => {
    const text = JSON.stringify(value);
    if (text === undefined)
      throw new TypeError(`Setting "${key}" must be a JSON value, not ${typeof value}.`);
    upsert.run(key, text, now);
  };

  return {
    get(key, schema, fallback) {
      const row = select.get(key);
      if (!row) return fallback;
      const read = json.read(schema, row.value, at(key));
      return read.ok ? read.value : fallback;
    },
    update(key, schema, fallback, change, now) {
      const row = select.get(key);
      set(key, change(row ? json.require(schema, row.value, at(key)) : fallback), now);
    },
    set,
  };
}
