import type { ZodType } from 'zod';
import type { LibraryDatabase } from './db';

export interface SettingsRepo {
  /** The stored value if it still parses with `schema`, else `fallback`; an unparsable value is kept, not deleted. */
  get<T>(key: string, schema: ZodType<T>, fallback: T): T;
  set(key: string, value: unknown, now: number): void;
}

export function createSettingsRepo(db: LibraryDatabase): SettingsRepo {
  const select = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const upsert = db.prepare<[string, string, number]>(
    `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );

  return {
    get(key, schema, fallback) {
      const row = select.get(key);
      if (!row) return fallback;
      let raw: unknown;
      try {
        raw = JSON.parse(row.value);
      } catch {
        return fallback;
      }
      const parsed = schema.safeParse(raw);
      // Kept on failure: a newer Atelier may have written a shape this one does not know yet.
      return parsed.success ? parsed.data : fallback;
    },
    set(key, value, now) {
      const json = JSON.stringify(value);
      if (json === undefined)
        throw new TypeError(`Setting "${key}" must be a JSON value, not ${typeof value}.`);
      upsert.run(key, json, now);
    },
  };
}
