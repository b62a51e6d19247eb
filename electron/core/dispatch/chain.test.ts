// Fault injection through the whole core: each test proves which provider produced the image, that every
// attempt is recorded in order with its class, that nothing keeps running, and that no output is lost.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunDetail } from '../../../shared/domain';
import { type OpenAIDouble, startOpenAIDouble } from '../../../test/doubles/openai-double';
import type { FakeClock } from '../../../test/support/clocks';
import {
  deferred,
  type ScriptedAdapter,
  scriptedAdapter,
  testCatalog,
  testProvider,
  testRoutes,
} from '../../../test/support/dispatch';
import { type Harness, type HarnessOptions, makeHarness, refusal } from '../../../test/support/harness';

let harness: Harness | null = null;
let double: OpenAIDouble | null = null;

afterEach(async () => {
  await harness?.close();
  await double?.close();
  harness = null;
  double = null;
});

/** Providers a, b, c (keys for all unless told), routed a → b → c. */
function setup(
  opts: {
    providers?: Record<string, unknown>[];
    chain?: string[];
    keys?: string[];
    allowContentFallthrough?: boolean;
    adapters?: Record<string, ScriptedAdapter>;
  } & Partial<Omit<HarnessOptions, 'adapters'>> = {},
) {
  const providers = opts.providers ?? [testProvider('pa'), testProvider('pb'), testProvider('pc')];
  const ids = providers.map((p) => p.id as string);
  const adapters = opts.adapters ?? Object.fromEntries(ids.map((id) => [id, scriptedAdapter(id)]));
  const chain = (opts.chain ?? ids).map((provider) => ({ provider }));
  harness = makeHarness({
    catalog: opts.catalog ?? testCatalog(...providers),
    routes: opts.routes ?? testRoutes(chain, { allowContentFallthrough: opts.allowContentFallthrough }),
    adapters,
    keys: opts.keys ?? ids,
    policy: opts.policy,
    clock: opts.clock,
    extra: opts.extra,
  });
  return { h: harness, adapters: adapters as Record<string, ScriptedAdapter> };
}

function outcomes(run: RunDetail): string[] {
  return run.attempts.map((a) => `${a.provider}:${a.outcome}`);
}

/** Nothing keeps running: no adapter call is open and the queue is empty. */
function assertQuiet(adapters: Record<string, ScriptedAdapter>) {
  for (const adapter of Object.values(adapters)) expect(adapter.openCalls(), adapter.id).toBe(0);
}

function assertOrdinals(run: RunDetail) {
  expect(run.attempts.map((a) => a.ordinal)).toEqual(run.attempts.map((_, i) => i + 1));
}

describe('the fallback chain', () => {
  it('the first provider that answers produces the image; the run records it', async () => {
    const { h, adapters } = setup();
    const run = await h.generate();
    expect(run).toMatchObject({ status: 'succeeded', provider: 'pa', model: 'pa-1', taskType: 'default' });
    expect(outcomes(run)).toEqual(['pa:ok']);
    expect(run.outputs).toHaveLength(1);
    expect(existsSync(path.join(h.dataDir, run.outputs[0]!.path))).toBe(true);
    expect(run.route).toMatchObject({
      pinned: false,
      chain: [{ provider: 'pa' }, { provider: 'pb' }, { provider: 'pc' }],
    });
    expect(adapters.pb!.calls).toHaveLength(0);
    assertQuiet(adapters);
  });

  it("records the provider's safety flag on the output it was sent for (none where it sent none)", async () => {
    const flagged = { field: 'has_nsfw_concepts' as const, flagged: false, ratings: [] };
    const { h } = setup({
      adapters: {
        pa: scriptedAdapter('pa', [{ outcome: 'ok', images: 2, broken: 1, safety: [flagged, null] }]),
      },
    });
    const run = await h.generate({ count: 2 });
    expect(run.status).toBe('succeeded');
    expect(run.outputs.map((o) => o.providerSafety)).toEqual([flagged, null]);
  });

  it('skips a provider without a key, recording "no API key", and sends it nothing', async () => {
    const { h, adapters } = setup({ keys: ['pb', 'pc'] });
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['pa:skipped', 'pb:ok']);
    expect(run.attempts[0]).toMatchObject({
      providerCode: 'no_key',
      providerMessage: 'no API key',
      latencyMs: 0,
    });
    expect(run.provider).toBe('pb');
    expect(adapters.pa!.calls).toHaveLength(0);
  });

  it('skips unknown, retired and unimplemented steps with their reasons', async () => {
    const pa = testProvider('pa', { retired: ['pa-old'] });
    const { h } = setup({
      providers: [pa, testProvider('pb'), testProvider('pc')],
      routes: testRoutes([
        { provider: 'nope' },
        { provider: 'pa', model: 'pa-old' },
        { provider: 'pa', model: 'pa-missing' },
        { provider: 'pb' },
        { provider: 'pc' },
      ]),
      adapters: { pa: scriptedAdapter('pa'), pc: scriptedAdapter('pc') },
    });
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['nope:skipped', 'pa:skipped', 'pa:skipped', 'pb:skipped', 'pc:ok']);
    expect(run.attempts.map((x) => x.providerCode)).toEqual([
      'unknown_provider',
      'retired_model',
      'unknown_model',
      'not_implemented',
      null,
    ]);
    expect(run.attempts[1]!.providerMessage).toContain('retired');
    assertOrdinals(run);
  });

  it("a pinned provider is the whole chain: its failure is the run's failure", async () => {
    const { h, adapters } = setup();
    adapters.pa!.script = [{ outcome: 'no_image' }];
    const run = await h.generate({ provider: 'pa' });
    expect(run.route).toMatchObject({ pinned: true, chain: [{ provider: 'pa', model: 'pa-1' }] });
    expect(outcomes(run)).toEqual(['pa:no_image']);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'no_image' } });
    expect(adapters.pb!.calls).toHaveLength(0);
  });

  it('refuses a start when no step could ever run, naming what to do, and records nothing', async () => {
    const { h } = setup({ keys: [] });
    expect(await refusal(h.start({}))).toBe('invalid_input');
    expect(await h.call('runs.list', {})).toMatchObject({ total: 0 });
  });
});

describe('policy per error class', () => {
  it('429 with a Retry-After under the cap: waits it out once and retries the same provider', async () => {
    const { h, adapters } = setup();
    adapters.pa!.script = [{ outcome: 'rate_limited', retryAfterMs: 1500 }];
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['pa:rate_limited', 'pa:ok']);
    expect(run.attempts[0]).toMatchObject({ httpStatus: 429, retryAfterMs: 1500 });
    expect(h.clock.slept).toEqual([1500]);
    expect(run.provider).toBe('pa');
  });

  it('429 again after the wait, or 429 without Retry-After, or over the cap: falls through', async () => {
    const { h, adapters } = setup({ policy: { rateLimitWaitCapMs: 20_000 } });
    adapters.pa!.script = [
      { outcome: 'rate_limited', retryAfterMs: 1000 },
      { outcome: 'rate_limited', retryAfterMs: 1000 },
      { outcome: 'rate_limited', retryAfterMs: null },
      { outcome: 'rate_limited', retryAfterMs: 60_000 },
    ];
    const twice = await h.generate();
    expect(outcomes(twice)).toEqual(['pa:rate_limited', 'pa:rate_limited', 'pb:ok']);
    const bare = await h.generate();
    expect(outcomes(bare)).toEqual(['pa:rate_limited', 'pb:ok']);
    const long = await h.generate();
    expect(outcomes(long)).toEqual(['pa:rate_limited', 'pb:ok']);
    expect(h.clock.slept).toEqual([1000]);
  });

  it('503: retries with jittered exponential backoff, then falls through', async () => {
    const { h, adapters } = setup({ policy: { retryLimit: 2, backoffBaseMs: 500 } });
    adapters.pa!.script = [{ outcome: 'unavailable' }, { outcome: 'timeout' }, { outcome: 'unavailable' }];
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['pa:unavailable', 'pa:timeout', 'pa:unavailable', 'pb:ok']);
    // random() is pinned to 0.5: 500 × 2^n × 0.75.
    expect(h.clock.slept).toEqual([375, 750]);
    assertOrdinals(run);
  });

  it('quota and auth failures fall through and flag the key until a success or a new key', async () => {
    const { h, adapters } = setup();
    adapters.pa!.script = [{ outcome: 'quota_exhausted', message: 'You exceeded your current quota' }];
    adapters.pb!.script = [{ outcome: 'auth_failed', message: 'Incorrect API key' }];
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['pa:quota_exhausted', 'pb:auth_failed', 'pc:ok']);
    const status = await h.call<{ providers: Array<{ provider: string; key: string; flag: unknown }> }>(
      'providers.status',
    );
    const byId = Object.fromEntries(status.providers.map((p) => [p.provider, p]));
    expect(byId.pa).toMatchObject({ key: 'flagged', flag: { outcome: 'quota_exhausted' } });
    expect(byId.pb).toMatchObject({
      key: 'flagged',
      flag: { outcome: 'auth_failed', message: 'Incorrect API key' },
    });
    expect(byId.pc).toMatchObject({ key: 'ready', flag: null });
    expect(h.eventsOf('providers.changed').map((e) => e.provider)).toEqual(
      expect.arrayContaining(['pa', 'pb']),
    );

    // A later success clears a's flag; a new key clears b's.
    await h.generate({ provider: 'pa' });
    h.clock.advance(1000);
    await h.call('keys.set', { provider: 'pb', secret: 'new-key-for-b-123' });
    const after = await h.call<{ providers: Array<{ provider: string; key: string }> }>('providers.status');
    expect(after.providers.map((p) => p.key)).toEqual(['ready', 'ready', 'ready']);
  });

  it('content_blocked stops the chain unless the route opted in', async () => {
    const { h, adapters } = setup();
    adapters.pa!.script = [{ outcome: 'content_blocked', httpStatus: 200, message: 'IMAGE_SAFETY' }];
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['pa:content_blocked']);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'content_blocked' } });
    expect(run.attempts[0]!.httpStatus).toBe(200);
    expect(run.error!.message).toContain('IMAGE_SAFETY');
    expect(adapters.pb!.calls).toHaveLength(0);
  });

  it('content_blocked falls through where the route allows it, and the run says which step allowed it', async () => {
    const { h, adapters } = setup({ allowContentFallthrough: true });
    adapters.pa!.script = [{ outcome: 'content_blocked', httpStatus: 200 }];
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['pa:content_blocked', 'pb:ok']);
    expect(run.warnings).toEqual([
      expect.stringMatching(/PA blocked the prompt \(step 1\).*allows falling through/),
    ]);
    expect(run.route).toMatchObject({ allowContentFallthrough: true });
  });

  it('a run that ran out of providers lists the others in words, not outcome codes', async () => {
    const { h, adapters } = setup({ chain: ['pa', 'pb'] });
    adapters.pa!.script = [{ outcome: 'quota_exhausted', httpStatus: 429, message: 'No credit left.' }];
    adapters.pb!.script = [{ outcome: 'auth_failed', httpStatus: 401, message: 'Bad key.' }];
    const run = await h.generate();
    expect(run.status).toBe('failed');
    expect(run.error!.message).toContain('Also tried: PA (out of quota)');
    expect(run.error!.message).not.toMatch(/[a-z]+_[a-z]+/);
  });

  it("invalid_request stops with the provider's message", async () => {
    const { h, adapters } = setup();
    adapters.pa!.script = [
      { outcome: 'invalid_request', message: "Invalid 'size': must be a multiple of 16" },
    ];
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['pa:invalid_request']);
    expect(run.error).toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('multiple of 16'),
    });
  });

  it('bytes that are not an image (an expired output URL) are no_image: nothing stored, next provider', async () => {
    const { h, adapters } = setup();
    const html = new TextEncoder().encode('<html><body>Request has expired</body></html>');
    adapters.pa!.script = [{ outcome: 'ok', bytes: html, costUsd: 0.04 }];
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['pa:no_image', 'pb:ok']);
    expect(run.attempts[0]!.providerMessage).toMatch(/not a usable image/);
    expect(run.outputs).toHaveLength(1);
    const stored = readdirSync(path.join(h.dataDir, 'media'), { recursive: true }).filter((f) =>
      String(f).endsWith('.png'),
    );
    expect(stored).toHaveLength(1);
  });

  it('keeps the images that decode when a provider sends some broken ones, with a warning', async () => {
    const { h, adapters } = setup();
    adapters.pa!.script = [{ outcome: 'ok', images: 1, broken: 1 }];
    const run = await h.generate({ count: 2 });
    expect(outcomes(run)).toEqual(['pa:ok']);
    expect(run.outputs).toHaveLength(1);
    expect(run.attempts[0]!.warnings).toEqual([
      expect.stringMatching(/1 of the 2 images PA sent were not usable/),
    ]);
  });

  it('an adapter that throws (a bug) is recorded as unavailable and the chain goes on', async () => {
    const { h, adapters } = setup({ policy: { retryLimit: 0 } });
    adapters.pa!.generate = async () => {
      throw new TypeError('cannot read properties of undefined');
    };
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['pa:unavailable', 'pb:ok']);
    expect(run.attempts[0]).toMatchObject({
      providerCode: 'adapter_error',
      providerMessage: expect.stringContaining('cannot read properties of undefined'),
    });
  });

  it('an attempt that outlives its timeout is aborted and recorded as timeout, then the chain goes on', async () => {
    const { h, adapters } = setup({ policy: { attemptTimeoutMs: 20, retryLimit: 0 } });
    adapters.pa!.script = [{ hang: true }];
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['pa:timeout', 'pb:ok']);
    expect(run.attempts[0]!.providerMessage).toMatch(/No answer within 20 ms/);
    expect(adapters.pa!.calls[0]).toMatchObject({ aborted: true, open: false });
    assertQuiet(adapters);
  });

  it('the run deadline fails the run with timeout and aborts what is in flight', async () => {
    const { h, adapters } = setup({ policy: { runDeadlineMs: 30 } });
    adapters.pa!.script = [{ hang: true }];
    const run = await h.generate();
    expect(run).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    expect(outcomes(run)).toEqual(['pa:timeout']);
    expect(adapters.pa!.calls[0]!.aborted).toBe(true);
    expect(adapters.pb!.calls).toHaveLength(0);
    assertQuiet(adapters);
  });

  it('slow polling reports progress, at most 5 events per second per run', async () => {
    const { h, adapters } = setup();
    adapters.pa!.script = [
      { outcome: 'ok', polls: 20, pollMs: 50 },
      { outcome: 'ok', progress: [0.1, 0.2, 0.3, 0.4, 0.5] },
    ];
    // 20 polls × 50 ms = 1 s of (fake) time: 5 events, not 20.
    const slow = await h.generate();
    expect(slow.status).toBe('succeeded');
    const events = h.eventsOf('run.progress', slow.id);
    expect(events).toHaveLength(5);
    expect(events[0]).toMatchObject({ provider: 'pa', fraction: 0.05, message: 'poll 1' });
    // Five updates in the same instant: one event.
    const burst = await h.generate();
    expect(h.eventsOf('run.progress', burst.id)).toHaveLength(1);
  });

  it('an open breaker half-opens after the cooldown: one probe; success closes, failure re-opens', async () => {
    const { h, adapters } = setup({
      policy: { breakerThreshold: 3, breakerCooldownMs: 30_000, retryLimit: 2 },
    });
    adapters.pa!.script = [
      { outcome: 'unavailable' },
      { outcome: 'unavailable' },
      { outcome: 'unavailable' },
    ];
    await h.generate();
    const status = async () =>
      (
        await h.call<{ providers: Array<{ provider: string; breaker: { state: string } }> }>(
          'providers.status',
        )
      ).providers[0]!.breaker.state;
    expect(await status()).toBe('open');
    expect(outcomes(await h.generate())).toEqual(['pa:skipped', 'pb:ok']);

    h.clock.advance(30_000);
    expect(await status()).toBe('half_open');
    adapters.pa!.script = [{ outcome: 'timeout' }];
    expect(outcomes(await h.generate())).toEqual(['pa:timeout', 'pa:skipped', 'pb:ok']); // The probe failed: open again.
    expect(await status()).toBe('open');

    h.clock.advance(30_000);
    expect(outcomes(await h.generate())).toEqual(['pa:ok']); // The probe succeeded: closed.
    expect(await status()).toBe('closed');
    expect(adapters.pa!.calls).toHaveLength(5);
  });
});

describe('the OpenAI protocol double in a chain', () => {
  async function withDouble(scenario: Parameters<OpenAIDouble['setScenario']>[0]) {
    double = await startOpenAIDouble({ scenario, maxImageSide: 64, slowMs: 5_000 });
    const openai = JSON.parse(
      readFileSync(path.resolve('resources/providers/openai.json'), 'utf8'),
    ) as Record<string, unknown>;
    const b = scriptedAdapter('pb');
    const { h } = setup({
      providers: [openai, testProvider('pb')],
      catalog: testCatalog(openai, testProvider('pb')),
      routes: testRoutes([{ provider: 'openai' }, { provider: 'pb' }]),
      adapters: { pb: b },
      extra: {
        adapters: { openai: (await import('../providers/openai')).openaiAdapter, pb: b },
        endpoints: { openai: double.url },
        environmentKeys: { openai: 'sk-chain-test-0000', pb: 'key-pb-0123456789' },
      },
    });
    return { h, b };
  }

  it('malformed JSON from OpenAI is no_image and the next provider produces the image', async () => {
    const { h } = await withDouble('malformed_json');
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['openai:no_image', 'pb:ok']);
    expect(run.provider).toBe('pb');
    expect(double!.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(1);
  });

  it('a moderation block from OpenAI stops the chain', async () => {
    const { h, b } = await withDouble('moderation_blocked');
    const run = await h.generate();
    expect(outcomes(run)).toEqual(['openai:content_blocked']);
    expect(b.calls).toHaveLength(0);
  });

  it('a 500 storm from OpenAI opens its breaker: later runs skip it without sending', async () => {
    const { h } = await withDouble('server_error');
    const first = await h.generate();
    expect(outcomes(first)).toEqual([
      'openai:unavailable',
      'openai:unavailable',
      'openai:unavailable',
      'pb:ok',
    ]);
    const sent = double!.requests.length;
    const second = await h.generate();
    expect(outcomes(second)).toEqual(['openai:skipped', 'pb:ok']);
    expect(second.attempts[0]).toMatchObject({ providerCode: 'breaker_open' });
    expect(double!.requests.length).toBe(sent);
  });

  it('a spent local allowance skips OpenAI without sending, and survives a restart', async () => {
    const { h } = await withDouble('success');
    await h.call('providers.setLimits', {
      provider: 'openai',
      limits: { perMinute: null, perDay: 1, concurrency: null },
    });
    const first = await h.generate();
    expect(outcomes(first)).toEqual(['openai:ok']);
    const second = await h.generate();
    expect(outcomes(second)).toEqual(['openai:skipped', 'pb:ok']);
    expect(second.attempts[0]).toMatchObject({ providerCode: 'allowance_spent' });
    expect(second.attempts[0]!.providerMessage).toMatch(/1 requests per day is spent/);
    await h.restart();
    const third = await h.generate();
    expect(outcomes(third)).toEqual(['openai:skipped', 'pb:ok']);
    expect(double!.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(1);
    const status = await h.call<{ providers: Array<{ provider: string; usage: { today: number } }> }>(
      'providers.status',
    );
    expect(status.providers.find((p) => p.provider === 'openai')!.usage.today).toBe(1);
  });

  it('a request over the overall budget is refused before any network call', async () => {
    const { h } = await withDouble('success');
    await h.call('budgets.set', { overall: { dailyUsd: 0.05, monthlyUsd: null }, providers: {} });
    // gpt-image-1 high quality at 1024² is $0.167; b at $0.01 fits, so b is what the run would use.
    const estimate = await h.call<{
      steps: Array<{ eligible: boolean; reason: string | null }>;
      likelyUsd: number;
    }>('generation.estimate', { prompt: 'x' });
    expect(estimate.steps[0]).toMatchObject({
      eligible: false,
      reason: expect.stringContaining('daily budget'),
    });
    expect(estimate.likelyUsd).toBe(0.01);
    expect(await refusal(h.start({ provider: 'openai' }))).toBe('budget_exceeded');
    expect(double!.requests).toHaveLength(0);
    expect(await h.call('runs.list', {})).toMatchObject({ total: 0 });
  });

  it('cancellation mid-request aborts the HTTP call; nothing is retried', async () => {
    const { h, b } = await withDouble('slow');
    const runId = await h.start({});
    await vi_waitFor(() => h.eventsOf('run.updated', runId).some((e) => e.phase === 'requesting'));
    expect(await h.call('generation.cancel', { runId })).toEqual({ cancelled: true });
    await h.core.generation.idle();
    const run = await h.run(runId);
    expect(run).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect(outcomes(run)).toEqual(['openai:cancelled']);
    expect(b.calls).toHaveLength(0);
  });
});

describe('cancellation', () => {
  it("mid-poll: the adapter's signal fires, the run is cancelled, nothing keeps running", async () => {
    const { h, adapters } = setup();
    adapters.pa!.script = [{ hang: true }];
    const created: unknown[] = [];
    const cleared = new Set<unknown>();
    const realSetTimeout = globalThis.setTimeout;
    const realClearTimeout = globalThis.clearTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((...args: Parameters<typeof setTimeout>) => {
      const handle = realSetTimeout(...args);
      // Long timers are the run's own (deadline, attempt timeout); the short ones are this test's polling.
      if ((args[1] ?? 0) >= 1000) created.push(handle);
      return handle;
    }) as typeof setTimeout);
    vi.spyOn(globalThis, 'clearTimeout').mockImplementation((handle) => {
      cleared.add(handle);
      realClearTimeout(handle);
    });
    const runId = await h.start({});
    await vi_waitFor(() => adapters.pa!.openCalls() === 1);
    expect(created.length).toBeGreaterThanOrEqual(2); // The run's deadline and the attempt's timeout.
    expect(await h.call('generation.cancel', { runId })).toEqual({ cancelled: true });
    await h.core.generation.idle();
    vi.restoreAllMocks();
    const run = await h.run(runId);
    expect(run).toMatchObject({ status: 'cancelled', outputs: [] });
    expect(outcomes(run)).toEqual(['pa:cancelled']);
    expect(adapters.pa!.calls[0]).toMatchObject({ aborted: true, open: false });
    expect(adapters.pb!.calls).toHaveLength(0);
    assertQuiet(adapters);
    // The run's deadline and the attempt's timeout were cleared with it: no timer is left behind.
    for (const handle of created) expect(cleared.has(handle)).toBe(true);
  });

  it('during a backoff wait: the wait ends at once and no retry is sent', async () => {
    const waits: Array<() => void> = [];
    const { h, adapters } = setup({ clock: makeClockThatWaits(waits) });
    adapters.pa!.script = [{ outcome: 'unavailable' }];
    const runId = await h.start({});
    await vi_waitFor(() => waits.length === 1);
    await h.call('generation.cancel', { runId });
    await h.core.generation.idle();
    const run = await h.run(runId);
    expect(run.status).toBe('cancelled');
    expect(outcomes(run)).toEqual(['pa:unavailable']);
    expect(adapters.pa!.calls).toHaveLength(1);
  });

  it('while waiting for a provider slot (FIFO): leaves the line without sending', async () => {
    const pa = testProvider('pa', { limits: { concurrency: 1 } });
    const { h, adapters } = setup({ providers: [pa, testProvider('pb'), testProvider('pc')] });
    const gate = deferred();
    adapters.pa!.script = [{ outcome: 'ok', hold: gate.promise }];
    const first = await h.start({});
    const second = await h.start({});
    await vi_waitFor(() => adapters.pa!.openCalls() === 1);
    await h.call('generation.cancel', { runId: second });
    gate.resolve();
    await h.core.generation.idle();
    expect((await h.run(first)).status).toBe('succeeded');
    expect(await h.run(second)).toMatchObject({ status: 'cancelled', attempts: [] });
    expect(adapters.pa!.calls).toHaveLength(1);
  });
});

/** A clock whose sleeps never end on their own: only an abort ends them (to cancel mid-wait). */
function makeClockThatWaits(waits: Array<() => void>): FakeClock {
  let now = Date.UTC(2026, 10, 16, 12);
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
    slept: [] as number[],
    sleptMs: 0,
    sleep(_ms: number, signal?: AbortSignal) {
      return new Promise<void>((_resolve, reject) => {
        waits.push(() => {});
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    },
  };
}

/** Polls a condition on the event loop (real time, a few ms at most in these tests). */
async function vi_waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
