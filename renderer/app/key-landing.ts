import type { ProviderInfo, Route } from '../../shared/domain';

const takesKey = (provider: ProviderInfo) => provider.implemented && provider.auth === 'key';

/**
 * Where "Add an API key" lands: the first provider of the General route that needs a key (the one the
 * first run would call), else the first provider in the catalog that needs one. Never a local server.
 */
export function keyLandingProvider(providers: ProviderInfo[], routes: Route[]): string | undefined {
  const general = routes.find((route) => route.taskType === 'default');
  for (const step of general?.chain ?? []) {
    const provider = providers.find((p) => p.id === step.provider);
    if (provider && takesKey(provider)) return provider.id;
  }
  return providers.find(takesKey)?.id;
}
