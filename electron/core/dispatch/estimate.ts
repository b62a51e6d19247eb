import type { GenerationRequest } from '../../../shared/domain';
import { type CatalogModel, pricePerImage, sizeFor } from '../providers/catalog';

export interface StepEstimate {
  /** Catalog price × images the model will make, or null when the catalog has no price. */
  usd: number | null;
  images: number;
  /** The provider size the price was looked up for. */
  size: string;
}

/** What one step would cost: the catalog price for the size and quality it would use, times the count. */
export function estimateStep(request: GenerationRequest, model: CatalogModel): StepEstimate {
  const images = Math.min(request.count, model.capabilities.maxCount);
  const exact = model.capabilities.exactSize;
  const size =
    request.size && exact
      ? `${request.size.width}x${request.size.height}`
      : sizeFor(model, request.aspectRatio).size;
  const quality = model.qualityTiers[request.quality];
  const price = quality === undefined ? null : pricePerImage(model, size, quality);
  return { usd: price === null ? null : Math.round(price * images * 1e6) / 1e6, images, size };
}
