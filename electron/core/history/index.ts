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
export { createUsageRepo, type SentAttempt, type UsageRepo } from './usage-repo';
