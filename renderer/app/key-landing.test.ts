import { describe, expect, it } from 'vitest';
import type { ProviderInfo, Route } from '../../shared/domain';
import { keyLandingProvider } from './key-landing';

function provider(id: string, auth: ProviderInfo['auth'], implemented = true): ProviderInfo {
  return {
    id,
    name: id,
    kind: auth === 'key' ? 'cloud' : 'local',
    auth,
    implemented,
    keyUrl: null,
    models: [],
    defaultModel: 'm',
    key: null,
  };
}

// The catalog lists providers by id, so AUTOMATIC1111 (no key) comes first.
const catalog = [
  provider('a1111', 'optional'),
  provider('bfl', 'key'),
  provider('comfyui', 'none'),
  provider('gemini', 'key'),
  provider('leonardo', 'key'),
  provider('openai', 'key'),
];

const route = (taskType: Route['taskType'], chain: string[]): Route => ({
  taskType,
  label: taskType,
  chain: chain.map((id) => ({ provider: id })),
  allowContentFallthrough: false,
  customized: false,
});

describe('where "Add an API key" lands', () => {
  it('on the first provider of the General route that takes a key', () => {
    const routes = [route('draft', ['bfl']), route('default', ['a1111', 'gemini', 'leonardo', 'openai'])];
    expect(keyLandingProvider(catalog, routes)).toBe('gemini');
  });

  it('without routes, on the first provider that takes a key, never a local server', () => {
    expect(keyLandingProvider(catalog, [])).toBe('bfl');
    expect(
      keyLandingProvider([provider('a1111', 'optional'), provider('comfyui', 'none')], []),
    ).toBeUndefined();
  });

  it('skips providers this version cannot call', () => {
    const routes = [route('default', ['gemini', 'openai'])];
    const withoutGemini = catalog.map((p) => (p.id === 'gemini' ? { ...p, implemented: false } : p));
    expect(keyLandingProvider(withoutGemini, routes)).toBe('openai');
  });
});
