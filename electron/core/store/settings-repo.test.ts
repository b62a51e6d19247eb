import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempDirsPerTest } from '../../../test/support/temp-dirs';
import { closeDatabase, type LibraryDatabase, openDatabase } from './db';
import { createSettingsRepo, type SettingsRepo } from './settings-repo';

const tempDir = tempDirsPerTest();
let db: LibraryDatabase;
let settings: SettingsRepo;

beforeEach(() => {
  db = openDatabase(path.join(tempDir(), 'atelier.db'));
  settings = createSettingsRepo(db);
});
afterEach(() => closeDatabase(db));

const Theme = z.enum(['light', 'dark']);
const Budget = z.object({ monthlyUsd: z.number().positive() });

describe('settings repo', () => {
  it('returns the fallback for a key never set', () => {
    expect(settings.get('theme', Theme, 'light')).toBe('light');
  });

  it('round-trips JSON values and overwrites', () => {
    settings.set('budget', { monthlyUsd: 25 }, 1000);
    expect(settings.get('budget', Budget, { monthlyUsd: 10 })).toEqual({ monthlyUsd: 25 });
    settings.set('budget', { monthlyUsd: 40 }, 2000);
    expect(settings.get('budget', Budget, { monthlyUsd: 10 })).toEqual({ monthlyUsd: 40 });
    expect(db.prepare("SELECT updated_at FROM settings WHERE key = 'budget'").pluck().get()).toBe(2000);
  });

  it('falls back on a value that no longer parses, and keeps it', () => {
    settings.set('theme', 'sepia', 1000);
    expect(settings.get('theme', Theme, 'light')).toBe('light');
    expect(db.prepare("SELECT value FROM settings WHERE key = 'theme'").pluck().get()).toBe('"sepia"');
  });

  it('falls back on stored text that is not JSON', () => {
    db.prepare("INSERT INTO settings VALUES ('theme', 'not json', 1)").run();
    expect(settings.get('theme', Theme, 'dark')).toBe('dark');
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => settings.set('nothing', undefined, 1)).toThrow(/JSON value/);
  });
});
