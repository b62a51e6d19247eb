// Names and models looked up in the provider catalog (the list app/catalog.ts loads).

import type { ModelInfo, ProviderInfo } from '../../shared/domain';
import { IMPORT_SOURCE_NAMES, type ImportSource } from '../../shared/import-sources';

export function providerName(providers: ProviderInfo[], id: string | null | undefined): string {
  if (!id) return 'The provider';
  // Imported runs name the tool that made them (Midjourney, InvokeAI…), which is no provider of ours.
  return (
    providers.find((p) => p.id === id)?.name ??
    (Object.hasOwn(IMPORT_SOURCE_NAMES, id) ? IMPORT_SOURCE_NAMES[id as ImportSource] : id)
  );
}

export function modelName(providers: ProviderInfo[], providerId: string, modelId: string | null): string {
  if (!modelId) return '—';
  const model = providers.find((p) => p.id === providerId)?.models.find((m) => m.id === modelId);
  return model?.name ?? modelId;
}

export function findModel(
  providers: ProviderInfo[],
  providerId: string,
  modelId: string,
): ModelInfo | undefined {
  return providers.find((p) => p.id === providerId)?.models.find((m) => m.id === modelId);
}
