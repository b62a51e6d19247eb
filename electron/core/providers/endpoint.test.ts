import { describe, expect, it } from 'vitest';
import { providerEndpoint } from './catalog';

describe('providerEndpoint', () => {
  it('the launch override wins over the catalog, and neither keeps a trailing slash', () => {
    const provider = { id: 'openai', defaultEndpoint: 'https://api.openai.com/' };
    expect(providerEndpoint(provider, {})).toBe('https://api.openai.com');
    expect(providerEndpoint(provider, { openai: 'http://127.0.0.1:9000//' })).toBe('http://127.0.0.1:9000');
    expect(providerEndpoint(provider, { gemini: 'http://elsewhere' })).toBe('https://api.openai.com');
  });
});
