import { describe, expect, it } from 'vitest';
import { TASK_TYPES } from '../../../shared/constants';
import type { GenerationRequest } from '../../../shared/domain';
import { fakeClock } from '../../../test/support/clocks';
import { createAllowances, DAY_MS } from './allowance';
import { createBreakers } from './breaker';
import { cacheKey, canonicalJson } from './cache';
import { backoffDelay, DEFAULT_POLICY } from './policy';
import { loadRoutes, parseRoutes, RoutesError } from './routes';
import { createSlots } from './slots';

describe('policy', () => {
  it('jitters backoff between 50 and 100 % of an exponential ceiling, capped', () => {
    expect(backoffDelay(0, DEFAULT_POLICY, () => 0)).toBe(250);
    expect(backoffDelay(0, DEFAULT_POLICY, () => 0.999999)).toBe(500);
    expect(backoffDelay(3, DEFAULT_POLICY, () => 0.999999)).toBe(4000);
    expect(backoffDelay(10, DEFAULT_POLICY, () => 0.999999)).toBe(DEFAULT_POLICY.backoffMaxMs);
    expect(backoffDelay(2, { ...DEFAULT_POLICY, backoffBaseMs: 0 }, Math.random)).toBe(0);
  });
});

describe('circuit breaker', () => {
  function breakers() {
    const clock = fakeClock();
    const changes: string[] = [];
    const b = createBreakers({ clock, policy: DEFAULT_POLICY, onChange: (p) => changes.push(p) });
    return { clock, b, changes };
  }

  it('opens after 3 consecutive outages within 60 s, not after spread-out ones', () => {
    const { clock, b } = breakers();
    b.record('x', 'unavailable', false);
    clock.advance(61_000);
    b.record('x', 'timeout', false);
    b.record('x', 'unavailable', false);
    expect(b.status('x')).toMatchObject({ state: 'closed', recentFailures: 2 });
    b.record('x', 'unavailable', false);
    expect(b.status('x')).toMatchObject({ state: 'open', openUntil: clock.now() + 30_000 });
    expect(b.admit('x', 'X')).toEqual({
      ok: false,
      reason: expect.stringContaining('open for another 30 s'),
    });
  });

  it('any real answer resets the count', () => {
    const { b } = breakers();
    b.record('x', 'unavailable', false);
    b.record('x', 'unavailable', false);
    b.record('x', 'content_blocked', false);
    b.record('x', 'unavailable', false);
    expect(b.status('x').state).toBe('closed');
  });

  it('half-open lets exactly one probe through; a cancelled probe hands it back', () => {
    const { clock, b, changes } = breakers();
    for (let i = 0; i < 3; i += 1) b.record('x', 'unavailable', false);
    clock.advance(30_000);
    expect(b.wouldAdmit('x')).toBe(true);
    expect(b.admit('x', 'X')).toEqual({ ok: true, probe: true });
    expect(b.admit('x', 'X')).toMatchObject({ ok: false, reason: expect.stringContaining('recovered') });
    b.record('x', 'cancelled', true);
    expect(b.admit('x', 'X')).toEqual({ ok: true, probe: true });
    b.record('x', 'unavailable', true);
    expect(b.status('x').state).toBe('open');
    clock.advance(30_000);
    expect(b.admit('x', 'X')).toEqual({ ok: true, probe: true });
    b.record('x', 'ok', true);
    expect(b.status('x')).toEqual({ state: 'closed', openUntil: null, recentFailures: 0 });
    expect(changes.length).toBeGreaterThanOrEqual(3);
  });
});

describe('allowance', () => {
  it('counts sliding minute and 24-hour windows, seeded from recorded attempts', () => {
    const clock = fakeClock();
    const a = createAllowances(clock);
    const limits = { perMinute: 2, perDay: 3, concurrency: null };
    a.seed([{ provider: 'x', startedAt: clock.now() - DAY_MS + 1000 }]);
    expect(a.usage('x')).toEqual({ lastMinute: 0, today: 1 });
    a.take('x');
    a.take('x');
    expect(a.check('x', 'X', limits)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('3 requests per day'),
    });
    clock.advance(2000); // The seeded one leaves the 24-hour window.
    expect(a.check('x', 'X', limits)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('2 requests per minute is spent; the next frees up in 58 s'),
    });
    clock.advance(58_000);
    expect(a.check('x', 'X', limits)).toEqual({ ok: true });
    expect(a.check('y', 'Y', limits)).toEqual({ ok: true });
    expect(a.check('x', 'X', { perMinute: null, perDay: null, concurrency: null })).toEqual({ ok: true });
  });
});

describe('slots', () => {
  it('grants in FIFO order up to the limit; an aborted waiter leaves the line', async () => {
    let limit: number | null = 1;
    const slots = createSlots(() => limit);
    const order: string[] = [];
    const first = await slots.acquire('x', new AbortController().signal);
    const abort = new AbortController();
    const second = slots.acquire('x', new AbortController().signal).then((release) => {
      order.push('second');
      return release;
    });
    const dropped = slots.acquire('x', abort.signal).catch(() => order.push('dropped'));
    const third = slots.acquire('x', new AbortController().signal).then((release) => {
      order.push('third');
      return release;
    });
    expect(slots.waiting('x')).toBe(3);
    abort.abort(new Error('cancelled'));
    await dropped;
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(['dropped', 'second', 'third']);
    expect(slots.inFlight('x')).toBe(0);
    limit = null;
    await Promise.all([1, 2, 3].map(() => slots.acquire('x', new AbortController().signal)));
    expect(slots.inFlight('x')).toBe(3);
  });
});

describe('slots: what a promise queue library would change', () => {
  it('frees a released slot at once: the count drops and the next caller is let in without waiting', async () => {
    const slots = createSlots(() => 1);
    const release = await slots.acquire('x', new AbortController().signal);
    expect(slots.inFlight('x')).toBe(1);
    release();
    expect(slots.inFlight('x')).toBe(0);
    let granted = false;
    const again = slots.acquire('x', new AbortController().signal).then((next) => {
      granted = true;
      return next;
    });
    expect(slots.inFlight('x')).toBe(1);
    expect(slots.waiting('x')).toBe(0);
    await Promise.resolve();
    expect(granted).toBe(true);
    (await again)();
    release();
    expect(slots.inFlight('x')).toBe(0);
  });

  it('an abort after the slot was granted does not free it; the holder still releases it', async () => {
    const slots = createSlots(() => 1);
    const abort = new AbortController();
    const release = await slots.acquire('x', abort.signal);
    abort.abort(new Error('cancelled'));
    expect(slots.inFlight('x')).toBe(1);
    let next = false;
    const waiter = slots.acquire('x', new AbortController().signal).then((r) => {
      next = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(next).toBe(false);
    release();
    (await waiter)();
    expect(next).toBe(true);
  });

  it('lets waiters in when the limit is raised, and rejects at once on an aborted signal', async () => {
    let limit: number | null = 1;
    const slots = createSlots(() => limit);
    const first = await slots.acquire('x', new AbortController().signal);
    const waiters = [1, 2].map(() => slots.acquire('x', new AbortController().signal));
    expect(slots.waiting('x')).toBe(2);
    limit = 3;
    slots.refresh('x');
    expect([slots.inFlight('x'), slots.waiting('x')]).toEqual([3, 0]);
    for (const release of await Promise.all(waiters)) release();
    first();
    const aborted = new AbortController();
    aborted.abort(new Error('gone'));
    await expect(slots.acquire('x', aborted.signal)).rejects.toThrow('gone');
    expect(slots.inFlight('x')).toBe(0);
  });
});

describe('cache key', () => {
  const request: GenerationRequest = {
    prompt: 'p',
    negativePrompt: '',
    aspectRatio: '1:1',
    seed: 7,
    count: 1,
    quality: 'final',
    taskType: 'default',
    fresh: false,
    options: { a: { x: 1, y: [1, 2] }, b: { z: 2 } },
  };

  it("is canonical: key order does not matter; task type, fresh and other providers' options do not count", () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, 1] } })).toBe('{"a":{"c":[2,1]},"b":1}');
    const key = cacheKey(request, 'a', 'm');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(
      cacheKey({ ...request, options: { a: { y: [1, 2], x: 1 } }, taskType: 'draft', fresh: true }, 'a', 'm'),
    ).toBe(key);
    expect(cacheKey({ ...request, seed: 8 }, 'a', 'm')).not.toBe(key);
    expect(cacheKey(request, 'a', 'm2')).not.toBe(key);
    expect(cacheKey(request, 'b', 'm')).not.toBe(key);
    expect(cacheKey({ ...request, steps: 20 }, 'a', 'm')).not.toBe(key);
  });
});

describe('routes file', () => {
  it('the shipped resources/routes.json is valid, routes every task type, and starts the default chain with the free tier', () => {
    const routes = loadRoutes();
    expect(Object.keys(routes).sort()).toEqual([...TASK_TYPES].sort());
    expect(routes.default.chain.map((s) => s.provider)).toEqual(['gemini', 'leonardo', 'openai']);
    expect(routes['text-heavy'].chain[0]!.provider).toBe('ideogram');
    for (const route of Object.values(routes)) expect(route.allowContentFallthrough).toBe(false);
  });

  it('refuses a file missing a task type or with a bad step, naming where', () => {
    expect(() =>
      parseRoutes({ version: 1, routes: { default: { label: 'x', chain: [{ provider: 'a1' }] } } }),
    ).toThrow(RoutesError);
    const all = Object.fromEntries(TASK_TYPES.map((t) => [t, { label: t, chain: [{ provider: 'openai' }] }]));
    expect(() => parseRoutes({ version: 1, routes: { ...all, draft: { label: 'd', chain: [] } } })).toThrow(
      /routes\.draft\.chain: a route needs at least one provider/,
    );
    expect(() =>
      parseRoutes({ version: 1, routes: { ...all, wide: { label: 'w', chain: [{ provider: 'Bad Id' }] } } }),
    ).toThrow(/routes\.wide\.chain\[0\]\.provider/);
    expect(parseRoutes({ version: 1, routes: all }).default.allowContentFallthrough).toBe(false);
  });
});
