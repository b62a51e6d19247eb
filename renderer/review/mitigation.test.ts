import { describe, expect, it, vi } from 'vitest';
import type { GenerationRequest } from '../../shared/domain';
import { applyMitigation } from './mitigation';

// The pure part needs no transport.
vi.mock('../api', () => ({ api: {} }));

const request: GenerationRequest = {
  prompt: 'a hand holding a cup',
  negativePrompt: 'blurry',
  aspectRatio: '1:1',
  seed: 42,
  count: 1,
  quality: 'final',
  taskType: 'default',
  fresh: false,
  provider: 'openai',
  model: 'gpt-image-1',
};

describe('applyMitigation', () => {
  it('joins a negative group to the negative prompt without repeating terms', () => {
    const next = applyMitigation(request, { kind: 'negativeGroup', group: 'anatomy' }, [
      'extra fingers',
      'Blurry',
      'fused limbs',
    ]);
    expect(next.negativePrompt).toBe('blurry, extra fingers, fused limbs');
    expect(next.seed).toBe(42);
  });

  it('switches the route to the named provider (its default model)', () => {
    const next = applyMitigation(request, { kind: 'provider', provider: 'ideogram' }, []);
    expect(next.provider).toBe('ideogram');
    expect(next.model).toBeUndefined();
  });
});
