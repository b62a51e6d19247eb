export { closeDatabase, type LibraryDatabase, openDatabase } from './db';
export {
  createDispatchSettings,
  type DispatchSettings,
  KeyFlag,
  NO_BUDGETS,
  RouteOverride,
} from './dispatch-settings';
export { createJobsRepo, type Job, type JobState, type JobsRepo } from './jobs-repo';
export { createKeysRepo, type KeysRepo, type StoredKey, type StoredKeyInfo } from './keys-repo';
export {
  createLocalServersRepo,
  type HealthState,
  type LocalServerKind,
  type LocalServersRepo,
  type ServerHealth,
  type StoredServer,
} from './local-servers-repo';
export {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  type MigrateOptions,
  type Migration,
  migrate,
  NewerSchemaError,
} from './migrations';
export {
  type CachedRun,
  createRunsRepo,
  MAX_PAGE_SIZE,
  type NewAttempt,
  type NewOutput,
  type RunCompletion,
  type RunFailure,
  type RunPage,
  type RunsRepo,
  type RunWork,
} from './runs-repo';
export { createSettingsRepo, type SettingsRepo } from './settings-repo';
export { createUsageRepo, type SentAttempt, type UsageRepo } from './usage-repo';
