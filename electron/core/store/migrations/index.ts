import type Database from 'better-sqlite3';
import { firstSchema } from './001-first-schema';
import { dispatchSchema } from './002-dispatch';
import { librarySchema } from './003-library';
import { referencesSchema } from './004-references';
import { requestedSchema } from './005-requested';
import { costBasisSchema } from './006-cost-basis';
import { historySchema } from './007-history';
import { importsSchema } from './008-imports';
import { qualitySchema } from './009-quality';
import { providerSafetySchema } from './010-provider-safety';
import { batchesSchema } from './011-batches';
import { exportSchema } from './012-export';
import { referenceChecksSchema } from './013-reference-checks';
import type { Migration } from './migration';

export type { Migration } from './migration';

/** Every schema step, oldest first; versions run 1, 2, 3… without gaps. */
export const MIGRATIONS: readonly Migration[] = [
  firstSchema,
  dispatchSchema,
  librarySchema,
  referencesSchema,
  requestedSchema,
  costBasisSchema,
  historySchema,
  importsSchema,
  qualitySchema,
  providerSafetySchema,
  batchesSchema,
  exportSchema,
  referenceChecksSchema,
];

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0;

/** A library written by a newer Atelier; opening it here could damage data this version does not understand. */
export class NewerSchemaError extends Error {
  readonly found: number;
  readonly known: number;
  constructor(found: number, known: number) {
    super(
      `This library was written by a newer version of Atelier (schema ${found}, this app knows up to ${known}). Update Atelier to open it; the library was left untouched.`,
    );
    this.name = 'NewerSchemaError';
    this.found = found;
    this.known = known;
  }
}

export function readSchemaVersion(db: Database.Database): number {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') throw new Error(`PRAGMA user_version returned ${String(version)}`);
  return version;
}

export function assertKnownSchema(found: number, known: number): void {
  if (found > known) throw new NewerSchemaError(found, known);
}

export interface MigrateOptions {
  /** Stop after this version (tests step through one at a time); defaults to the newest. */
  target?: number;
  /** Defaults to `MIGRATIONS`; tests inject failing ones. */
  migrations?: readonly Migration[];
}

/** Applies the pending migrations, each in its own transaction that also sets `user_version`. */
export function migrate(db: Database.Database, options: MigrateOptions = {}): { from: number; to: number } {
  const migrations = options.migrations ?? MIGRATIONS;
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new Error(`Migration "${migration.name}" has version ${migration.version}; expected ${i + 1}.`);
    }
  });
  const newest = migrations.length;
  const target = options.target ?? newest;
  if (!Number.isInteger(target) || target < 0 || target > newest) {
    throw new Error(`Cannot migrate to schema ${target}: the known versions are 0 to ${newest}.`);
  }
  const from = readSchemaVersion(db);
  assertKnownSchema(from, newest);
  if (from >= target) return { from, to: from };
  if (db.inTransaction) throw new Error('Migrations cannot run inside an open transaction.');

  // Table rebuilds need foreign keys off (the pragma is ignored inside a transaction); each step re-checks them.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) === 1;
  if (foreignKeys) db.pragma('foreign_keys = OFF');
  try {
    for (const migration of migrations) {
      if (migration.version <= from || migration.version > target) continue;
      applyOne(db, migration);
    }
  } finally {
    if (foreignKeys) db.pragma('foreign_keys = ON');
  }
  return { from, to: readSchemaVersion(db) };
}

function applyOne(db: Database.Database, migration: Migration): void {
  const step = db.transaction(() => {
    // Re-read under the write lock: another process may have migrated since we looked.
    const current = readSchemaVersion(db);
    if (current >= migration.version) return;
    migration.up(db);
    const violations = db.pragma('foreign_key_check');
    if (Array.isArray(violations) && violations.length > 0) {
      throw new Error(`it left ${violations.length} foreign key violation(s)`);
    }
    // Integer checked above; PRAGMA cannot take a bound parameter.
    db.pragma(`user_version = ${migration.version}`);
  });
  try {
    step.immediate();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Migration ${migration.version} (${migration.name}) failed and was rolled back: ${reason}`,
      {
        cause: error,
      },
    );
  }
}
