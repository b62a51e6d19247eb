import type { GenerationRequest, ProviderErrorClass } from '../../../shared/domain';
import type { Clock, FetchLike } from '../ports';
import type { CatalogModel, CatalogProvider } from './catalog';

/** A request as the dispatcher hands it to one adapter: seed already resolved, key already opened. */
export interface AdapterCall {
  request: GenerationRequest & { seed: number };
  provider: CatalogProvider;
  model: CatalogModel;
  apiKey: string;
  /** Base URL without a trailing slash, e.g. `https://api.openai.com`. */
  endpoint: string;
  signal: AbortSignal;
  fetch: FetchLike;
  clock: Clock;
}

export interface ProviderImage {
  bytes: Uint8Array;
  /** What the provider said the bytes are, if it said; media ingest checks for itself. */
  declaredMime: string | null;
}

interface AttemptBase {
  /** The request as sent, with every secret removed; stored on the attempt. */
  requestSent: Record<string, unknown>;
  httpStatus: number | null;
  /** What the adapter could not honour (negative prompt dropped, seed unsupported, size snapped...). */
  warnings: string[];
}

export interface AttemptSuccess extends AttemptBase {
  outcome: 'ok';
  images: ProviderImage[];
  /** The seed the provider reports it used, or null when the provider does not take seeds. */
  seedUsed: number | null;
  costUsd: number | null;
  providerMessage: string | null;
}

export interface AttemptFailure extends AttemptBase {
  outcome: ProviderErrorClass;
  providerCode: string | null;
  providerMessage: string;
  retryAfterMs: number | null;
}

export type AttemptResult = AttemptSuccess | AttemptFailure;

export interface KeyCheck {
  outcome: 'ok' | ProviderErrorClass;
  message: string;
}

/**
 * One per provider. Adapters never throw for anything the provider or the network does:
 * they classify it into the closed set of outcomes. Throwing is for programming errors only.
 */
export interface ProviderAdapter {
  readonly id: string;
  generate(call: AdapterCall): Promise<AttemptResult>;
  testKey(call: Omit<AdapterCall, 'request' | 'model'>): Promise<KeyCheck>;
}
