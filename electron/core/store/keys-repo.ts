import { AttemptOutcome, type KeyTest } from '../../../shared/domain';
import type { LibraryDatabase } from './db';

/** A provider key as stored: metadata plus the blob the OS sealed. The plaintext never reaches this table. */
export interface StoredKey {
  provider: string;
  last4: string;
  sealed: Buffer;
  createdAt: number;
  updatedAt: number;
  lastTest: KeyTest | null;
}

export type StoredKeyInfo = Omit<StoredKey, 'sealed'>;

export interface KeysRepo {
  upsert(key: { provider: string; last4: string; sealed: Uint8Array; now: number }): void;
  get(provider: string): StoredKey | null;
  /** Every stored key by provider id, without the sealed blobs. */
  list(): StoredKeyInfo[];
  delete(provider: string): boolean;
  /** False when no key is stored for `provider`. */
  recordTest(provider: string, test: KeyTest): boolean;
}

interface KeyRow {
  provider: string;
  last4: string;
  created_at: number;
  updated_at: number;
  last_test_ok: number | null;
  last_test_outcome: string | null;
  last_test_message: string | null;
  last_test_at: number | null;
}

const INFO_COLUMNS =
  'provider, last4, created_at, updated_at, last_test_ok, last_test_outcome, last_test_message, last_test_at';

export function createKeysRepo(db: LibraryDatabase): KeysRepo {
  const upsert = db.prepare<{ provider: string; last4: string; sealed: Buffer; now: number }>(
    // A replaced key has not been tested yet, so its predecessor's test result is cleared.
    `INSERT INTO provider_keys (provider, last4, sealed, created_at, updated_at)
     VALUES (@provider, @last4, @sealed, @now, @now)
     ON CONFLICT (provider) DO UPDATE SET last4 = excluded.last4, sealed = excluded.sealed,
       updated_at = excluded.updated_at, last_test_ok = NULL, last_test_outcome = NULL,
       last_test_message = NULL, last_test_at = NULL`,
  );
  const select = db.prepare<[string], KeyRow & { sealed: Buffer }>(
    `SELECT ${INFO_COLUMNS}, sealed FROM provider_keys WHERE provider = ?`,
  );
  const selectAll = db.prepare<[], KeyRow>(`SELECT ${INFO_COLUMNS} FROM provider_keys ORDER BY provider`);
  const remove = db.prepare<[string]>('DELETE FROM provider_keys WHERE provider = ?');
  const saveTest = db.prepare<[number, string, string, number, string]>(
    `UPDATE provider_keys SET last_test_ok = ?, last_test_outcome = ?, last_test_message = ?, last_test_at = ?
     WHERE provider = ?`,
  );

  return {
    upsert({ provider, last4, sealed, now }) {
      upsert.run({
        provider,
        last4,
        sealed: Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength),
        now,
      });
    },
    get(provider) {
      const row = select.get(provider);
      return row ? { ...toInfo(row), sealed: row.sealed } : null;
    },
    list() {
      return selectAll.all().map(toInfo);
    },
    delete(provider) {
      return remove.run(provider).changes > 0;
    },
    recordTest(provider, test) {
      return saveTest.run(test.ok ? 1 : 0, test.outcome, test.message, test.at, provider).changes > 0;
    },
  };
}

function toInfo(row: KeyRow): StoredKeyInfo {
  return {
    provider: row.provider,
    last4: row.last4,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastTest: toTest(row),
  };
}

function toTest(row: KeyRow): KeyTest | null {
  const outcome = AttemptOutcome.safeParse(row.last_test_outcome);
  if (row.last_test_at === null || row.last_test_ok === null || !outcome.success) return null;
  return {
    ok: row.last_test_ok === 1,
    outcome: outcome.data,
    message: row.last_test_message ?? '',
    at: row.last_test_at,
  };
}
