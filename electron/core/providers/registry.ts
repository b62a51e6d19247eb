import { a1111Adapter } from './a1111';
import { bflAdapter } from './bfl';
import { comfyuiAdapter } from './comfyui';
import { falAdapter } from './fal';
import { geminiAdapter } from './gemini';
import { ideogramAdapter } from './ideogram';
import { leonardoAdapter } from './leonardo';
import { openaiAdapter } from './openai';
import { openaiCompatibleAdapter } from './openai-compatible';
import { replicateAdapter } from './replicate';
import { stabilityAdapter } from './stability';
import type { ProviderAdapter } from './types';

/** Provider id (as in resources/providers/<id>.json) -> its adapter; a catalog entry without one is listed as not yet available. */
export const adapters: Record<string, ProviderAdapter> = Object.fromEntries(
  [
    a1111Adapter,
    bflAdapter,
    comfyuiAdapter,
    falAdapter,
    geminiAdapter,
    ideogramAdapter,
    leonardoAdapter,
    openaiAdapter,
    openaiCompatibleAdapter,
    replicateAdapter,
    stabilityAdapter,
  ].map((adapter) => [adapter.id, adapter]),
);

export function getAdapter(id: string): ProviderAdapter | null {
  return Object.hasOwn(adapters, id) ? (adapters[id] ?? null) : null;
}
