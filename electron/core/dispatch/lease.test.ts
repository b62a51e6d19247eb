// What an admitted attempt holds (a slot, a budget reservation, the breaker's half-open probe) is one lease,
// given back in one place: after a success or a failure, and also when something throws mid-attempt.
import { afterEach, describe, expect, it } from 'vitest';
import type { CostEstimate } from '../../../shared/domain';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import { type Harness, makeHarness } from '../../../test/support/harness';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

type Status = { providers: Array<{ breaker: { state: string }; usage: { inFlight: number } }> };

describe('the lease of an attempt', () => {
  it('is given back whole when storing the images throws: slot, budget reservation and probe', async () => {
    const adapter = scriptedAdapter('pa');
    const h = makeHarness({
      catalog: testCatalog(testProvider('pa', { limits: { concurrency: 1 }, price: 0.01 })),
      routes: testRoutes([{ provider: 'pa' }]),
      adapters: { pa: adapter },
      keys: ['pa'],
      policy: { breakerThreshold: 1, breakerCooldownMs: 30_000, retryLimit: 0 },
    });
    harness = h;
    // Room for one request at a time: a reservation left behind would refuse the next one.
    await h.call('budgets.set', { overall: { dailyUsd: 0.015, monthlyUsd: null }, providers: {} });
    const status = async () => (await h.call<Status>('providers.status')).providers[0]!;
    const eligible = async () =>
      (await h.call<CostEstimate>('generation.estimate', { prompt: 'a chair' })).steps[0]!;

    adapter.script = [{ outcome: 'unavailable' }];
    expect((await h.generate()).status).toBe('failed');
    h.clock.advance(30_000);
    expect((await status()).breaker.state).toBe('half_open');

    // The probe's answer is "ok" with bytes the media store cannot even read: a programming error, not the provider's.
    adapter.script = [{ outcome: 'ok', bytes: {} as Uint8Array }];
    const crashed = await h.generate();
    expect(crashed).toMatchObject({ status: 'failed', error: { code: 'internal' } });

    expect(await status()).toMatchObject({ breaker: { state: 'half_open' }, usage: { inFlight: 0 } });
    expect(await eligible()).toMatchObject({ eligible: true, reason: null });
    adapter.script = [{ outcome: 'ok' }];
    expect((await h.generate()).status).toBe('succeeded');
    expect((await status()).breaker.state).toBe('closed');
  });
});
