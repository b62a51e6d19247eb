import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../../test/support/temp-dirs';
import { closeDatabase, openDatabase } from './db';
import { LATEST_SCHEMA_VERSION } from './migrations';

const tempDir = tempDirsPerTest();

describe('openDatabase', () => {
  it('creates a library in WAL mode with foreign keys, a busy timeout and NORMAL sync, fully migrated', () => {
    const file = path.join(tempDir(), 'atelier.db');
    const db = openDatabase(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      closeDatabase(db);
    }
    expect(fs.existsSync(file)).toBe(true);
  });

  it('reopens an existing library and keeps its data', () => {
    const file = path.join(tempDir(), 'atelier.db');
    const first = openDatabase(file);
    first.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('theme', '\"dark\"', 1)").run();
    closeDatabase(first);
    const second = openDatabase(file);
    expect(second.prepare('SELECT value FROM settings').pluck().get()).toBe('"dark"');
    closeDatabase(second);
  });

  it('works in memory, for tests', () => {
    const db = openDatabase(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    closeDatabase(db);
  });

  it('opens an up-to-date library read-only, where writes fail', () => {
    const file = path.join(tempDir(), 'atelier.db');
    closeDatabase(openDatabase(file));
    const reader = openDatabase(file, { readonly: true });
    try {
      expect(reader.readonly).toBe(true);
      expect(reader.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(0);
      expect(() => reader.prepare("INSERT INTO settings VALUES ('a', '1', 1)").run()).toThrow(/readonly/);
    } finally {
      closeDatabase(reader);
    }
  });

  it('refuses to open a missing library read-only, and one that still needs migrating', () => {
    const dir = tempDir();
    expect(() => openDatabase(path.join(dir, 'missing.db'), { readonly: true })).toThrow();
    const empty = path.join(dir, 'empty.db');
    fs.writeFileSync(empty, '');
    expect(() => openDatabase(empty, { readonly: true })).toThrow(/needs an upgrade/);
  });

  it('closes idempotently', () => {
    const db = openDatabase(':memory:');
    closeDatabase(db);
    expect(db.open).toBe(false);
    expect(() => closeDatabase(db)).not.toThrow();
  });
});
