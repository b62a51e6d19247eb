import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type RecordingLogger, recordingLogger } from '../../../test/support/log';
import { tempDirsPerTest } from '../../../test/support/temp-dirs';
import { closeDatabase, type LibraryDatabase, openDatabase } from './db';
import { createJsonColumns, StoredDataError } from './json-column';
import { createLibraryRepo, type LibraryRepo } from './library-repo';
import { createLocalServersRepo, type LocalServersRepo } from './local-servers-repo';

const tempDir = tempDirsPerTest();
let db: LibraryDatabase;
let log: RecordingLogger;

beforeEach(() => {
  db = openDatabase(path.join(tempDir(), 'atelier.db'));
  log = recordingLogger();
});
afterEach(() => closeDatabase(db));

const refusals = () =>
  log.lines.filter((line) => line.message === 'stored JSON refused').map((l) => l.fields);

describe('json columns', () => {
  const at = { table: 'things', column: 'data', id: 7 };

  it('parses with the schema and logs nothing', () => {
    const json = createJsonColumns(log);
    expect(json.read(z.array(z.number()), '[1,2]', at)).toEqual({ ok: true, value: [1, 2] });
    expect(log.lines).toEqual([]);
  });

  it('refuses text that is not JSON, or JSON of another shape, naming the row', () => {
    const json = createJsonColumns(log);
    expect(json.read(z.array(z.number()), '[1,', at)).toMatchObject({ ok: false });
    expect(json.read(z.array(z.number()), '[1,"2"]', at)).toEqual({ ok: false, reason: expect.any(String) });
    expect(refusals()).toEqual([
      { ...at, reason: expect.stringMatching(/^not JSON/) },
      { ...at, reason: expect.stringMatching(/^1: /) },
    ]);
    expect(() => json.require(z.array(z.number()), '{}', at)).toThrow(StoredDataError);
  });
});

describe('a style whose tags are refused', () => {
  let repo: LibraryRepo;
  const listing = (name: string) => ({
    name,
    owner: 'Ana',
    description: '',
    tags: ['print'],
    status: 'draft' as const,
    deprecatedOn: null,
  });
  const all = { words: [], offset: 0, limit: 50 };

  beforeEach(() => {
    repo = createLibraryRepo(db, log);
  });

  it('is left out of the list and refused when read, and its stored tags stay as they are', () => {
    const good = repo.createStyle(listing('Good'), '{}', { now: 1, note: 'new' });
    const bad = repo.createStyle(listing('Damaged'), '{}', { now: 2, note: 'new' });
    db.prepare(`UPDATE styles SET tags = '["print", 3]' WHERE id = ?`).run(bad.id);

    expect(repo.listStyles(all).rows.map((row) => row.name)).toEqual(['Good']);
    expect(refusals()).toEqual([{ table: 'styles', column: 'tags', id: bad.id, reason: expect.any(String) }]);
    expect(() => repo.style(bad.id)).toThrow(StoredDataError);
    expect(() => repo.styleByName('Damaged')).toThrow(/styles row \d+ could not be read \(tags: 1: /);
    expect(repo.style(good.id)?.tags).toEqual(['print']);
    expect(db.prepare('SELECT tags FROM styles WHERE id = ?').pluck().get(bad.id)).toBe('["print", 3]');
  });

  it('negative groups: a refused group is left out of the list and refused when read', () => {
    repo.saveNegativeGroup(
      { slug: 'hands', artifact: 'hands', label: 'Hands', terms: ['extra fingers'], builtin: false },
      1,
    );
    repo.saveNegativeGroup(
      { slug: 'text', artifact: 'text', label: 'Text', terms: ['watermark'], builtin: false },
      1,
    );
    db.prepare(`UPDATE negative_groups SET terms = 'watermark' WHERE slug = 'text'`).run();

    expect(repo.negativeGroups().map((group) => group.slug)).toEqual(['hands']);
    expect(() => repo.negativeGroup('text')).toThrow(StoredDataError);
    expect(refusals().map((fields) => fields?.id)).toEqual(['text', 'text']);
  });
});

describe('a local server whose stored JSON is refused', () => {
  let repo: LocalServersRepo;
  const server = (label: string, workflow: Record<string, unknown> | null) => ({
    kind: 'comfyui' as const,
    label,
    url: 'http://127.0.0.1:8188',
    slots: 1,
    basicAuthSealed: null,
    workflow,
    now: 1,
  });

  beforeEach(() => {
    repo = createLocalServersRepo(db, log);
  });

  it('a refused workflow: left out of the list, refused when read, kept as stored', () => {
    const good = repo.add(server('Good', { '3': { class_type: 'KSampler' } }));
    const bad = repo.add(server('Damaged', { '3': {} }));
    db.prepare(`UPDATE local_servers SET workflow = '[1, 2]' WHERE id = ?`).run(bad);

    expect(repo.list().map((s) => s.label)).toEqual(['Good']);
    expect(() => repo.get(bad)).toThrow(StoredDataError);
    expect(repo.get(good)?.workflow).toEqual({ '3': { class_type: 'KSampler' } });
    expect(refusals().map((fields) => [fields?.id, fields?.column])).toEqual([
      [bad, 'workflow'],
      [bad, 'workflow'],
    ]);
    expect(db.prepare('SELECT workflow FROM local_servers WHERE id = ?').pluck().get(bad)).toBe('[1, 2]');
  });

  it('a refused model list (the last health check) reads as empty and is logged, the server still listed', () => {
    const id = repo.add(server('A1111', null));
    db.prepare(`UPDATE local_servers SET models = 'sd_xl' WHERE id = ?`).run(id);

    expect(repo.list()).toMatchObject([{ id, health: { models: [], loras: [] } }]);
    expect(refusals()).toEqual([
      { table: 'local_servers', column: 'models', id, reason: expect.any(String) },
    ]);
  });
});
