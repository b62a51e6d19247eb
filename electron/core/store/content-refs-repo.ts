import type { LibraryDatabase } from './db';

/** The content folders whose files rows point at (`media/ab/<sha256>.png`, `thumbs/…`, `references/…`). */
export const CONTENT_FOLDERS = ['media', 'thumbs', 'references'] as const;
/** A stored content path wherever it appears in a value: a column of its own or inside JSON. */
export const CONTENT_PATH = /(?:media|thumbs|references)\/[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z0-9]+/g;

export interface ContentRefsRepo {
  /**
   * Every content path any row mentions, in batches of text values (one short query each, so a caller can
   * yield between them). Every text column of every table is read, so a table or column added later that
   * stores a path (or JSON holding one) is covered without being listed here.
   */
  mentions(batchSize?: number): Generator<string[]>;
}

interface TableInfo {
  name: string;
  type: string;
  wr: number;
}

/** An identifier read from SQLite's own schema, quoted for use in a statement. */
function quoted(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

export function createContentRefsRepo(db: LibraryDatabase): ContentRefsRepo {
  return {
    *mentions(batchSize = 500) {
      const tables = (db.pragma('table_list') as TableInfo[]).filter(
        (t) => t.type === 'table' && !t.name.startsWith('sqlite_'),
      );
      for (const table of tables) {
        const columns = (db.pragma(`table_info(${quoted(table.name)})`) as { name: string }[]).map(
          (c) => c.name,
        );
        for (const column of columns) {
          const col = quoted(column);
          const mentions = CONTENT_FOLDERS.map(() => `${col} LIKE ?`).join(' OR ');
          const patterns = CONTENT_FOLDERS.map((folder) => `%${folder}/%`);
          const where = `typeof(${col}) = 'text' AND (${mentions})`;
          if (table.wr === 1) {
            // No rowid to page by; such tables are small lookups.
            const values = db
              .prepare(`SELECT ${col} FROM ${quoted(table.name)} WHERE ${where}`)
              .pluck()
              .all(...patterns) as string[];
            if (values.length > 0) yield values;
            continue;
          }
          const page = db.prepare(
            `SELECT rowid AS r, ${col} AS v FROM ${quoted(table.name)} WHERE rowid > ? AND ${where} ORDER BY rowid LIMIT ?`,
          );
          let after = Number.MIN_SAFE_INTEGER;
          for (;;) {
            const rows = page.all(after, ...patterns, batchSize) as { r: number; v: string }[];
            if (rows.length === 0) break;
            yield rows.map((row) => row.v);
            after = rows.at(-1)!.r;
            if (rows.length < batchSize) break;
          }
        }
      }
    },
  };
}
