// For tests only: scripted provider adapters and in-memory catalogs and routes (the fake clock is in ./clocks).
import sharp from 'sharp';
import { parseRoutes, type ShippedRoutes } from '../../electron/core/dispatch/routes';
import { type Catalog, parseCatalog } from '../../electron/core/providers/catalog';
import type {
  AdapterCall,
  AttemptResult,
  ProviderAdapter,
  ServerInspection,
} from '../../electron/core/providers/types';
import { TASK_TYPES } from '../../shared/constants';
import type { ChainStep, ProviderErrorClass, ProviderSafety } from '../../shared/domain';

/** One scripted answer. `hold` keeps the call open until the promise settles (or the signal aborts). */
export type Scripted =
  | {
      outcome: 'ok';
      images?: number;
      /** Raw bytes instead of a PNG (e.g. an expired URL that served an HTML page). */
      bytes?: Uint8Array;
      costUsd?: number | null;
      costCredits?: number | null;
      seedUsed?: number | null;
      warnings?: string[];
      hold?: Promise<unknown>;
      progress?: number[];
      /** Undecodable images sent along with the good ones. */
      broken?: number;
      /** The provider's safety flag for each good image, in order (as fal, Ideogram and Gemini send one). */
      safety?: Array<ProviderSafety | null>;
      polls?: number;
      pollMs?: number;
    }
  | {
      outcome: ProviderErrorClass;
      httpStatus?: number | null;
      message?: string;
      retryAfterMs?: number | null;
      hold?: Promise<unknown>;
      /** Polls `clock.sleep(pollMs)` this many times before answering (slow polling). */
      polls?: number;
      pollMs?: number;
    }
  | { hang: true };

export interface RecordedCall {
  provider: string;
  model: string;
  seed: number;
  prompt: string;
  endpoint: string;
  serverId: number | null;
  hasReference: boolean;
  referenceMime: string | null;
  options: Record<string, unknown>;
  basicAuth: string | null;
  referenceBytes: Uint8Array | null;
  /** Set once the call's signal fired. */
  aborted: boolean;
  /** Whether the call is still open. */
  open: boolean;
}

export interface ScriptedAdapter extends ProviderAdapter {
  calls: RecordedCall[];
  /** Answers for the next calls, in order; when they run out, `fallback` answers. */
  script: Scripted[];
  fallback: Scripted;
  /** Health answers for `inspect`, by server endpoint; healthy when absent. */
  health: Map<string, ServerInspection['state']>;
  /** How many health checks ran. */
  inspections: number;
  openCalls(): number;
  /** The most calls open at once, per server id (or 'cloud' without a server). */
  peak: Map<number | 'cloud', number>;
}

let imageCounter = 0;

/** A real, tiny PNG that no other call produces (so content addressing never merges two outputs). */
export async function uniquePng(): Promise<Uint8Array> {
  imageCounter += 1;
  const n = imageCounter;
  const pixels = Buffer.alloc(4 * 4 * 3);
  pixels.writeUInt32BE(n, 0);
  pixels.writeUInt32BE(process.pid, 4);
  return new Uint8Array(
    await sharp(pixels, { raw: { width: 4, height: 4, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** Waits for `hold` or the signal, whichever first; true when the signal fired. */
function waitOrAbort(hold: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => resolve(true);
    signal.addEventListener('abort', onAbort, { once: true });
    hold.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(signal.aborted);
      },
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(signal.aborted);
      },
    );
  });
}

export function scriptedAdapter(
  id: string,
  script: Scripted[] = [],
  fallback: Scripted = { outcome: 'ok' },
): ScriptedAdapter {
  const calls: RecordedCall[] = [];
  const adapter: ScriptedAdapter = {
    id,
    calls,
    script: [...script],
    fallback,
    health: new Map(),
    inspections: 0,
    peak: new Map(),
    openCalls: () => calls.filter((c) => c.open).length,

    async generate(call: AdapterCall): Promise<AttemptResult> {
      const record: RecordedCall = {
        provider: call.provider.id,
        model: call.model.id,
        seed: call.request.seed,
        prompt: call.request.prompt,
        endpoint: call.endpoint,
        serverId: call.server?.id ?? null,
        hasReference: call.reference !== null,
        referenceMime: call.reference?.mime ?? null,
        options: call.options,
        basicAuth: call.server?.basicAuth ?? null,
        referenceBytes: call.reference?.bytes ?? null,
        aborted: call.signal.aborted,
        open: true,
      };
      calls.push(record);
      const where = record.serverId ?? 'cloud';
      const open = calls.filter((c) => c.open && (c.serverId ?? 'cloud') === where).length;
      adapter.peak.set(where, Math.max(adapter.peak.get(where) ?? 0, open));
      call.signal.addEventListener('abort', () => {
        record.aborted = true;
      });
      const step = adapter.script.shift() ?? adapter.fallback;
      const requestSent = { model: call.model.id, prompt: call.request.prompt };
      const cancelled = (): AttemptResult => ({
        outcome: 'cancelled',
        requestSent,
        httpStatus: null,
        warnings: [],
        providerCode: null,
        providerMessage: 'Cancelled while waiting for the provider.',
        retryAfterMs: null,
      });
      try {
        if ('hang' in step) {
          await waitOrAbort(new Promise(() => {}), call.signal);
          return cancelled();
        }
        if (step.hold && (await waitOrAbort(step.hold, call.signal))) return cancelled();
        for (let i = 0; i < (step.polls ?? 0); i += 1) {
          try {
            await call.clock.sleep(step.pollMs ?? 1000, call.signal);
          } catch {
            return cancelled();
          }
          call.onProgress({ fraction: (i + 1) / (step.polls ?? 1), message: `poll ${i + 1}` });
        }
        if (call.signal.aborted) return cancelled();
        if (step.outcome === 'ok') {
          for (const fraction of step.progress ?? []) call.onProgress({ fraction, message: 'rendering' });
          const images: Uint8Array[] = [];
          for (let i = 0; i < (step.images ?? 1); i += 1) images.push(step.bytes ?? (await uniquePng()));
          for (let i = 0; i < (step.broken ?? 0); i += 1)
            images.push(new TextEncoder().encode('not an image'));
          return {
            outcome: 'ok',
            requestSent,
            httpStatus: 200,
            warnings: step.warnings ?? [],
            images: images.map((bytes, i) => ({
              bytes,
              declaredMime: 'image/png',
              ...(step.safety ? { safety: step.safety[i] ?? null } : {}),
            })),
            seedUsed: step.seedUsed === undefined ? call.request.seed : step.seedUsed,
            costUsd: step.costUsd === undefined ? 0.01 : step.costUsd,
            costCredits: step.costCredits ?? null,
            providerMessage: null,
          };
        }
        return {
          outcome: step.outcome,
          requestSent,
          httpStatus: step.httpStatus === undefined ? defaultStatus(step.outcome) : step.httpStatus,
          warnings: [],
          providerCode: step.outcome,
          providerMessage: step.message ?? `${id} says ${step.outcome}`,
          retryAfterMs: step.retryAfterMs ?? null,
        };
      } finally {
        record.open = false;
      }
    },

    async testKey() {
      return { outcome: 'ok', message: 'fine' };
    },

    async inspect(call) {
      adapter.inspections += 1;
      const state = adapter.health.get(call.endpoint) ?? 'healthy';
      return {
        state,
        message: state === 'healthy' ? null : `${call.endpoint} is ${state}`,
        models: state === 'healthy' ? ['sd_xl_base_1.0'] : [],
        loras: [],
      };
    },
  };
  return adapter;
}

function defaultStatus(outcome: ProviderErrorClass): number | null {
  switch (outcome) {
    case 'rate_limited':
    case 'quota_exhausted':
      return 429;
    case 'auth_failed':
      return 401;
    case 'content_blocked':
    case 'invalid_request':
      return 400;
    case 'unavailable':
      return 503;
    case 'timeout':
      return 504;
    case 'no_image':
      return 200;
    case 'cancelled':
      return null;
  }
}

export interface TestProviderOptions {
  auth?: 'key' | 'optional' | 'none';
  kind?: 'cloud' | 'local';
  limits?: { perMinute?: number | null; perDay?: number | null; concurrency?: number | null };
  /** USD per image at every quality; null for none (then `credits` must price it). */
  price?: number | null;
  /** Bills in credits: the price per credit and the estimated credits per image. */
  credits?: { usdPerCredit: number; perImage: number };
  imageInput?: boolean;
  seed?: boolean;
  /** The seeds the model takes (0 to 4294967294 when not given). */
  seedRange?: { min: number; max: number };
  retired?: string[];
}

/** A minimal valid catalog entry: one active model `<id>-1` (plus retired ones if asked). */
export function testProvider(id: string, opts: TestProviderOptions = {}): Record<string, unknown> {
  const ratios = Object.fromEntries(
    ['1:1', '3:2', '2:3', '4:3', '3:4', '16:9', '9:16'].map((r) => [r, r === '1:1' ? '1024x1024' : null]),
  );
  const model = (modelId: string, retired: boolean) => ({
    id: modelId,
    name: `${id} model ${modelId}`,
    status: retired ? 'retired' : 'active',
    retiredOn: retired ? '2026-01-01' : null,
    successor: retired ? `${id}-1` : null,
    capabilities: {
      negativePrompt: true,
      seed: opts.seed ?? true,
      seedRange:
        (opts.seed ?? true) ? { min: 0, max: 4_294_967_294, ...opts.seedRange, source: 'test' } : null,
      maxCount: 4,
      aspectRatios: ratios,
      imageInput: opts.imageInput ?? false,
    },
    qualityTiers: { draft: 'standard', final: 'standard' },
    pricing: {
      perImageUsd: opts.price === null ? {} : { standard: opts.price ?? 0.01 },
      ...(opts.credits ? { perImageCredits: { standard: opts.credits.perImage } } : {}),
      source: 'test',
      asOf: '2026-01',
    },
  });
  return {
    id,
    name: id.toUpperCase(),
    kind: opts.kind ?? 'cloud',
    keyUrl: null,
    keyEnv: id.toUpperCase().replace(/-/g, '_'),
    defaultEndpoint: `https://${id}.invalid`,
    defaultModel: `${id}-1`,
    auth: opts.auth ?? 'key',
    limits: {
      perMinute: opts.limits?.perMinute ?? null,
      perDay: opts.limits?.perDay ?? null,
      concurrency: opts.limits?.concurrency ?? null,
    },
    credits: opts.credits
      ? { usdPerCredit: opts.credits.usdPerCredit, source: 'test', asOf: '2026-01' }
      : null,
    models: [model(`${id}-1`, false), ...(opts.retired ?? []).map((m) => model(m, true))],
  };
}

export function testCatalog(...providers: Record<string, unknown>[]): Catalog {
  return parseCatalog({ version: 1, providers }, 'test catalog');
}

/** Every task type routed to `chain` (or per task type where given). */
export function testRoutes(
  chain: ChainStep[],
  opts: { allowContentFallthrough?: boolean; byTask?: Partial<Record<string, ChainStep[]>> } = {},
): ShippedRoutes {
  const routes = Object.fromEntries(
    TASK_TYPES.map((task) => [
      task,
      {
        label: `${task} route`,
        chain: opts.byTask?.[task] ?? chain,
        allowContentFallthrough: opts.allowContentFallthrough ?? false,
      },
    ]),
  );
  return parseRoutes({ version: 1, routes }, 'test routes');
}

/** A promise with its resolve handle, to hold a scripted call open until the test lets it go. */
export function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
