import type { LibraryDatabase } from './db';

/** The content folders whose files rows point at (`media/ab/<sha256>.png`, `thumbs/…`, `references/…`). */
export const CONTENT_FOLDERS = ['media', 'thumbs', 'references'] as const;
/** A stored content path wherever it appears in a value: a column of its own or inside JSON. */
export const CONTENT_PATH = /(?:media|thumbs|references)\/[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z0-9]+/g;

export interface ContentRefsRepo {
  /**
   * The text values of rows that mention a content folder, in batches: one query over at most `rowsPerStep`
   * rows each, so a caller can let other work run between them. Every text column of every table is read, so a table or column added later that
   * stores a path (or JSON holding one) is covered without being listed here.
   */
  mentions(rowsPerStep?: number): Generator<string[]>;
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
    *mentions(rowsPerStep = 500) {
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
          // Windows of `rowsPerStep` rows found on the rowid key, so each query reads a bounded number of rows
          // whatever matches (a LIMIT on matches would scan a whole table that holds none).
          const name = quoted(table.name);
          const windowEnd = db
            .prepare(`SELECT rowid FROM ${name} WHERE rowid > ? ORDER BY rowid LIMIT 1 OFFSET ?`)
            .pluck();
          const page = db
            .prepare(`SELECT ${col} FROM ${name} WHERE rowid > ? AND rowid <= ? AND ${where}`)
            .pluck();
          let after = Number.MIN_SAFE_INTEGER;
          for (;;) {
            const end = windowEnd.get(after, rowsPerStep - 1) as number | undefined;
            yield page.all(after, end ?? Number.MAX_VALUE, ...patterns) as string[];
            if (end === undefined) break;
            after = end;
          }
        }
      }
    },
  };
}
