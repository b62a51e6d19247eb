export { closeDatabase, type LibraryDatabase, openDatabase } from './db';
export { createKeysRepo, type KeysRepo, type StoredKey, type StoredKeyInfo } from './keys-repo';
export {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  type MigrateOptions,
  type Migration,
  migrate,
  NewerSchemaError,
} from './migrations';
export { createSettingsRepo, type SettingsRepo } from './settings-repo';
