import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../../test/support/temp-dirs';
import { openDatabase } from './db';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration, migrate, NewerSchemaError } from './migrations';

const tempDir = tempDirsPerTest();

function freshFile(): string {
  return path.join(tempDir(), 'atelier.db');
}

function userVersion(db: Database.Database): unknown {
  return db.pragma('user_version', { simple: true });
}

/** Every table, index and trigger as SQLite stores it, in a stable order. */
function schemaOf(db: Database.Database): string[] {
  return db
    .prepare<[], { sql: string }>(
      "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )
    .all()
    .map((row) =>
      row.sql
        .split('\n')
        .map((line) => line.trim())
        .join('\n'),
    );
}

function objectNames(db: Database.Database, type: 'table' | 'index'): string[] {
  return db
    .prepare<[string], string>(
      "SELECT name FROM sqlite_schema WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .pluck()
    .all(type);
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('migrations', () => {
  it('are numbered 1, 2, 3… and LATEST_SCHEMA_VERSION is the last', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('step a database from version 0 through every migration', () => {
    const db = new Database(freshFile());
    try {
      expect(userVersion(db)).toBe(0);
      expect(schemaOf(db)).toEqual([]);
      for (const migration of MIGRATIONS) {
        const result = migrate(db, { target: migration.version });
        expect(result).toEqual({ from: migration.version - 1, to: migration.version });
        expect(userVersion(db)).toBe(migration.version);
        // Released migrations must never change: a new schema is a new migration.
        expect(schemaOf(db)).toMatchSnapshot(
          `schema after migration ${migration.version} (${migration.name})`,
        );
      }
    } finally {
      db.close();
    }
  });

  it('migration 1 creates the first schema with its indexes', () => {
    const db = new Database(':memory:');
    migrate(db, { target: 1 });
    expect(objectNames(db, 'table')).toEqual([
      'attempts',
      'outputs',
      'provider_keys',
      'ratings',
      'run_tags',
      'runs',
      'settings',
      'tags',
    ]);
    expect(objectNames(db, 'index')).toEqual([
      'outputs_by_attempt',
      'outputs_by_sha256',
      'run_tags_by_tag',
      'runs_by_status',
    ]);
    db.close();
  });

  it('migration 2 keeps every run, attempt, output and rating, and lets attempts be skipped', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, { target: 1 });
    db.exec(`
      INSERT INTO runs (id, created_at, status, request, prompt, provider, model, seed, count, cost_usd)
        VALUES (7, 1, 'succeeded', '{}', 'a chair', 'openai', 'gpt-image-1', NULL, 1, 0.167);
      INSERT INTO attempts (id, run_id, ordinal, provider, model, request_sent, outcome, http_status, warnings,
        started_at, latency_ms, cost_usd)
        VALUES (3, 7, 1, 'openai', 'gpt-image-1', '{"n":1}', 'ok', 200, '["seed unsupported"]', 2, 900, 0.167);
      INSERT INTO outputs (id, run_id, attempt_id, idx, path, sha256, width, height, format, bytes, thumb_path)
        VALUES (5, 7, 3, 0, 'media/ab/x.png', 'abc', 1024, 1024, 'png', 10, 'thumbs/ab/x.webp');
      INSERT INTO ratings (output_id, rating, updated_at) VALUES (5, 4, 3);
    `);
    migrate(db);
    expect(db.prepare('SELECT id, task_type, cached_from, warnings FROM runs').all()).toEqual([
      { id: 7, task_type: 'default', cached_from: null, warnings: '[]' },
    ]);
    expect(
      db
        .prepare(
          'SELECT id, run_id, outcome, warnings, cost_usd, cost_credits, cached, server_id FROM attempts',
        )
        .all(),
    ).toEqual([
      {
        id: 3,
        run_id: 7,
        outcome: 'ok',
        warnings: '["seed unsupported"]',
        cost_usd: 0.167,
        cost_credits: null,
        cached: 0,
        server_id: null,
      },
    ]);
    expect(db.prepare('SELECT attempt_id FROM outputs WHERE id = 5').pluck().get()).toBe(3);
    expect(db.prepare('SELECT rating FROM ratings WHERE output_id = 5').pluck().get()).toBe(4);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.exec(`INSERT INTO attempts (run_id, ordinal, provider, model, request_sent, outcome, started_at, latency_ms)
             VALUES (7, 2, 'gemini', 'm', '{}', 'skipped', 4, 0)`);
    // Outputs still reference the rebuilt attempts table: deleting the run cascades through both.
    db.prepare('DELETE FROM runs WHERE id = 7').run();
    for (const table of ['attempts', 'outputs', 'ratings']) {
      expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBe(0);
    }
    db.close();
  });

  it('does nothing when the database is already current', () => {
    const db = new Database(':memory:');
    migrate(db);
    expect(migrate(db)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
    db.close();
  });

  it('leaves foreign key enforcement as it found it', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('rolls a failing migration back entirely and keeps the earlier ones', () => {
    const broken: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      up(db) {
        db.exec('CREATE TABLE half_done (x INTEGER)');
        db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('theme', '\"dark\"', 1)").run();
        throw new Error('boom');
      },
    };
    const db = new Database(':memory:');
    expect(() => migrate(db, { migrations: [...MIGRATIONS, broken] })).toThrow(
      `Migration ${broken.version} (broken) failed and was rolled back: boom`,
    );
    expect(userVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(objectNames(db, 'table')).not.toContain('half_done');
    expect(db.prepare('SELECT count(*) FROM settings').pluck().get()).toBe(0);
    db.close();
  });

  it('rolls back a migration that leaves foreign key violations', () => {
    const dangling: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'dangling attempt',
      up(db) {
        db.exec(`INSERT INTO attempts (run_id, ordinal, provider, model, request_sent, outcome, started_at, latency_ms)
                 VALUES (999, 1, 'openai', 'm', '{}', 'ok', 1, 1)`);
      },
    };
    const db = new Database(':memory:');
    expect(() => migrate(db, { migrations: [...MIGRATIONS, dangling] })).toThrow(/foreign key violation/);
    expect(userVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare('SELECT count(*) FROM attempts').pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a list with gaps and a target it does not know', () => {
    const db = new Database(':memory:');
    const gap: Migration = { version: MIGRATIONS.length + 2, name: 'gap', up() {} };
    expect(() => migrate(db, { migrations: [...MIGRATIONS, gap] })).toThrow(
      `expected ${MIGRATIONS.length + 1}`,
    );
    expect(() => migrate(db, { target: LATEST_SCHEMA_VERSION + 1 })).toThrow(/Cannot migrate/);
    expect(userVersion(db)).toBe(0);
    db.close();
  });

  it('refuses a database written by a newer Atelier and leaves its bytes untouched', () => {
    const file = freshFile();
    const newer = LATEST_SCHEMA_VERSION + 1;
    const seed = new Database(file);
    seed.exec(
      "CREATE TABLE future_things (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO future_things VALUES (1, 'x')",
    );
    seed.pragma(`user_version = ${newer}`);
    seed.close();
    const dir = path.dirname(file);
    const before = { hash: sha256(file), files: fs.readdirSync(dir).sort() };

    const message = `This library was written by a newer version of Atelier (schema ${newer}, this app knows up to ${LATEST_SCHEMA_VERSION}). Update Atelier to open it; the library was left untouched.`;
    expect(() => openDatabase(file)).toThrow(message);
    expect(() => openDatabase(file)).toThrow(NewerSchemaError);
    expect(() => openDatabase(file, { readonly: true })).toThrow(message);

    expect({ hash: sha256(file), files: fs.readdirSync(dir).sort() }).toEqual(before);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(userVersion(check)).toBe(newer);
    check.close();
  });

  it('migrate() itself refuses a newer database', () => {
    const db = new Database(':memory:');
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    expect(() => migrate(db)).toThrow(NewerSchemaError);
    db.close();
  });
});
