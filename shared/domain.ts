import { z } from 'zod';
import { ASPECT_RATIOS, ATTEMPT_OUTCOMES, MAX_SEED, RUN_STATUSES } from './constants';

export { ASPECT_RATIOS, ATTEMPT_OUTCOMES, MAX_SEED, RUN_STATUSES };

/** Provider ids are data (resources/providers.json); the contract only fixes their shape. */
export const ProviderId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{1,31}$/,
    'must be a provider id such as "openai" (lowercase letters, digits, dashes)',
  );
export type ProviderId = z.infer<typeof ProviderId>;

export const AspectRatio = z.enum(ASPECT_RATIOS);
export type AspectRatio = z.infer<typeof AspectRatio>;

export const QualityTier = z.enum(['draft', 'final']);
export type QualityTier = z.infer<typeof QualityTier>;

export const AttemptOutcome = z.enum(ATTEMPT_OUTCOMES);
export type AttemptOutcome = z.infer<typeof AttemptOutcome>;
export type ProviderErrorClass = Exclude<AttemptOutcome, 'ok'>;

export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

const trimmed = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);

/** The unified generation request, as a designer states it. Adapters translate it per provider. */
export const GenerationRequest = z.strictObject({
  prompt: trimmed(4000).min(1, 'must not be empty'),
  negativePrompt: trimmed(2000).default(''),
  aspectRatio: AspectRatio.default('1:1'),
  /** null asks for a random seed, which is then recorded so the run stays reproducible. */
  seed: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(MAX_SEED, `must be at most ${MAX_SEED}`)
    .nullable()
    .default(null),
  count: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(10, 'must be at most 10')
    .default(1),
  quality: QualityTier.default('final'),
  provider: ProviderId,
  model: z.string().min(1).max(100).optional(),
});
export type GenerationRequest = z.infer<typeof GenerationRequest>;
export type GenerationRequestInput = z.input<typeof GenerationRequest>;

export const KeySource = z.enum(['stored', 'session', 'environment']);
export type KeySource = z.infer<typeof KeySource>;

export const KeyTest = z.object({
  ok: z.boolean(),
  outcome: AttemptOutcome,
  message: z.string(),
  at: z.number(),
});
export type KeyTest = z.infer<typeof KeyTest>;

export const KeyInfo = z.object({
  provider: ProviderId,
  source: KeySource,
  last4: z.string(),
  updatedAt: z.number(),
  lastTest: KeyTest.nullable(),
});
export type KeyInfo = z.infer<typeof KeyInfo>;

export const KeyStorageInfo = z.object({
  /** True when keys survive a restart (sealed by the OS); false when they live only for this run. */
  persistent: z.boolean(),
  /** Whether new keys can be stored at all, and if not, why. */
  canStore: z.boolean(),
  description: z.string(),
});
export type KeyStorageInfo = z.infer<typeof KeyStorageInfo>;

export const ModelInfo = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['active', 'retired']),
  retiredOn: z.string().nullable(),
  successor: z.string().nullable(),
  aspectRatios: z.array(AspectRatio),
  maxCount: z.number(),
  supportsNegativePrompt: z.boolean(),
  supportsSeed: z.boolean(),
  pricePerImageUsd: z.record(z.string(), z.number()),
  priceSource: z.string(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const ProviderInfo = z.object({
  id: ProviderId,
  name: z.string(),
  kind: z.enum(['cloud', 'local']),
  implemented: z.boolean(),
  keyUrl: z.string().nullable(),
  models: z.array(ModelInfo),
  defaultModel: z.string(),
  key: KeyInfo.nullable(),
});
export type ProviderInfo = z.infer<typeof ProviderInfo>;

export const AttemptRecord = z.object({
  id: z.number(),
  ordinal: z.number(),
  provider: z.string(),
  model: z.string(),
  outcome: AttemptOutcome,
  httpStatus: z.number().nullable(),
  providerCode: z.string().nullable(),
  providerMessage: z.string().nullable(),
  retryAfterMs: z.number().nullable(),
  requestSent: z.record(z.string(), z.unknown()),
  warnings: z.array(z.string()),
  startedAt: z.number(),
  latencyMs: z.number(),
  costUsd: z.number().nullable(),
});
export type AttemptRecord = z.infer<typeof AttemptRecord>;

export const OutputRecord = z.object({
  id: z.number(),
  index: z.number(),
  path: z.string(),
  thumbPath: z.string(),
  sha256: z.string(),
  width: z.number(),
  height: z.number(),
  format: z.string(),
  bytes: z.number(),
  rating: z.number().int().min(0).max(5),
});
export type OutputRecord = z.infer<typeof OutputRecord>;

export const RunError = z.object({ code: z.string(), message: z.string() });

export const RunSummary = z.object({
  id: z.number(),
  createdAt: z.number(),
  status: RunStatus,
  prompt: z.string(),
  provider: z.string(),
  model: z.string().nullable(),
  seed: z.number().nullable(),
  count: z.number(),
  costUsd: z.number().nullable(),
  outputsCount: z.number(),
  cover: z.object({ thumbPath: z.string(), width: z.number(), height: z.number() }).nullable(),
  error: RunError.nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunDetail = RunSummary.extend({
  request: GenerationRequest,
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  durationMs: z.number().nullable(),
  attempts: z.array(AttemptRecord),
  outputs: z.array(OutputRecord),
  tags: z.array(z.string()),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const RunPhase = z.enum(['queued', 'requesting', 'ingesting', 'done']);
export type RunPhase = z.infer<typeof RunPhase>;
