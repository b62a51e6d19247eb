import type { GenerationRequest, ProviderErrorClass, ProviderSafety } from '../../../shared/domain';
import type { Clock, FetchLike } from '../ports';
import type { CatalogModel, CatalogProvider } from './catalog';

/** A stored image handed to a provider: already decoded-checked, EXIF-free, with its size known. */
export interface ReferenceImage {
  bytes: Uint8Array;
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
  width: number;
  height: number;
  /** 0 keeps the reference, 1 ignores it (A1111 `denoising_strength`, Replicate `prompt_strength`). */
  strength: number;
}

export interface ProgressUpdate {
  /** 0..1 where the provider reports it (local steps, some queues); null when only a status is known. */
  fraction: number | null;
  message: string | null;
}

/** The local server a pooled request was placed on (A1111 / ComfyUI); endpoint already points at it. */
export interface LocalServerTarget {
  id: number;
  /** `user:password` for A1111 started with --api-auth. */
  basicAuth: string | null;
  /** ComfyUI workflow in API format with declared bindings, or null for the built-in one. */
  workflow: Record<string, unknown> | null;
}

/** A request as the dispatcher hands it to one adapter: seed already resolved, key already opened. */
export interface AdapterCall {
  request: GenerationRequest & { seed: number };
  provider: CatalogProvider;
  model: CatalogModel;
  /** The key, or null for providers that need none (local servers; optional for OpenAI-compatible). */
  apiKey: string | null;
  /** Base URL without a trailing slash, e.g. `https://api.openai.com`. */
  endpoint: string;
  /** Image-to-image input, when the request has a reference and the model takes one. */
  reference: ReferenceImage | null;
  /** `request.options[provider.id]`: extra provider parameters passed through as they are. */
  options: Record<string, unknown>;
  server: LocalServerTarget | null;
  signal: AbortSignal;
  fetch: FetchLike;
  clock: Clock;
  /** Reports progress while polling or while a local server renders; cheap, call as often as it changes. */
  onProgress(update: ProgressUpdate): void;
}

export interface ProviderImage {
  bytes: Uint8Array;
  /** What the provider said the bytes are, if it said; media ingest checks for itself. */
  declaredMime: string | null;
  /** The provider's own safety flag for this image, where it sends one per image (see `safetyFlag`). */
  safety?: ProviderSafety | null;
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
  /** Provider credits spent where it bills in credits (Leonardo `apiCreditCost`); recorded beside the USD estimate. */
  costCredits?: number | null;
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
  testKey(
    call: Omit<AdapterCall, 'request' | 'model' | 'reference' | 'options' | 'onProgress'>,
  ): Promise<KeyCheck>;
  /** Vision models (Gemini, OpenAI): a short description of an image, e.g. alt text. Never throws. */
  describeImage?(call: DescribeCall): Promise<DescribeResult>;
  /** Local servers only: health, and the checkpoints / LoRAs it offers. Never throws. */
  inspect?(
    call: Omit<AdapterCall, 'request' | 'model' | 'reference' | 'options' | 'onProgress'>,
  ): Promise<ServerInspection>;
}

export interface ServerInspection {
  state: 'healthy' | 'unreachable' | 'error';
  message: string | null;
  models: string[];
  loras: string[];
}

/** One image and an instruction, to a vision model that answers with text. */
export interface DescribeCall {
  apiKey: string;
  /** Base URL without a trailing slash. */
  endpoint: string;
  model: string;
  prompt: string;
  maxOutputTokens: number;
  image: { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' | 'image/webp' };
  signal: AbortSignal;
  fetch: FetchLike;
  clock: Clock;
}

export type DescribeResult =
  | { outcome: 'ok'; text: string; httpStatus: number }
  | {
      outcome: ProviderErrorClass;
      httpStatus: number | null;
      providerCode: string | null;
      providerMessage: string;
    };
