import type Database from 'better-sqlite3';

/** One step of the schema. Released migrations are never edited: a change is always a new, higher version. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Runs inside the transaction that also sets `user_version`; throw to roll the whole step back. */
  up(db: Database.Database): void;
}
