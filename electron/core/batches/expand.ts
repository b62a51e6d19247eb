import type { BatchCoords, BatchSpec, BatchSummary } from '../../../shared/batches-contract';
import { type GenerationRequest, MAX_SEED } from '../../../shared/domain';

export type BatchKind = BatchSummary['kind'];

/**
 * The dimensions a spec multiplies, in expansion order. A dimension left empty keeps the request's own value
 * and is not part of the kind; variants count only from two up.
 */
export function batchKind(spec: BatchSpec): BatchKind {
  const kind: BatchKind = [];
  if (spec.styles.length > 0) kind.push('styles');
  if (Object.keys(spec.matrix).length > 0) kind.push('matrix');
  if (spec.aspectRatios.length > 0) kind.push('aspectRatios');
  if (spec.variants > 1) kind.push('variants');
  return kind;
}

/** How many items the spec makes, without making them (the item cap is checked first). */
export function countItems(spec: BatchSpec): number {
  let n = spec.variants;
  n *= Math.max(1, spec.styles.length);
  n *= Math.max(1, spec.aspectRatios.length);
  for (const values of Object.values(spec.matrix)) n *= values.length;
  return n;
}

/**
 * Every item's coordinates, in a fixed order: styles outermost, then the matrix variables in the order the spec
 * lists them, then aspect ratios, then variants innermost (item 0, 1, 2… are the variants of the first
 * combination). The same spec always makes the same numbered items.
 */
export function expandCoords(spec: BatchSpec): BatchCoords[] {
  const axes: Array<{ name: string; values: ReadonlyArray<string | number> }> = [];
  if (spec.styles.length > 0) axes.push({ name: 'style', values: spec.styles });
  for (const [name, values] of Object.entries(spec.matrix)) axes.push({ name: `var:${name}`, values });
  if (spec.aspectRatios.length > 0) axes.push({ name: 'aspectRatio', values: spec.aspectRatios });
  axes.push({ name: 'variant', values: Array.from({ length: spec.variants }, (_, i) => i + 1) });
  let items: BatchCoords[] = [{}];
  for (const axis of axes) {
    items = items.flatMap((coords) => axis.values.map((value) => ({ ...coords, [axis.name]: value })));
  }
  return items;
}

/**
 * The request of the item at `coords`: the spec's request with the style, template values, aspect ratio and
 * seed the coordinates name. A seeded request's variants take the seed + 0, 1, 2…; an unseeded one's draw
 * random seeds (each recorded on its run).
 */
export function itemRequest(spec: BatchSpec, coords: BatchCoords): GenerationRequest {
  const request: GenerationRequest = { ...spec.request };
  const style = coords.style;
  if (typeof style === 'number') request.style = { versionId: style };
  const values: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(coords)) {
    if (key.startsWith('var:')) values[key.slice(4)] = value;
  }
  if (Object.keys(values).length > 0 && request.template) {
    request.template = { ...request.template, values: { ...request.template.values, ...values } };
  }
  const aspectRatio = coords.aspectRatio;
  if (typeof aspectRatio === 'string') {
    request.aspectRatio = aspectRatio as GenerationRequest['aspectRatio'];
    // An exact size would win over the ratio: the ratio is what this dimension varies.
    delete request.size;
  }
  const variant = typeof coords.variant === 'number' ? coords.variant : 1;
  if (request.seed !== null) request.seed = (request.seed + variant - 1) % (MAX_SEED + 1);
  return request;
}
