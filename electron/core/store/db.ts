import Database from 'better-sqlite3';
import { assertKnownSchema, LATEST_SCHEMA_VERSION, migrate, readSchemaVersion } from './migrations';

/** An open library connection, as every repo module takes it. */
export type LibraryDatabase = Database.Database;

const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (or creates) the library database and brings its schema up to date. A database from a newer
 * Atelier is refused before anything is written to it; `readonly` opens an up-to-date database for reading.
 */
export function openDatabase(file: string, opts: { readonly?: boolean } = {}): LibraryDatabase {
  const readonly = opts.readonly ?? false;
  const db = new Database(file, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
  try {
    // Decide from a read alone: a library we must refuse stays byte-for-byte as it was.
    const version = readSchemaVersion(db);
    assertKnownSchema(version, LATEST_SCHEMA_VERSION);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (!readonly) migrate(db);
    else if (version < LATEST_SCHEMA_VERSION) {
      throw new Error(
        `This library uses schema ${version} and needs an upgrade to ${LATEST_SCHEMA_VERSION}; open it read-write once first.`,
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Closes the connection (a no-op when already closed), refreshing the planner's statistics first. */
export function closeDatabase(db: LibraryDatabase): void {
  if (!db.open) return;
  if (!db.readonly) {
    try {
      db.pragma('optimize');
    } catch {
      // Statistics are an optimisation; failing to refresh them must not stop the close.
    }
  }
  db.close();
}
