import { z } from 'zod';
import {
  ASPECT_RATIOS,
  ATTEMPT_OUTCOMES,
  MAX_SEED,
  REFERENCE_STRENGTH,
  RUN_STATUSES,
  SKIP_CODES,
  TASK_TYPES,
} from './constants';
import { ImportSource } from './import-contract';
import { refuseDeepNesting } from './input-rules';
import { PROVIDER_SAFETY_FIELDS } from './provider-safety';

export { notableSafetyRatings, PROVIDER_SAFETY_SOURCES, safetyRatingWords } from './provider-safety';

import { NEGATIVE_PROMPT_MAX_CHARS, PROMPT_MAX_CHARS, REQUEST_LIMITS } from './limits';

/** How deep a provider's `options` may nest: real provider parameters are a level or two. */
export const MAX_OPTIONS_DEPTH = 8;

export { ASPECT_RATIOS, ATTEMPT_OUTCOMES, MAX_SEED, RUN_STATUSES, TASK_TYPES };

export const TaskType = z.enum(TASK_TYPES);
export type TaskType = z.infer<typeof TaskType>;

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
/** What an adapter can report when a call fails; `skipped` is the dispatcher's, never an adapter's. */
export type ProviderErrorClass = Exclude<AttemptOutcome, 'ok' | 'skipped'>;

export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

const trimmed = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);

/** A whole number inside one of REQUEST_LIMITS' bands. */
const wholeIn = (limits: { min: number; max: number }) =>
  z
    .number()
    .int('must be a whole number')
    .min(limits.min, limits.min === 0 ? 'must be 0 or more' : `must be at least ${limits.min}`)
    .max(limits.max, `must be at most ${limits.max}`);

/** The unified generation request, as a designer states it. Adapters translate it per provider. */
export const GenerationRequest = z.strictObject({
  prompt: trimmed(PROMPT_MAX_CHARS).min(1, 'must not be empty'),
  negativePrompt: trimmed(NEGATIVE_PROMPT_MAX_CHARS).default(''),
  aspectRatio: AspectRatio.default('1:1'),
  /** An exact pixel size; where set it wins over the aspect ratio (snapped, with a warning, where a model cannot). */
  size: z
    .strictObject({ width: wholeIn(REQUEST_LIMITS.size), height: wholeIn(REQUEST_LIMITS.size) })
    .optional(),
  /** null asks for a random seed, which is then recorded so the run stays reproducible. */
  seed: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(MAX_SEED, `must be at most ${MAX_SEED}`)
    .nullable()
    .default(null),
  steps: wholeIn(REQUEST_LIMITS.steps).optional(),
  guidance: z
    .number()
    .min(REQUEST_LIMITS.guidance.min, 'must be 0 or more')
    .max(REQUEST_LIMITS.guidance.max, `must be at most ${REQUEST_LIMITS.guidance.max}`)
    .optional(),
  count: wholeIn(REQUEST_LIMITS.count).default(1),
  quality: QualityTier.default('final'),
  /** Picks the route (provider chain) when no provider is pinned. */
  taskType: TaskType.default('default'),
  /** Pins one provider (and optionally its model); otherwise the task type's route decides. */
  provider: ProviderId.optional(),
  model: z.string().min(1).max(100).optional(),
  /** Image-to-image: a stored image (library-relative path such as `media/ab/….png`) and how far to move from it. */
  reference: z
    .strictObject({
      path: z
        .string()
        .regex(/^(media|references)\/[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z0-9]+$/, 'must be a stored image path'),
      strength: z
        .number()
        .min(0, 'must be between 0 and 1')
        .max(1, 'must be between 0 and 1')
        .default(REFERENCE_STRENGTH.default),
    })
    .optional(),
  /** Escape hatch: provider id -> extra parameters passed to that provider as they are (e.g. Leonardo presetStyle). */
  options: z
    .record(ProviderId, z.record(z.string(), z.unknown()).superRefine(refuseDeepNesting(MAX_OPTIONS_DEPTH)))
    .optional(),
  /** Skip the identical-request cache and generate anew. */
  fresh: z.boolean().default(false),
  /** A style version from the library: its tokens, negatives, defaults and overrides are rendered in before dispatch. */
  style: z.strictObject({ versionId: z.number().int().positive('must be a version id') }).optional(),
  /** A prompt template version and its variable values; the rendered template replaces `prompt` and joins `negativePrompt`. */
  template: z
    .strictObject({
      versionId: z.number().int().positive('must be a version id'),
      values: z.record(z.string().max(32), z.union([z.string().max(2000), z.number()])).default({}),
    })
    .optional(),
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

/**
 * What a model takes beyond the basics, in one shape for both sides: the core fills it from the catalog,
 * Generate draws its Advanced controls from it, and `refineForModel` (shared/model-rules.ts) checks by it.
 */
export const ModelCapabilities = z.object({
  steps: z.object({ min: z.number(), max: z.number(), default: z.number() }).nullable(),
  /** `param` is the provider's own name for it (guidance_scale, cfg_scale, guidance). */
  guidance: z.object({ param: z.string(), min: z.number(), max: z.number(), default: z.number() }).nullable(),
  /** Exact W×H: bounds and the multiple both sides snap to; null when the model only has fixed sizes. */
  exactSize: z.object({ min: z.number(), max: z.number(), multiple: z.number() }).nullable(),
  /** Takes a reference image. */
  imageInput: z.boolean(),
});
export type ModelCapabilities = z.infer<typeof ModelCapabilities>;

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
  /** The seeds this model takes (catalog data); null when it takes none. */
  seedRange: z.object({ min: z.number(), max: z.number() }).nullable().optional(),
  /** Estimated credits per image by quality, for providers that bill in credits. */
  pricePerImageCredits: z.record(z.string(), z.number()).optional(),
  pricePerImageUsd: z.record(z.string(), z.number()),
  priceSource: z.string(),
  ...ModelCapabilities.shape,
  edits: z.boolean(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const ProviderInfo = z.object({
  id: ProviderId,
  name: z.string(),
  kind: z.enum(['cloud', 'local']),
  /** Whether requests need a key (cloud APIs), may take one (a gateway, A1111's --api-auth), or take none. */
  auth: z.enum(['key', 'optional', 'none']),
  implemented: z.boolean(),
  keyUrl: z.string().nullable(),
  models: z.array(ModelInfo),
  defaultModel: z.string(),
  key: KeyInfo.nullable(),
  /** Dollars per credit for providers that bill in credits (dated catalog data); null for dollar billing. */
  usdPerCredit: z.number().nullable().optional(),
});
export type ProviderInfo = z.infer<typeof ProviderInfo>;

/**
 * Where a recorded cost comes from: the provider's dollar figure, its credits at the catalog's dated price
 * per credit, or the catalog estimate when the provider reported nothing. The last two show as "≈ $".
 */
export const CostBasis = z.enum(['reported', 'credits', 'estimate']);
export type CostBasis = z.infer<typeof CostBasis>;

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
  /** Provider credits spent where it bills in credits (Leonardo). */
  costCredits: z.number().nullable().optional(),
  costBasis: CostBasis.nullable().optional(),
  /** True when the outputs came from the identical-request cache (nothing was sent, cost 0). */
  cached: z.boolean().optional(),
  /** The local GPU server (A1111/ComfyUI pool) this attempt ran on. */
  serverId: z.number().nullable().optional(),
});
export type AttemptRecord = z.infer<typeof AttemptRecord>;

/** Where an output stands in review; new outputs arrive pending. */
export const REVIEW_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const ReviewStatus = z.enum(REVIEW_STATUSES);
export type ReviewStatus = z.infer<typeof ReviewStatus>;

/** How a run was made from its parent run (lineage). */
export const DERIVATIONS = ['reproduce', 'branch', 'reroll', 'vary'] as const;
export const Derivation = z.enum(DERIVATIONS);
export type Derivation = z.infer<typeof Derivation>;

/** Whether "Reproduce exactly" can draw the same image again; the reasons say plainly why not. */
export const Reproducibility = z.object({ reproducible: z.boolean(), reasons: z.array(z.string()) });
export type Reproducibility = z.infer<typeof Reproducibility>;

/** The run a new one is made from, and how (lineage). */
export const RunParentRef = z.strictObject({ runId: z.number().int().positive(), derivation: Derivation });
export type RunParentRef = z.infer<typeof RunParentRef>;

/** Gemini's rating of one harm category (`HARM_CATEGORY_SEXUALLY_EXPLICIT`, probability `NEGLIGIBLE`…). */
export const SafetyRating = z.object({
  category: z.string(),
  probability: z.string(),
  blocked: z.boolean(),
});
export type SafetyRating = z.infer<typeof SafetyRating>;

/**
 * What the provider itself said about an output's safety, where it says so per image: fal's
 * `has_nsfw_concepts`, Ideogram's `is_image_safe`, Gemini's `safetyRatings`. Recorded beside Atelier's own
 * checks; Replicate and the others send no such field with a delivered image (a flagged one fails instead).
 */
export const ProviderSafety = z.object({
  /** The provider's field, as documented. */
  field: z.enum(PROVIDER_SAFETY_FIELDS),
  /** Whether the provider flagged the image (a rating of MEDIUM or HIGH, or one marked blocked, flags it). */
  flagged: z.boolean(),
  /** Gemini's ratings, as sent; empty for a yes/no flag. */
  ratings: z.array(SafetyRating),
});
export type ProviderSafety = z.infer<typeof ProviderSafety>;

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
  favorite: z.boolean(),
  reviewStatus: ReviewStatus,
  /** When it was approved or rejected; null while pending. */
  reviewedAt: z.number().nullable(),
  /** A brand or legal sign-off id recorded with the approval, for audit. */
  approvalRef: z.string().nullable(),
  /** The failure-mode id it was rejected for, and the reviewer's note. */
  rejectReason: z.string().nullable(),
  rejectNote: z.string().nullable(),
  /** In the trash since (files kept 30 days); null when live. */
  deletedAt: z.number().nullable(),
  /** The provider's own safety flag for this image, where it sends one; null otherwise. */
  providerSafety: ProviderSafety.nullable(),
});
export type OutputRecord = z.infer<typeof OutputRecord>;

export const RunError = z.object({ code: z.string(), message: z.string() });

/** A board one of a run's live images is on, by name (a badge on the run's card). */
export const RunBoard = z.object({ id: z.number(), name: z.string() });
export type RunBoard = z.infer<typeof RunBoard>;

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
  /** Failed and not-run quality checks over its live images (the card's badge); 0 when none. */
  qualityFlags: z.number().optional(),
  /** The first live image: `path` is the original (what the viewer shows and Download saves). */
  cover: z
    .object({
      /** The output it is (what Download and drag out name). */
      outputId: z.number().optional(),
      path: z.string(),
      thumbPath: z.string(),
      width: z.number(),
      height: z.number(),
    })
    .nullable(),
  error: RunError.nullable(),
  taskType: TaskType.optional(),
  /** The earlier run whose outputs this one reused (identical request with an explicit seed). */
  cachedFrom: z.number().nullable().optional(),
  costCredits: z.number().nullable().optional(),
  /** Where `costUsd` comes from; anything but 'reported' is shown as "≈ $". */
  costBasis: CostBasis.nullable().optional(),
  /** Run-level notes, e.g. that the route let a content block fall through to the next provider. */
  warnings: z
    .array(z.string())
    .optional() /** The exact style and template versions the run was rendered from (library). */,
  styleVersionId: z.number().nullable().optional(),
  templateVersionId: z.number().nullable().optional(),
  /** The highest star rating among the run's images (0 when none is rated): what History's card shows. */
  bestRating: z.number().int().min(0).max(5),
  /** The run's tags, sorted. */
  tags: z.array(z.string()),
  /** Whether any of its (live) images is a favourite. */
  favorite: z.boolean(),
  /** The review states its live images are in, in REVIEW_STATUSES order. */
  reviewStates: z.array(ReviewStatus),
  /** Lineage: the run this one was made from, and how. */
  parentRunId: z.number().nullable(),
  derivation: Derivation.nullable(),
  /** In the trash since; null when live. */
  deletedAt: z.number().nullable(),
  /** Imported runs only: the tool that made the image (History's source filter); absent for runs made here. */
  source: ImportSource.optional(),
  /** The latest approval among its live images: when, and the sign-off reference (audit); null when none. */
  approval: z.object({ at: z.number().nullable(), ref: z.string().nullable() }).nullable().optional(),
  /** The boards its live images are on, by name (badges on History's cards). */
  boards: z.array(RunBoard).optional(),
  /** Runs made by a batch: its id, the item's index and where the item sits in the product (variant, aspect ratio…). */
  batch: z
    .object({
      id: z.number(),
      index: z.number(),
      coords: z.record(z.string(), z.union([z.string(), z.number()])),
    })
    .optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** The chain a run walks, frozen when the run is created (a resumed run walks the same one). */
export const RunRoute = z.object({
  taskType: TaskType,
  label: z.string(),
  chain: z.array(z.object({ provider: z.string(), model: z.string().optional() })),
  allowContentFallthrough: z.boolean(),
  /** True when the request named its provider: then the chain is that provider alone. */
  pinned: z.boolean(),
});
export type RunRoute = z.infer<typeof RunRoute>;

export const RunDetail = RunSummary.extend({
  request: GenerationRequest,
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  durationMs: z.number().nullable(),
  attempts: z.array(AttemptRecord),
  outputs: z.array(OutputRecord),
  tags: z.array(z.string()),
  /** The chain this run walked, as it was when the run was created. */
  route: RunRoute.nullable().optional(),
  /**
   * The request as the designer made it, before the library rendered its style and template in: the
   * versions named and each template variable's value as rendered. Null for plain runs (`request` is it).
   */
  requested: GenerationRequest.nullable().optional(),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const RunPhase = z.enum(['queued', 'requesting', 'ingesting', 'done']);
export type RunPhase = z.infer<typeof RunPhase>;

/** One step of a fallback chain: a provider and, optionally, which of its models. */
export const ChainStep = z.strictObject({
  provider: ProviderId,
  model: z.string().min(1).max(100).optional(),
});
export type ChainStep = z.infer<typeof ChainStep>;

export const Route = z.object({
  taskType: TaskType,
  label: z.string(),
  chain: z.array(ChainStep),
  /** Falling through to the next provider on content_blocked is opt-in, and shown on every run it affects. */
  allowContentFallthrough: z.boolean(),
  /** True when the user changed it from the shipped default. */
  customized: z.boolean(),
});
export type Route = z.infer<typeof Route>;

const money = z.number().nonnegative('must be 0 or more').nullable();
export const BudgetLimits = z.strictObject({ dailyUsd: money, monthlyUsd: money });
export type BudgetLimits = z.infer<typeof BudgetLimits>;
export const Budgets = z.strictObject({
  overall: BudgetLimits,
  providers: z.record(ProviderId, BudgetLimits),
});
export type Budgets = z.infer<typeof Budgets>;

const allowance = z.number().int('must be a whole number').positive('must be positive').nullable();
export const ProviderLimits = z.strictObject({
  perMinute: allowance,
  perDay: allowance,
  concurrency: allowance,
});
export type ProviderLimits = z.infer<typeof ProviderLimits>;

export const BreakerState = z.enum(['closed', 'open', 'half_open']);

export const ProviderStatus = z.object({
  provider: ProviderId,
  /** missing: no key; ready; flagged: the last attempt said the key is wrong or out of quota; no_server: a local provider with no enabled server. */
  key: z.enum(['missing', 'ready', 'flagged', 'not_needed', 'no_server']),
  flag: z.object({ outcome: AttemptOutcome, message: z.string(), at: z.number() }).nullable(),
  breaker: z.object({ state: BreakerState, openUntil: z.number().nullable(), recentFailures: z.number() }),
  limits: ProviderLimits,
  /** The catalog's allowance, shown as the hint beside a user override. */
  defaultLimits: ProviderLimits,
  usage: z.object({ lastMinute: z.number(), today: z.number(), inFlight: z.number() }),
  /** `approx`: part of it is credits converted at the catalog's price, or estimates ("≈ $"). */
  spend: z.object({ todayUsd: z.number(), monthUsd: z.number(), approx: z.boolean().optional() }),
  budget: BudgetLimits,
});
export type ProviderStatus = z.infer<typeof ProviderStatus>;

export const LocalServerKind = z.enum(['a1111', 'comfyui']);
export const LocalServer = z.object({
  id: z.number(),
  kind: LocalServerKind,
  label: z.string(),
  url: z.string(),
  /** How many jobs this server takes at once (A1111 queues internally; ComfyUI runs one prompt at a time per GPU). */
  slots: z.number().int().min(1),
  enabled: z.boolean(),
  health: z.object({
    state: z.enum(['unknown', 'healthy', 'unreachable', 'error']),
    message: z.string().nullable(),
    checkedAt: z.number().nullable(),
    /** Checkpoints (and for A1111, LoRAs) the server reported. */
    models: z.array(z.string()),
    loras: z.array(z.string()),
  }),
  inFlight: z.number(),
});
export type LocalServer = z.infer<typeof LocalServer>;

export const CostEstimate = z.object({
  taskType: TaskType,
  /** The chain this request would walk, with what each step would cost and whether it can run now. */
  steps: z.array(
    z.object({
      provider: z.string(),
      model: z.string(),
      estimateUsd: z.number().nullable(),
      /** The dollars are credits at the catalog's price per credit: shown as "≈ $". */
      converted: z.boolean().optional(),
      eligible: z.boolean(),
      reason: z.string().nullable(),
      /** Why the step cannot run now, as a kind; null when it can. `reason` says it in words. */
      skip: z.enum(SKIP_CODES).nullable(),
    }),
  ),
  /** The first eligible step's estimate: what the run most likely costs. */
  likelyUsd: z.number().nullable(),
  likelyConverted: z.boolean().optional(),
  cached: z.boolean(),
  warnings: z.array(z.string()),
});
export type CostEstimate = z.infer<typeof CostEstimate>;
