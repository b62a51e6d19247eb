export {
  type BatchesRepo,
  type BatchPace,
  type BatchRow,
  BatchSettingsSnapshot,
  createBatchesRepo,
  type NewBatch,
} from './batches-repo';
export {
  BOARD_NAME_MAX,
  type BoardRow,
  type BoardsRepo,
  createBoardsRepo,
} from './boards-repo';
export {
  CONTENT_PATH,
  type ContentRefsRepo,
  createContentRefsRepo,
} from './content-refs-repo';
export { closeDatabase, type LibraryDatabase, openDatabase } from './db';
export {
  createDispatchSettings,
  type DispatchSettings,
  KeyFlag,
  NO_BUDGETS,
  RouteOverride,
} from './dispatch-settings';
export {
  createExportsRepo,
  type ExportRow,
  type ExportSourceRow,
  type ExportsRepo,
  type NewExport,
} from './exports-repo';
export { createHistoryRepo, type HistoryRepo, type HistoryRepoOptions } from './history-repo';
export {
  createImportsRepo,
  type ImportsRepo,
  type NewImportedRun,
  type StoredImport,
} from './imports-repo';
export { createJobsRepo, type Job, type JobState, type JobsRepo } from './jobs-repo';
export { createKeysRepo, type KeysRepo, type StoredKey, type StoredKeyInfo } from './keys-repo';
export {
  createLibraryRepo,
  type LibraryRepo,
  type NegativeGroupRow,
  type PreviewRow,
  type StyleListing,
  type StyleQuery,
  type StyleRow,
  type TemplateRow,
  type VersionRow,
} from './library-repo';
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
export { createOutputsRepo, type OutputsRepo, type ReviewDecision } from './outputs-repo';
export {
  createQualityRepo,
  type QualityRepo,
  type QualityTarget,
  type StoredHash,
} from './quality-repo';
export {
  createReferencesRepo,
  type NewReference,
  type ReferenceFilter,
  type ReferencePage,
  type ReferencesRepo,
} from './references-repo';
export {
  type CachedRun,
  createRunsRepo,
  MAX_PAGE_SIZE,
  type NewAttempt,
  type NewOutput,
  type RunCompletion,
  type RunFailure,
  type RunPage,
  type RunParent,
  type RunsRepo,
  type RunWork,
} from './runs-repo';
export { createSettingsRepo, type SettingsRepo } from './settings-repo';
export { type SnapshotWorkerOptions, snapshotReader } from './snapshot-aside';
export { createTrashRepo, type TrashList, type TrashRepo, type TrashUse } from './trash-repo';
export { createUsageRepo, type SentAttempt, type UsageRepo } from './usage-repo';
