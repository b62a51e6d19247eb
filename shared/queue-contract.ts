// Calls of the generation queue: what is in flight, so a reloaded screen can show it again. Spread into shared/contract.ts.
import { z } from 'zod';
import { GenerationRequest, RunPhase } from './domain';

/** Live progress of the attempt in flight, as the last `run.progress` event reported it. */
export const RunProgress = z.object({
  provider: z.string(),
  fraction: z.number().min(0).max(1).nullable(),
  message: z.string().nullable(),
});
export type RunProgress = z.infer<typeof RunProgress>;

/** A run still in the persisted queue: waiting for its turn (or a provider slot), or being generated. */
export const ActiveRun = z.object({
  runId: z.number().int().positive(),
  status: z.enum(['queued', 'running']),
  /** `queued` until a request is out; never `done` (a finished run leaves the list). */
  phase: RunPhase.exclude(['done']),
  /** The provider being tried now, else the first of its chain; null when the chain is not known yet. */
  provider: z.string().nullable(),
  message: z.string().nullable(),
  progress: RunProgress.nullable(),
  /** When it was queued and when it first started (epoch ms of the main process's clock). */
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  /** The request as recorded (style and template already rendered in). */
  request: GenerationRequest,
});
export type ActiveRun = z.infer<typeof ActiveRun>;

export const ActiveRuns = z.object({ runs: z.array(ActiveRun) });
export type ActiveRuns = z.infer<typeof ActiveRuns>;

export const queueCalls = {
  /** Queued and running generations, oldest first: the Generate screen's in-flight list after a reload. */
  'generation.active': {
    input: z.strictObject({}),
    output: ActiveRuns,
  },
} as const;
