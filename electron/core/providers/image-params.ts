/**
 * Request shaping shared by adapters: sizes, steps, guidance, counts, seeds, negative prompts and references.
 * Each helper returns what it chose and records the warning for what it could not honour, in the same words
 * wherever adapters say the same thing.
 */
import type { AspectRatio, GenerationRequest } from '../../../shared/domain';
import { type CatalogModel, sizeFor, sizeRatio } from './catalog';
import type { ReferenceImage } from './types';

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

export function negativePromptWarning(label: string): string {
  return `${label} has no negative prompt; it was added to the end of the prompt as "Avoid: …"`;
}

/** The prompt with the negative prompt appended as "Avoid: …" (for models that take none), with its warning. */
export function foldNegativePrompt(request: GenerationRequest, warning: string, warnings: string[]): string {
  const negative = request.negativePrompt.trim();
  if (negative === '') return request.prompt;
  warnings.push(warning);
  return `${request.prompt}\n\nAvoid: ${negative}`;
}

/** FLUX models (Replicate, fal, Black Forest Labs) take no negative prompt, and folding one in backfires. */
export const FLUX_NEGATIVE_PROMPT_NOTE =
  'FLUX has no negative prompt, and naming the unwanted things in the prompt tends to add them; the negative prompt was dropped';

/** A model without image input generated from the prompt alone. */
export function referenceIgnoredWarning(name: string): string {
  return `${name} takes no reference image; it was ignored and the image made from the prompt alone`;
}

/** A model (or this request) where the reference has no place. */
export function referenceNotTakenWarning(name: string): string {
  return `${name} takes no reference image here; the reference was ignored`;
}

/**
 * Image-to-image keeps the reference's shape: warns when it is not the shape asked for.
 * `lead` names the mode and the model: `In image-to-image mode FLUX.1 [dev]`.
 */
export function referenceShapeWarning(
  request: GenerationRequest,
  reference: ReferenceImage,
  lead: string,
  warnings: string[],
): void {
  const wanted = request.size
    ? request.size.width / request.size.height
    : (sizeRatio(request.aspectRatio) ?? 1);
  if (Math.abs(Math.log(wanted / (reference.width / reference.height))) > 0.02) {
    const asked = request.size ? `${request.size.width}×${request.size.height}` : request.aspectRatio;
    warnings.push(
      `${lead} keeps the reference's shape (${reference.width}×${reference.height}); the requested ${asked} was not used`,
    );
  }
}

/** For models that choose their own steps and take no guidance (Gemini, Ideogram, some Leonardo models). */
export function ownStepsWarning(name: string, steps: number): string {
  return `${name} chooses its own steps; steps ${steps} was ignored`;
}

export function noGuidanceWarning(name: string, guidance: number): string {
  return `${name} has no guidance setting; guidance ${guidance} was ignored`;
}

/** Steps and guidance a model has no setting for, each named in a warning. */
export function samplingIgnored(model: CatalogModel, request: GenerationRequest, warnings: string[]): void {
  if (request.steps !== undefined) warnings.push(ownStepsWarning(model.name, request.steps));
  if (request.guidance !== undefined) warnings.push(noGuidanceWarning(model.name, request.guidance));
}

/**
 * The request's steps clamped into `range` (the model's unless a mode narrows it; `where` names that mode),
 * or null when none were asked for or the model takes none. Says "was clamped to" when moved.
 */
export function clampedSteps(
  model: CatalogModel,
  request: GenerationRequest,
  warnings: string[],
  narrowed?: { range: { min: number; max: number }; where: string },
): number | null {
  if (request.steps === undefined) return null;
  const steps = model.capabilities.steps;
  if (!steps) {
    warnings.push(`${model.name} chooses its own sampling steps; steps ${request.steps} was ignored`);
    return null;
  }
  const range = narrowed?.range ?? steps;
  const value = Math.min(range.max, Math.max(range.min, request.steps));
  if (value !== request.steps) {
    warnings.push(
      `${model.name} takes ${range.min}–${range.max} steps${narrowed?.where ?? ''}; steps ${request.steps} was clamped to ${value}`,
    );
  }
  return value;
}

/**
 * The request's guidance clamped into the model's range, under the model's own parameter name; null when
 * none was asked for, or the model takes none (`ignored` words that warning).
 */
export function clampedGuidance(
  model: CatalogModel,
  request: GenerationRequest,
  warnings: string[],
  ignored = `${model.name} takes no guidance setting`,
): { param: string; value: number } | null {
  if (request.guidance === undefined) return null;
  const guidance = model.capabilities.guidance;
  if (!guidance) {
    warnings.push(`${ignored}; guidance ${request.guidance} was ignored`);
    return null;
  }
  const value = Math.min(guidance.max, Math.max(guidance.min, request.guidance));
  if (value !== request.guidance) {
    warnings.push(
      `${model.name} takes ${guidance.param} ${guidance.min}–${guidance.max}; guidance ${request.guidance} was clamped to ${value}`,
    );
  }
  return { param: guidance.param, value };
}

/** An exact size rounded onto the model's grid within its bounds, with a warning when it moved. */
export function gridSize(
  model: CatalogModel,
  size: PixelSize,
  exact: { min: number; max: number; multiple: number },
  warnings: string[],
): PixelSize {
  const low = Math.ceil(exact.min / exact.multiple) * exact.multiple;
  const high = Math.floor(exact.max / exact.multiple) * exact.multiple;
  const snap = (value: number) =>
    Math.min(high, Math.max(low, Math.round(value / exact.multiple) * exact.multiple));
  const made = { width: snap(size.width), height: snap(size.height) };
  if (made.width !== size.width || made.height !== size.height) {
    warnings.push(
      `${model.name} takes sizes of ${exact.min}–${exact.max} px in steps of ${exact.multiple}; asked for ${size.width}×${size.height}, made ${made.width}×${made.height}`,
    );
  }
  return made;
}

/** The catalog's size (or ratio) for the aspect ratio, with a warning when the model has none of that shape. */
export function catalogSize(
  model: CatalogModel,
  aspectRatio: AspectRatio,
  noun: 'size' | 'aspect ratio',
  warnings: string[],
): string {
  const { size, exact } = sizeFor(model, aspectRatio);
  if (!exact) warnings.push(`${model.name} has no ${aspectRatio} ${noun}; it made ${size} instead`);
  return size;
}

/** The ratio of `ratios` nearest in shape to `wanted` (width / height); the first on a tie. */
export function nearestRatio(ratios: readonly string[], wanted: number): string {
  let best = ratios[0]!;
  const distance = (r: string) => Math.abs(Math.log((sizeRatio(r) ?? 1) / wanted));
  for (const ratio of ratios) if (distance(ratio) < distance(best)) best = ratio;
  return best;
}
