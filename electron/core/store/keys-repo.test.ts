import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../../test/support/temp-dirs';
import { closeDatabase, type LibraryDatabase, openDatabase } from './db';
import { createKeysRepo, type KeysRepo } from './keys-repo';

const tempDir = tempDirsPerTest();
let file: string;
let db: LibraryDatabase;
let keys: KeysRepo;

beforeEach(() => {
  file = path.join(tempDir(), 'atelier.db');
  db = openDatabase(file);
  keys = createKeysRepo(db);
});
afterEach(() => closeDatabase(db));

const SECRET = 'sk-test-PLAINTEXT-never-stored-1234';
// Stands in for safeStorage: any reversible transformation that hides the text.
const seal = (text: string) => new Uint8Array(Buffer.from(text, 'utf8').map((b) => b ^ 0x5a));

describe('keys repo', () => {
  it('stores exactly the sealed blob it was given, never the plaintext', () => {
    const sealed = seal(SECRET);
    keys.upsert({ provider: 'openai', last4: SECRET.slice(-4), sealed, now: 1000 });

    const stored = keys.get('openai');
    expect(stored).toEqual({
      provider: 'openai',
      last4: '1234',
      sealed: Buffer.from(sealed),
      createdAt: 1000,
      updatedAt: 1000,
      lastTest: null,
    });
    const raw = db.prepare("SELECT sealed FROM provider_keys WHERE provider = 'openai'").pluck().get();
    expect(raw).toEqual(Buffer.from(sealed));

    closeDatabase(db);
    for (const name of fs.readdirSync(path.dirname(file))) {
      const bytes = fs.readFileSync(path.join(path.dirname(file), name));
      expect(bytes.includes(Buffer.from(SECRET)), `${name} holds the plaintext key`).toBe(false);
    }
    db = openDatabase(file);
  });

  it('keeps createdAt on replace, updates the rest and clears the old test result', () => {
    keys.upsert({ provider: 'openai', last4: 'aaaa', sealed: seal('one-aaaa'), now: 1000 });
    keys.recordTest('openai', { ok: true, outcome: 'ok', message: 'Key works.', at: 1500 });
    keys.upsert({ provider: 'openai', last4: 'bbbb', sealed: seal('two-bbbb'), now: 2000 });
    const stored = keys.get('openai');
    expect(stored).toMatchObject({ last4: 'bbbb', createdAt: 1000, updatedAt: 2000, lastTest: null });
    expect(stored?.sealed).toEqual(Buffer.from(seal('two-bbbb')));
  });

  it('records the last key test', () => {
    keys.upsert({ provider: 'openai', last4: 'aaaa', sealed: seal('x-aaaa'), now: 1000 });
    expect(
      keys.recordTest('openai', { ok: false, outcome: 'auth_failed', message: 'Rejected.', at: 1200 }),
    ).toBe(true);
    expect(keys.get('openai')?.lastTest).toEqual({
      ok: false,
      outcome: 'auth_failed',
      message: 'Rejected.',
      at: 1200,
    });
    expect(keys.recordTest('nobody', { ok: true, outcome: 'ok', message: '', at: 1 })).toBe(false);
  });

  it('lists providers in order without their sealed blobs', () => {
    keys.upsert({ provider: 'stability', last4: 'ssss', sealed: seal('s'), now: 2 });
    keys.upsert({ provider: 'openai', last4: 'oooo', sealed: seal('o'), now: 1 });
    const listed = keys.list();
    expect(listed.map((k) => k.provider)).toEqual(['openai', 'stability']);
    for (const key of listed) expect(key).not.toHaveProperty('sealed');
  });

  it('deletes and says whether anything was there', () => {
    keys.upsert({ provider: 'openai', last4: 'aaaa', sealed: seal('x'), now: 1 });
    expect(keys.delete('openai')).toBe(true);
    expect(keys.delete('openai')).toBe(false);
    expect(keys.get('openai')).toBeNull();
  });
});
