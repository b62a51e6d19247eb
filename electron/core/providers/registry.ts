import { openaiAdapter } from './openai';
import type { ProviderAdapter } from './types';

/** Provider id (as in resources/providers.json) -> its adapter; a catalog entry without one is listed as not yet available. */
export const adapters: Record<string, ProviderAdapter> = {
  [openaiAdapter.id]: openaiAdapter,
};

export function getAdapter(id: string): ProviderAdapter | null {
  return Object.hasOwn(adapters, id) ? (adapters[id] ?? null) : null;
}
