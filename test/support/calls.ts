/** Adapter calls as the provider tests build them, and the two ways a test reads an attempt's result. */

import { type Clock, systemClock } from '../../electron/core/ports';
import type { CatalogModel, CatalogProvider } from '../../electron/core/providers/catalog';
import type {
  AdapterCall,
  AttemptFailure,
  AttemptResult,
  AttemptSuccess,
  LocalServerTarget,
  ProgressUpdate,
  ProviderAdapter,
} from '../../electron/core/providers/types';
import { GenerationRequest, type GenerationRequestInput } from '../../shared/domain';

/** A call whose progress reports are kept, in order. */
export type TestCall<C extends Clock = Clock> = AdapterCall & { progress: ProgressUpdate[]; clock: C };

export interface CallDefaults<C extends Clock> {
  provider: CatalogProvider;
  model: CatalogModel;
  prompt: string;
  /** The seed the dispatcher would have resolved when the request names none. */
  seed: number;
  /** A string, or a function for a double that starts later. */
  endpoint: string | (() => string);
  apiKey?: string | null;
  /** A fresh clock for each call (fake clocks keep what they slept); the system clock when unset. */
  clock?: () => C;
  server?: LocalServerTarget | null;
  /** Request fields every call of the suite starts from. */
  request?: Partial<GenerationRequestInput>;
}

/** `callFor(input, extra)`: a request parsed the way the contract parses it, in a call to the suite's double. */
export function callBuilder<C extends Clock = Clock>(
  defaults: CallDefaults<C>,
): (input?: Partial<GenerationRequestInput>, extra?: Partial<AdapterCall>) => TestCall<C> {
  return (input = {}, extra = {}) => {
    const request = GenerationRequest.parse({
      prompt: defaults.prompt,
      provider: defaults.provider.id,
      ...defaults.request,
      ...input,
    });
    const progress: ProgressUpdate[] = [];
    return {
      request: { ...request, seed: request.seed ?? defaults.seed },
      provider: defaults.provider,
      model: defaults.model,
      apiKey: defaults.apiKey ?? null,
      endpoint: typeof defaults.endpoint === 'string' ? defaults.endpoint : defaults.endpoint(),
      reference: null,
      options: {},
      server: defaults.server ?? null,
      signal: new AbortController().signal,
      fetch: globalThis.fetch,
      clock: (defaults.clock?.() ?? systemClock) as C,
      onProgress: (update) => progress.push(update),
      progress,
      ...extra,
    } as TestCall<C>;
  };
}

/** What `testKey` and `inspect` take: the call without the request's parts. */
export function keyCall(call: AdapterCall): Parameters<ProviderAdapter['testKey']>[0] {
  const { request: _r, model: _m, reference: _ref, options: _o, onProgress: _p, ...rest } = call;
  return rest;
}

export function ok(result: AttemptResult): AttemptSuccess {
  if (result.outcome !== 'ok')
    throw new Error(`expected ok, got ${result.outcome}: ${result.providerMessage}`);
  return result;
}

export function failed(result: AttemptResult): AttemptFailure {
  if (result.outcome === 'ok') throw new Error('expected a failure, got ok');
  return result;
}

/** The attempt as stored and shown: its JSON without the image bytes (where a leaked key would be seen). */
export function shown(result: AttemptResult): string {
  const { images: _images, ...rest } = result as AttemptSuccess;
  return JSON.stringify(rest);
}

/** Plays each scenario on the double, one attempt each, and returns every attempt as `shown`. */
export async function shownPerScenario<S>(
  double: { setScenario(scenario: S): void },
  scenarios: readonly S[],
  attempt: () => Promise<AttemptResult>,
): Promise<string[]> {
  const all: string[] = [];
  for (const scenario of scenarios) {
    double.setScenario(scenario);
    all.push(shown(await attempt()));
  }
  return all;
}
