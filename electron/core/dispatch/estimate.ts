import type { GenerationRequest } from '../../../shared/domain';
import { type CatalogModel, type CatalogProvider, estimatePerImage, sizeFor } from '../providers/catalog';

export interface StepEstimate {
  /** Catalog price × images the model will make, or null when the catalog has no price. */
  usd: number | null;
  /** True when the dollars come from credits at the catalog's price per credit: shown as "≈ $". */
  converted: boolean;
  images: number;
  /** The provider size the price was looked up for. */
  size: string;
}

/**
 * What one step would cost: the catalog price for the size and quality it would use, times the count;
 * for a provider that bills in credits, its estimated credits at the catalog's dated price per credit.
 */
export function estimateStep(
  request: GenerationRequest,
  provider: CatalogProvider,
  model: CatalogModel,
): StepEstimate {
  const images = Math.min(request.count, model.capabilities.maxCount);
  const exact = model.capabilities.exactSize;
  const size =
    request.size && exact
      ? `${request.size.width}x${request.size.height}`
      : sizeFor(model, request.aspectRatio).size;
  const quality = model.qualityTiers[request.quality];
  const each = quality === undefined ? null : estimatePerImage(provider, model, size, quality);
  return {
    usd: each === null ? null : Math.round(each.usd * images * 1e6) / 1e6,
    converted: each?.converted ?? false,
    images,
    size,
  };
}
