// Errors cross the contract with typed details (issue 8, item 3): the fix a designer is pointed at and the
// field an issue is about travel as data, and each estimate step says why it cannot run as a kind.
import { afterEach, describe, expect, it } from 'vitest';
import type { CostEstimate } from '../../../shared/domain';
import { AppErrorShape, type Result } from '../../../shared/result';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import { type Harness, type HarnessOptions, makeHarness } from '../../../test/support/harness';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

function setup(providers: Record<string, unknown>[], extra: Partial<HarnessOptions> = {}): Harness {
  const ids = providers.map((p) => p.id as string);
  const h = makeHarness({
    catalog: testCatalog(...providers),
    routes: testRoutes(ids.map((provider) => ({ provider }))),
    adapters: Object.fromEntries(ids.map((id) => [id, scriptedAdapter(id)])),
    keys: ids,
    ...extra,
  });
  open.push(h);
  return h;
}

/** The refusal as it crosses the boundary, parsed with the shared schema. */
async function refusalOf(h: Harness, name: string, input: unknown): Promise<AppErrorShape> {
  const result = (await h.core.invoke(name, input)) as Result<unknown>;
  if (result.ok) throw new Error(`${name} was accepted`);
  return AppErrorShape.parse(result.error);
}

describe('typed error details', () => {
  it('no key anywhere: the refusal points at Settings → API keys as data, and each step says no_key', async () => {
    const h = setup([testProvider('pa'), testProvider('pb')], { keys: [] });
    const error = await refusalOf(h, 'generation.start', { prompt: 'a chair' });
    expect(error).toMatchObject({ code: 'invalid_input', fix: 'keys' });
    const estimate = await h.call<CostEstimate>('generation.estimate', { prompt: 'a chair' });
    expect(estimate.steps.map((s) => s.skip)).toEqual(['no_key', 'no_key']);
  });

  it('a local provider without a server points at Settings → Local GPU', async () => {
    const a1111 = testProvider('a1111', { auth: 'none', kind: 'local', price: 0 });
    const h = setup([a1111, testProvider('pb')], { keys: ['pb'] });
    const error = await refusalOf(h, 'generation.start', { prompt: 'a chair', provider: 'a1111' });
    expect(error).toMatchObject({ code: 'invalid_input', fix: 'local' });
    const estimate = await h.call<CostEstimate>('generation.estimate', { prompt: 'a chair' });
    expect(estimate.steps.map((s) => [s.provider, s.skip])).toEqual([
      ['a1111', 'no_server'],
      ['pb', null],
    ]);
  });

  it('over a budget: the refusal points at Settings → Budgets, the step says budget', async () => {
    const h = setup([testProvider('pa', { price: 0.04 })]);
    await h.call('budgets.set', { overall: { dailyUsd: 0.01, monthlyUsd: null }, providers: {} });
    const error = await refusalOf(h, 'generation.start', { prompt: 'a chair' });
    expect(error).toMatchObject({ code: 'budget_exceeded', fix: 'budgets' });
    const estimate = await h.call<CostEstimate>('generation.estimate', { prompt: 'a chair' });
    expect(estimate.steps[0]!.skip).toBe('budget');
  });

  it('a route made only of steps this version cannot run points at Settings → Routes', async () => {
    const h = makeHarness({
      catalog: testCatalog(testProvider('pa'), testProvider('pz')),
      routes: testRoutes([{ provider: 'pz' }]),
      // pz has no adapter in this build: its step is "not implemented".
      adapters: { pa: scriptedAdapter('pa') },
      keys: ['pa', 'pz'],
    });
    open.push(h);
    const error = await refusalOf(h, 'generation.start', { prompt: 'a chair' });
    expect(error).toMatchObject({ code: 'invalid_input', fix: 'routes' });
    const estimate = await h.call<CostEstimate>('generation.estimate', { prompt: 'a chair' });
    expect(estimate.steps.map((s) => s.skip)).toEqual(['not_implemented']);
  });

  it('a seed outside the pinned provider’s range is an issue on the seed field', async () => {
    const h = setup([testProvider('ideo', { seedRange: { min: 0, max: 2_147_483_647 } })]);
    const error = await refusalOf(h, 'generation.start', {
      prompt: 'a chair',
      provider: 'ideo',
      seed: 3_000_000_000,
    });
    expect(error.code).toBe('invalid_input');
    expect(error.fix).toBeUndefined();
    expect(error.issues).toHaveLength(1);
    expect(error.issues![0]!.path).toEqual(['seed']);
    expect(error.issues![0]!.message).toContain('outside the seeds IDEO takes');
    const estimate = await h.call<CostEstimate>('generation.estimate', { prompt: 'x', seed: 3_000_000_000 });
    expect(estimate.steps[0]!.skip).toBe('seed_out_of_range');
  });

  it('an input the schema refuses carries one issue per field, with its path', async () => {
    const h = setup([testProvider('pa')]);
    const error = await refusalOf(h, 'generation.start', { prompt: '', count: 0 });
    expect(error.code).toBe('invalid_input');
    const paths = error.issues!.map((issue) => issue.path);
    expect(paths).toContainEqual(['prompt']);
    expect(paths).toContainEqual(['count']);
    // The message still names each field, for logs and older renderers.
    expect(error.message).toMatch(/^generation\.start: .*prompt: /);
  });

  it('a model the provider lacks, set in a route, is an issue on that chain step', async () => {
    const h = setup([testProvider('pa')]);
    const error = await refusalOf(h, 'routes.set', {
      taskType: 'default',
      chain: [{ provider: 'pa', model: 'nope' }],
      allowContentFallthrough: false,
    });
    expect(error.code).toBe('invalid_input');
    expect(error.issues).toEqual([{ path: ['chain', 0, 'model'], message: expect.stringContaining('nope') }]);
  });
});
