import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type RecordingLogger, recordingLogger } from '../../../test/support/log';
import { tempDirsPerTest } from '../../../test/support/temp-dirs';
import { closeDatabase, type LibraryDatabase, openDatabase } from './db';
import { createDispatchSettings } from './dispatch-settings';
import { StoredDataError } from './json-column';
import { createSettingsRepo, type SettingsRepo } from './settings-repo';

const tempDir = tempDirsPerTest();
let db: LibraryDatabase;
let settings: SettingsRepo;
let log: RecordingLogger;

beforeEach(() => {
  db = openDatabase(path.join(tempDir(), 'atelier.db'));
  log = recordingLogger();
  settings = createSettingsRepo(db, log);
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

  it('falls back on a value that no longer parses, keeps it, and logs its key', () => {
    settings.set('theme', 'sepia', 1000);
    expect(settings.get('theme', Theme, 'light')).toBe('light');
    expect(db.prepare("SELECT value FROM settings WHERE key = 'theme'").pluck().get()).toBe('"sepia"');
    expect(log.lines).toEqual([
      {
        level: 'warn',
        message: 'stored JSON refused',
        fields: { table: 'settings', column: 'value', id: 'theme', reason: expect.stringContaining('input') },
      },
    ]);
  });

  it('falls back on stored text that is not JSON, and logs its key', () => {
    db.prepare("INSERT INTO settings VALUES ('theme', 'not json', 1)").run();
    expect(settings.get('theme', Theme, 'dark')).toBe('dark');
    expect(log.lines.map((line) => [line.fields?.id, line.fields?.reason])).toEqual([
      ['theme', expect.stringMatching(/^not JSON/)],
    ]);
  });

  it('updates from the stored value, or from the fallback when there is none', () => {
    settings.update('budget', Budget, { monthlyUsd: 10 }, (b) => ({ monthlyUsd: b.monthlyUsd + 1 }), 1);
    settings.update('budget', Budget, { monthlyUsd: 10 }, (b) => ({ monthlyUsd: b.monthlyUsd * 2 }), 2);
    expect(settings.get('budget', Budget, { monthlyUsd: 1 })).toEqual({ monthlyUsd: 22 });
  });

  it('refuses to update over a stored value it cannot read, and leaves it as it is', () => {
    db.prepare(`INSERT INTO settings VALUES ('budget', '{"monthlyUsd":"lots"}', 1)`).run();
    const change = () => settings.update('budget', Budget, { monthlyUsd: 10 }, () => ({ monthlyUsd: 5 }), 2);
    expect(change).toThrow(StoredDataError);
    expect(change).toThrow(/settings row "budget" could not be read \(value: monthlyUsd: /);
    expect(db.prepare("SELECT value, updated_at FROM settings WHERE key = 'budget'").get()).toEqual({
      value: '{"monthlyUsd":"lots"}',
      updated_at: 1,
    });
  });

  it('keeps a route override it cannot read rather than write another route over it', () => {
    // A newer Atelier's route shape (or a damaged file): the user's routes must survive this version.
    const stored = '{"default":{"chain":"openai"}}';
    db.prepare('INSERT INTO settings VALUES (?, ?, 1)').run('dispatch.routes', stored);
    const dispatch = createDispatchSettings(settings);
    expect(dispatch.routeOverrides()).toEqual({});
    const route = { chain: [{ provider: 'openai' }], allowContentFallthrough: false };
    expect(() => dispatch.setRouteOverride('photoreal', route, 2)).toThrow(StoredDataError);
    expect(() =>
      dispatch.setLimitOverride('openai', { perMinute: 1, perDay: null, concurrency: null }, 2),
    ).not.toThrow();
    expect(db.prepare("SELECT value FROM settings WHERE key = 'dispatch.routes'").pluck().get()).toBe(stored);
    expect(log.lines.every((line) => line.fields?.id === 'dispatch.routes')).toBe(true);
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => settings.set('nothing', undefined, 1)).toThrow(/JSON value/);
  });
});
