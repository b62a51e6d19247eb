export {
  createRunsRepo,
  MAX_PAGE_SIZE,
  type NewAttempt,
  type NewOutput,
  type RunCompletion,
  type RunFailure,
  type RunPage,
  type RunsRepo,
} from './runs-repo';
