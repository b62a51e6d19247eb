import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../../test/support/temp-dirs';
import { CONTENT_PATH, createContentRefsRepo } from './content-refs-repo';
import { closeDatabase, openDatabase } from './db';

const tempDir = tempDirsPerTest();
const stored = (folder: string, n: number) => `${folder}/ab/${'ab'.padEnd(64, String(n % 10))}.png`;

describe('content references', () => {
  it('finds every path any text column mentions, in any table, across step boundaries and rowid gaps', () => {
    const db = openDatabase(path.join(tempDir(), 'a.db'));
    try {
      // Tables a later migration might add: a path column, JSON holding paths, a table without rowid.
      db.exec(`CREATE TABLE later_a (id INTEGER PRIMARY KEY, file TEXT, note TEXT, size INTEGER);
               CREATE TABLE later_b (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;`);
      const insert = db.prepare('INSERT INTO later_a (id, file, note, size) VALUES (?, ?, ?, ?)');
      const expected = new Set<string>();
      for (const [i, id] of [1, 2, 3, 50, 51, 1000, 1001].entries()) {
        insert.run(id, stored('media', i), JSON.stringify({ thumb: stored('thumbs', i) }), 10);
        expected.add(stored('media', i)).add(stored('thumbs', i));
      }
      insert.run(2000, 'no path here', null, 1);
      db.prepare('INSERT INTO later_b (k, v) VALUES (?, ?)').run('x', `["${stored('references', 7)}"]`);
      expected.add(stored('references', 7));

      const found = new Set<string>();
      let steps = 0;
      for (const batch of createContentRefsRepo(db).mentions(2)) {
        steps += 1;
        for (const value of batch) for (const m of value.matchAll(CONTENT_PATH)) found.add(m[0]);
      }
      expect(found).toEqual(expected);
      expect(steps).toBeGreaterThan(4); // Paged, not one query per column.
    } finally {
      closeDatabase(db);
    }
  });
});
