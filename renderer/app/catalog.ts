// Providers, their models and the key each one has: shared by Generate, History and Settings.

import { create } from 'zustand';
import type { KeyStorageInfo, ProviderInfo } from '../../shared/domain';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';
import { modelName } from '../lib/provider-names';

// Pure look-ups over the catalog live in lib/ so that components/ can use them too.
export { findModel, modelName, providerName } from '../lib/provider-names';

interface CatalogState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  providers: ProviderInfo[];
  storage: KeyStorageInfo | null;
  error: AppErrorShape | null;
  load(): Promise<void>;
}

let loadSeq = 0;

export const useCatalogStore = create<CatalogState>()((set, get) => ({
  status: 'idle',
  providers: [],
  storage: null,
  error: null,
  async load() {
    const seq = ++loadSeq;
    if (get().status !== 'ready') set({ status: 'loading' });
    const [providers, keys] = await Promise.all([api.call('providers.list', {}), api.call('keys.list', {})]);
    if (seq !== loadSeq) return;
    if (!providers.ok) {
      set({ status: get().providers.length > 0 ? 'ready' : 'error', error: providers.error });
      return;
    }
    set({
      status: 'ready',
      error: null,
      providers: providers.value.providers,
      storage: keys.ok ? keys.value.storage : get().storage,
    });
  },
}));

export const hasAnyKey = (providers: ProviderInfo[]) => providers.some((p) => p.key !== null);

// What a model takes beyond the basics is defined once, in shared/ (the core fills it from the catalog).
export { capabilitiesOf } from '../../shared/model-rules';

/** "Gemini", or "Gemini · Nano Banana" when the step names a model other than the default. */
export function stepName(
  providers: ProviderInfo[],
  step: { provider: string; model?: string | null },
): string {
  const provider = providers.find((p) => p.id === step.provider);
  const name = provider?.name ?? step.provider;
  if (!step.model || step.model === provider?.defaultModel) return name;
  return `${name} · ${modelName(providers, step.provider, step.model)}`;
}
