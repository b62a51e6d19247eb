// One plan per request, read by the estimate, the start checks and the runner alike: each step resolved,
// priced, its explicit seed checked against the provider's range, its cache key made, once.
import { describe, expect, it } from 'vitest';
import type { GenerationRequest, Route } from '../../../shared/domain';
import { scriptedAdapter, testCatalog, testProvider } from '../../../test/support/dispatch';
import { cacheKey } from './cache';
import { findCached, planRoute, planStep } from './plan';

const catalog = testCatalog(
  testProvider('pa', { price: 0.02 }),
  testProvider('pb', { seedRange: { min: 0, max: 1000 } }),
  testProvider('pc', { retired: ['pc-0'] }),
  testProvider('pd'),
);
// pd has no adapter in this build.
const adapters = { pa: scriptedAdapter('pa'), pb: scriptedAdapter('pb'), pc: scriptedAdapter('pc') };
const route: Route = {
  taskType: 'default',
  label: 'default route',
  chain: [
    { provider: 'pa' },
    { provider: 'pb' },
    { provider: 'pc', model: 'pc-0' },
    { provider: 'pd' },
    { provider: 'nope' },
  ],
  allowContentFallthrough: false,
  customized: false,
};
const planner = { catalog, adapters, routes: { get: () => route } };
const request = (more: Partial<GenerationRequest> = {}): GenerationRequest => ({
  prompt: 'a chair',
  negativePrompt: '',
  aspectRatio: '1:1',
  seed: null,
  count: 2,
  quality: 'final',
  taskType: 'default',
  fresh: false,
  ...more,
});

describe('planning a request', () => {
  it('resolves, prices and keys each step once; steps no request can take say why', () => {
    const plan = planRoute(planner, request({ seed: 5000 }));
    expect(plan.route).toEqual({
      taskType: 'default',
      label: 'default route',
      chain: route.chain,
      allowContentFallthrough: false,
      pinned: false,
    });
    expect(
      plan.steps.map((s) =>
        s.ok
          ? [s.provider.id, s.model.id, s.estimate.usd, s.seedRefusal !== null, s.cacheKey]
          : [s.step.provider, s.code, s.reason],
      ),
    ).toEqual([
      ['pa', 'pa-1', 0.04, false, cacheKey(request({ seed: 5000 }), 'pa', 'pa-1')],
      ['pb', 'pb-1', 0.02, true, cacheKey(request({ seed: 5000 }), 'pb', 'pb-1')],
      [
        'pc',
        'retired_model',
        'pa model pc-0 was retired by PC on 2026-01-01 (use pc-1 instead)'.replace('pa', 'pc'),
      ],
      ['pd', 'not_implemented', 'PD is not available in this version of Atelier yet'],
      ['nope', 'unknown_provider', 'there is no provider "nope" in this version\'s catalog'],
    ]);
  });

  it('a random seed is never a repeat: no refusal and no cache key', () => {
    const step = planStep(planner, request(), { provider: 'pb' });
    expect(step).toMatchObject({ ok: true, seedRefusal: null, cacheKey: null });
  });

  it('a pinned request is that provider alone; a recorded route is walked as recorded', () => {
    expect(planRoute(planner, request({ provider: 'pb' })).steps.map((s) => s.step)).toEqual([
      { provider: 'pb', model: 'pb-1' },
    ]);
    const recorded = { ...route, chain: [{ provider: 'pd' }], pinned: false };
    expect(planRoute(planner, request(), recorded).route).toBe(recorded);
  });

  it('the cache is asked step by step for an explicit seed, unless the request is fresh', () => {
    const seeded = request({ seed: 7 });
    const { steps } = planRoute(planner, seeded);
    const asked: string[] = [];
    const runs = {
      findCached(key: string) {
        asked.push(key);
        return key === cacheKey(seeded, 'pb', 'pb-1')
          ? { runId: 3, provider: 'pb', model: 'pb-1', seed: 7, outputs: [] }
          : null;
      },
    };
    const hit = findCached({ runs }, seeded, steps);
    expect(hit?.step.provider.id).toBe('pb');
    expect(hit?.hit.runId).toBe(3);
    expect(asked).toEqual([cacheKey(seeded, 'pa', 'pa-1'), cacheKey(seeded, 'pb', 'pb-1')]);
    expect(findCached({ runs }, { ...seeded, fresh: true }, steps)).toBeNull();
    expect(findCached({ runs }, request(), planRoute(planner, request()).steps)).toBeNull();
  });
});
