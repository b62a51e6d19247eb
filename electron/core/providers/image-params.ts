/**
 * Request shaping shared by adapters that take pixel sizes, steps and guidance (local servers,
 * OpenAI-compatible gateways, OpenAI edits): each helper returns what it chose and the warning to record.
 */
import type { GenerationRequest } from '../../../shared/domain';
import type { FetchLike } from '../ports';
import { type CatalogModel, sizeFor, sizeRatio } from './catalog';
import { describeError } from './http';

export interface PixelSize {
  width: number;
  height: number;
}

/**
 * The pixel size to ask for: the request's exact size snapped onto the model's bounds and multiple,
 * else the catalog size for the aspect ratio. Warns whenever the result differs from what was asked.
 */
export function pixelSize(model: CatalogModel, request: GenerationRequest, warnings: string[]): PixelSize {
  const exact = model.capabilities.exactSize;
  if (request.size && exact) {
    const snap = (value: number) => {
      const clamped = Math.min(exact.max, Math.max(exact.min, value));
      const rounded = Math.round(clamped / exact.multiple) * exact.multiple;
      return Math.min(exact.max, Math.max(exact.min, rounded));
    };
    const width = snap(request.size.width);
    const height = snap(request.size.height);
    if (width !== request.size.width || height !== request.size.height) {
      warnings.push(
        `${model.name} takes sizes from ${exact.min} to ${exact.max} px in steps of ${exact.multiple}; ` +
          `asked for ${request.size.width}×${request.size.height}, made ${width}×${height}`,
      );
    }
    return { width, height };
  }
  const { size, exact: sameShape } = sizeFor(model, request.aspectRatio);
  const parsed = parseSize(size);
  if (!parsed) throw new Error(`model ${model.id} maps ${request.aspectRatio} to "${size}", not W×H`); // Catalog data bug.
  if (request.size) {
    warnings.push(
      `${model.name} takes no exact pixel size; asked for ${request.size.width}×${request.size.height}, made ${size}`,
    );
  } else if (!sameShape) {
    warnings.push(
      `${model.name} has no ${request.aspectRatio} size; it made ${size} (${shapeOf(size)}) instead`,
    );
  }
  return parsed;
}

/** `1024x768` -> { width: 1024, height: 768 }; null for `auto` and the like. */
export function parseSize(size: string): PixelSize | null {
  const match = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(size.trim());
  if (!match) return null;
  return { width: Number(match[1]), height: Number(match[2]) };
}

/**
 * Sampling steps: the request's, clamped to the model's range, else the model's default
 * (the draft tier takes 60% of it, so drafts come back sooner). Null when the model picks its own.
 */
export function samplingSteps(
  model: CatalogModel,
  request: GenerationRequest,
  warnings: string[],
): number | null {
  const range = model.capabilities.steps;
  if (!range) {
    if (request.steps !== undefined) {
      warnings.push(
        `${model.name} chooses its own sampling steps; the ${request.steps} asked for were ignored`,
      );
    }
    return null;
  }
  if (request.steps === undefined) {
    const base = request.quality === 'draft' ? Math.round(range.default * 0.6) : range.default;
    return Math.min(range.max, Math.max(range.min, base));
  }
  const steps = Math.min(range.max, Math.max(range.min, request.steps));
  if (steps !== request.steps) {
    warnings.push(
      `${model.name} takes ${range.min}–${range.max} steps; asked for ${request.steps}, used ${steps}`,
    );
  }
  return steps;
}

/** Guidance (CFG): the request's, clamped to the model's range, else its default; null when it takes none. */
export function guidanceScale(
  model: CatalogModel,
  request: GenerationRequest,
  warnings: string[],
): number | null {
  const range = model.capabilities.guidance;
  if (!range) {
    if (request.guidance !== undefined) {
      warnings.push(`${model.name} takes no guidance scale; the ${request.guidance} asked for was ignored`);
    }
    return null;
  }
  if (request.guidance === undefined) return range.default;
  const value = Math.min(range.max, Math.max(range.min, request.guidance));
  if (value !== request.guidance) {
    warnings.push(
      `${model.name} takes ${range.param} ${range.min}–${range.max}; asked for ${request.guidance}, used ${value}`,
    );
  }
  return value;
}

/** The count a model can make in one request, with a warning when capped. */
export function cappedCount(model: CatalogModel, count: number, warnings: string[]): number {
  const n = Math.min(count, model.capabilities.maxCount);
  if (n < count)
    warnings.push(`${model.name} makes at most ${n} images per request; asked for ${count}, made ${n}`);
  return n;
}

/** `<png 1024×1024, 182 KB>`: how an image appears in a stored requestSent instead of its bytes. */
export function describeImage(image: {
  bytes: Uint8Array;
  mime: string;
  width: number;
  height: number;
}): string {
  const format = image.mime.replace(/^image\//, '');
  const kb = Math.max(1, Math.round(image.bytes.byteLength / 1024));
  return `<${format} ${image.width}×${image.height}, ${kb} KB>`;
}

/** What the first bytes say an image is; providers that send bare base64 do not say. */
export function sniffImageMime(bytes: Uint8Array): string | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42) {
    return 'image/webp';
  }
  return null;
}

/** File extension for a reference's MIME type, for multipart uploads that want a file name. */
export function extensionFor(mime: string): string {
  return mime === 'image/jpeg' ? 'jpg' : mime.replace(/^image\//, '');
}

/** `Authorization: Basic …` for `user:password`, or nothing. */
export function basicAuthHeader(basicAuth: string | null | undefined): Record<string, string> {
  return basicAuth ? { authorization: `Basic ${Buffer.from(basicAuth, 'utf8').toString('base64')}` } : {};
}

/** The password of `user:password`, for redacting it from anything stored; '' when none. */
export function basicAuthSecret(basicAuth: string | null | undefined): string {
  if (!basicAuth) return '';
  const colon = basicAuth.indexOf(':');
  return colon < 0 ? '' : basicAuth.slice(colon + 1);
}

/** `1536x1024` -> `3:2`, for a warning a designer can read. */
export function shapeOf(size: string): string {
  const ratio = sizeRatio(size);
  if (ratio === null) return size;
  for (const [w, h] of [
    [1, 1],
    [3, 2],
    [2, 3],
    [4, 3],
    [3, 4],
    [16, 9],
    [9, 16],
    [7, 4],
    [4, 7],
  ] as const) {
    if (Math.abs(ratio - w / h) < 0.01) return `${w}:${h}`;
  }
  return ratio > 1 ? 'landscape' : 'portrait';
}

export function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** An image fetched by URL, or why not. */
export type FetchedImage =
  | { kind: 'bytes'; bytes: Uint8Array; mime: string | null }
  | { kind: 'status'; status: number }
  | { kind: 'cancelled' }
  | { kind: 'network'; message: string };

/** Downloads an output at once (provider URLs expire); never throws for the network or an abort. */
export async function fetchImage(
  fetch: FetchLike,
  url: string,
  init: { signal: AbortSignal; headers?: Record<string, string> },
): Promise<FetchedImage> {
  if (init.signal.aborted) return { kind: 'cancelled' };
  try {
    const response = await fetch(url, { method: 'GET', headers: init.headers ?? {}, signal: init.signal });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'status', status: response.status };
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const type = response.headers.get('content-type');
    return { kind: 'bytes', bytes, mime: type ? type.split(';')[0]!.trim() : null };
  } catch (error) {
    if (init.signal.aborted) return { kind: 'cancelled' };
    return { kind: 'network', message: describeError(error) };
  }
}
