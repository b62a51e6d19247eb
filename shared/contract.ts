import { z } from 'zod';
import { batchCalls, batchEvents } from './batches-contract';
import {
  AttemptOutcome,
  Budgets,
  ChainStep,
  CostEstimate,
  GenerationRequest,
  KeyInfo,
  KeyStorageInfo,
  LocalServer,
  LocalServerKind,
  ProviderId,
  ProviderInfo,
  ProviderLimits,
  ProviderStatus,
  Reproducibility,
  Route,
  RunDetail,
  RunError,
  RunParentRef,
  RunPhase,
  RunStatus,
  RunSummary,
  TaskType,
} from './domain';

const NoInput = z.strictObject({});
const RunId = z.number().int('must be a whole number').positive('must be a run id');

const secret = z
  .string()
  .trim()
  .min(8, 'looks too short for an API key')
  .max(1024, 'is longer than any API key')
  .regex(/^[\x21-\x7e]+$/, 'must be a single token without spaces');

import { boardCalls, boardEvents } from './boards-contract';
import { exportCalls, exportEvents } from './export-contract';
import { historyCalls } from './history-contract';
import { importCalls, importEvents } from './import-contract';
import { labelText, refuseDeepNesting } from './input-rules';
import { libraryCalls, libraryEvents } from './library-contract';
import { SERVER_SLOTS } from './limits';
import { metadataCalls } from './metadata-contract';
import { qualityCalls, qualityEvents } from './quality-contract';
import { queueCalls } from './queue-contract';
import { referenceCalls, referenceEvents } from './references-contract';
import { reviewCalls, trashCalls } from './review-contract';

/**
 * Every call that crosses the process boundary: `noun.verb` -> input and output schemas.
 * Inputs are parsed before a handler runs; outputs are what the handler promises.
 */
export const calls = {
  'app.info': {
    input: NoInput,
    output: z.object({
      name: z.string(),
      version: z.string(),
      mode: z.enum(['desktop', 'browser']),
      dataDir: z.string(),
      keyStorage: KeyStorageInfo,
      /** The desktop shell can reveal a stored file in the system's file manager. */
      canShowInFolder: z.boolean(),
    }),
  },
  /** Desktop only: opens the file manager at a stored file (an image's original, a reference). */
  'media.showInFolder': {
    input: z.strictObject({ path: z.string().min(1).max(300) }),
    output: z.object({}),
  },
  'keys.list': {
    input: NoInput,
    output: z.object({ keys: z.array(KeyInfo), storage: KeyStorageInfo }),
  },
  'keys.set': {
    input: z.strictObject({ provider: ProviderId, secret }),
    output: KeyInfo,
  },
  'keys.delete': {
    input: z.strictObject({ provider: ProviderId }),
    output: z.object({ deleted: z.boolean() }),
  },
  'keys.test': {
    input: z.strictObject({ provider: ProviderId }),
    output: z.object({ ok: z.boolean(), outcome: AttemptOutcome, message: z.string() }),
  },
  'providers.list': {
    input: NoInput,
    output: z.object({ providers: z.array(ProviderInfo) }),
  },
  'providers.status': {
    input: NoInput,
    output: z.object({ providers: z.array(ProviderStatus) }),
  },
  /** User overrides of a provider's allowance (e.g. a free tier of 15 per minute, 1,500 per day); null fields fall back to the catalog. */
  'providers.setLimits': {
    input: z.strictObject({ provider: ProviderId, limits: ProviderLimits }),
    output: ProviderStatus,
  },
  'providers.resetBreaker': {
    input: z.strictObject({ provider: ProviderId }),
    output: ProviderStatus,
  },
  'routes.list': {
    input: NoInput,
    output: z.object({ routes: z.array(Route) }),
  },
  'routes.set': {
    input: z.strictObject({
      taskType: TaskType,
      chain: z.array(ChainStep).min(1, 'a route needs at least one provider').max(8, 'at most 8 steps'),
      allowContentFallthrough: z.boolean().default(false),
    }),
    output: Route,
  },
  'routes.reset': {
    input: z.strictObject({ taskType: TaskType }),
    output: Route,
  },
  'budgets.get': {
    input: NoInput,
    output: Budgets,
  },
  'budgets.set': {
    input: Budgets,
    output: Budgets,
  },
  'localServers.list': {
    input: NoInput,
    output: z.object({ servers: z.array(LocalServer) }),
  },
  'localServers.add': {
    input: z.strictObject({
      kind: LocalServerKind,
      url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:7860' }),
      label: labelText(60).min(1).optional(),
      slots: z.number().int().min(SERVER_SLOTS.min).max(SERVER_SLOTS.max).default(1),
      /** A1111 started with --api-auth user:password. */
      basicAuth: z
        .string()
        .regex(/^[^:]+:.+$/, 'must be user:password')
        .optional(),
      /** ComfyUI: a workflow in API format with declared bindings; the built-in txt2img/img2img workflow when absent. */
      workflow: z.record(z.string(), z.unknown()).superRefine(refuseDeepNesting(32)).optional(),
    }),
    output: LocalServer,
  },
  'localServers.update': {
    input: z.strictObject({
      id: z.number().int().positive(),
      label: labelText(60).min(1).optional(),
      slots: z.number().int().min(SERVER_SLOTS.min).max(SERVER_SLOTS.max).optional(),
      enabled: z.boolean().optional(),
    }),
    output: LocalServer,
  },
  'localServers.remove': {
    input: z.strictObject({ id: z.number().int().positive() }),
    output: z.object({ removed: z.boolean() }),
  },
  'localServers.check': {
    input: z.strictObject({ id: z.number().int().positive() }),
    output: LocalServer,
  },
  'generation.start': {
    /** `parent` records lineage: the run this one was made from (Branch, Vary) and how. */
    input: GenerationRequest.extend({ parent: RunParentRef.optional() }),
    output: z.object({ runId: z.number() }),
  },
  'generation.reproducibility': {
    input: z.strictObject({ runId: RunId }),
    output: Reproducibility,
  },
  'generation.reproduce': {
    input: z.strictObject({ runId: RunId }),
    output: z.object({ runId: z.number() }),
  },
  'generation.reroll': {
    input: z.strictObject({ runId: RunId }),
    output: z.object({ runId: z.number() }),
  },
  'runs.lineage': {
    input: z.strictObject({ id: RunId }),
    output: z.object({
      parent: RunSummary.nullable(),
      children: z.array(RunSummary),
      /** What this run changed from its parent; empty when it has none. */
      differences: z.array(
        z.object({ field: z.string(), label: z.string(), parent: z.string(), child: z.string() }),
      ),
    }),
  },
  'generation.estimate': {
    input: GenerationRequest,
    output: CostEstimate,
  },
  'generation.retry': {
    input: z.strictObject({ runId: RunId, fresh: z.boolean().default(true) }),
    output: z.object({ runId: z.number() }),
  },
  'generation.cancel': {
    input: z.strictObject({ runId: RunId }),
    output: z.object({ cancelled: z.boolean() }),
  },
  'runs.list': {
    input: z.strictObject({
      before: RunId.optional(),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    output: z.object({ items: z.array(RunSummary), nextBefore: z.number().nullable(), total: z.number() }),
  },
  'runs.get': {
    input: z.strictObject({ id: RunId }),
    output: RunDetail,
  },
  'runs.rate': {
    input: z.strictObject({
      outputId: z.number().int().positive(),
      rating: z.number().int().min(0, 'must be 0 (clear) to 5').max(5, 'must be 0 (clear) to 5'),
    }),
    output: z.object({ outputId: z.number(), rating: z.number() }),
  },
  'runs.tag': {
    input: z.strictObject({
      id: RunId,
      tags: z.array(labelText(40).min(1, 'must not be empty')).max(32, 'at most 32 tags'),
    }),
    output: z.object({ tags: z.array(z.string()) }),
  },
  ...libraryCalls,
  ...referenceCalls,
  ...queueCalls,
  ...historyCalls,
  ...reviewCalls,
  ...trashCalls,
  ...boardCalls,
  ...importCalls,
  ...exportCalls,
  ...metadataCalls,
  ...qualityCalls,
  ...batchCalls,
} as const;

/** Every event the main process pushes to the renderer. */
export const events = {
  'run.updated': z.object({
    runId: z.number(),
    status: RunStatus,
    phase: RunPhase,
    provider: z.string().nullable(),
    message: z.string().nullable(),
  }),
  'run.completed': z.object({
    runId: z.number(),
    status: RunStatus,
    outputsCount: z.number(),
    error: RunError.nullable(),
  }),
  'keys.changed': z.object({ provider: ProviderId }),
  /** Live progress of the attempt in flight (local servers report steps; cloud polling reports status). */
  'run.progress': z.object({
    runId: z.number(),
    provider: z.string(),
    fraction: z.number().min(0).max(1).nullable(),
    message: z.string().nullable(),
  }),
  /** Provider health, breaker, allowance or budget changed: the provider panel refreshes. */
  'providers.changed': z.object({ provider: z.string().nullable() }),
  'localServers.changed': z.object({ id: z.number().nullable() }),
  ...libraryEvents,
  ...referenceEvents,
  ...boardEvents,
  ...importEvents,
  ...qualityEvents,
  ...batchEvents,
  ...exportEvents,
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
/** What a caller may send (defaults not yet applied). */
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
/** What a handler receives (parsed, defaults applied). */
export type ParsedInput<K extends CallName> = z.output<Calls[K]['input']>;
export type CallOutput<K extends CallName> = z.output<Calls[K]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

export const CALL_NAMES = Object.keys(calls) as CallName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}
