// The queue across restarts, the cache, budgets, local server pools, references, routes and a busy hour.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { CostEstimate, LocalServer, RunDetail, RunSummary } from '../../../shared/domain';
import {
  deferred,
  type ScriptedAdapter,
  scriptedAdapter,
  testCatalog,
  testProvider,
  testRoutes,
} from '../../../test/support/dispatch';
import { type Harness, type HarnessOptions, makeHarness, refusal } from '../../../test/support/harness';
import { DATABASE_FILE } from '..';
import { createMediaStore } from '../media';
import type { Vault } from '../vault/vault';

const open: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atelier-ops-'));
  dirs.push(dir);
  return dir;
}

function harness(opts: HarnessOptions): Harness {
  const h = makeHarness(opts);
  open.push(h);
  return h;
}

function basic(
  opts: {
    providers?: Record<string, unknown>[];
    chain?: string[];
    dataDir?: string;
  } & Partial<HarnessOptions> = {},
) {
  const providers = opts.providers ?? [testProvider('pa'), testProvider('pb')];
  const ids = providers.map((p) => p.id as string);
  const adapters: Record<string, ScriptedAdapter> = Object.fromEntries(
    ids.map((id) => [id, scriptedAdapter(id)]),
  );
  const h = harness({
    catalog: testCatalog(...providers),
    routes: opts.routes ?? testRoutes((opts.chain ?? ids).map((provider) => ({ provider }))),
    adapters: (opts.adapters as Record<string, ScriptedAdapter> | undefined) ?? adapters,
    keys: opts.keys ?? ids,
    policy: opts.policy,
    dataDir: opts.dataDir,
    extra: opts.extra,
  });
  return { h, adapters: (opts.adapters as Record<string, ScriptedAdapter> | undefined) ?? adapters };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** What a killed process leaves on disk: the database and its WAL as they are at this instant. */
function snapshotLibrary(from: string): string {
  const to = tempDir();
  for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) {
    if (existsSync(path.join(from, file))) copyFileSync(path.join(from, file), path.join(to, file));
  }
  return to;
}

function fakeOsVault(): Vault {
  const xor = (bytes: Uint8Array) => Uint8Array.from(bytes, (b) => b ^ 0x5a);
  return {
    persistent: true,
    unavailableReason: () => null,
    describe: () => 'sealed by the fake OS',
    seal: (plain) => xor(Buffer.from(plain, 'utf8')),
    open: (sealed) => Buffer.from(xor(sealed)).toString('utf8'),
  };
}

describe('the persisted queue across a crash and a restart', () => {
  it('fails the run that was in flight (never resent) and resumes the one that was still waiting', async () => {
    const pa = testProvider('pa', { limits: { concurrency: 1 } });
    const { h, adapters } = basic({ providers: [pa, testProvider('pb')] });
    adapters.pa!.script = [{ hang: true }];
    const inFlight = await h.start({ prompt: 'in flight' });
    const waiting = await h.start({ prompt: 'waiting for a slot' });
    await waitFor(() => adapters.pa!.openCalls() === 1);
    const crashed = snapshotLibrary(h.dataDir);

    const after = { pa: scriptedAdapter('pa'), pb: scriptedAdapter('pb') };
    const restarted = harness({
      catalog: testCatalog(pa, testProvider('pb')),
      routes: testRoutes([{ provider: 'pa' }, { provider: 'pb' }]),
      adapters: after,
      keys: ['pa', 'pb'],
      dataDir: crashed,
    });
    await restarted.core.generation.idle();
    const lost = await restarted.run(inFlight);
    expect(lost).toMatchObject({
      status: 'failed',
      error: {
        code: 'interrupted',
        message: 'Interrupted while PA was generating; not retried automatically to avoid paying twice.',
      },
      outputs: [],
    });
    expect(lost.attempts).toEqual([
      expect.objectContaining({ provider: 'pa', outcome: 'cancelled', providerCode: 'interrupted' }),
    ]);
    const resumed = await restarted.run(waiting);
    expect(resumed).toMatchObject({ status: 'succeeded', provider: 'pa' });
    expect(resumed.outputs).toHaveLength(1);
    // Exactly one request after the restart: the waiting run's; the interrupted one was not sent again.
    expect(after.pa.calls.map((c) => c.prompt)).toEqual(['waiting for a slot']);
    const db = new Database(path.join(crashed, DATABASE_FILE), { readonly: true });
    expect(db.prepare("SELECT count(*) FROM jobs WHERE state <> 'done'").pluck().get()).toBe(0);
    db.close();
  });

  it('a clean shutdown fails what is in flight and keeps what is waiting queued for the next start', async () => {
    const pa = testProvider('pa', { limits: { concurrency: 1 } });
    const { h, adapters } = basic({ providers: [pa, testProvider('pb')] });
    adapters.pa!.script = [{ hang: true }];
    const inFlight = await h.start({ prompt: 'in flight' });
    const waiting = await h.start({ prompt: 'waiting' });
    await waitFor(() => adapters.pa!.openCalls() === 1);
    await h.restart();
    await h.core.generation.idle();
    expect(adapters.pa!.calls[0]).toMatchObject({ aborted: true, open: false });
    expect(await h.run(inFlight)).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    expect(await h.run(waiting)).toMatchObject({ status: 'succeeded', outputs: [expect.anything()] });
    expect(adapters.pa!.calls.map((c) => c.prompt)).toEqual(['in flight', 'waiting']);
  });
});

describe('the identical-request cache', () => {
  it('reuses the earlier outputs at zero cost for an explicit seed; fresh and retry bypass it', async () => {
    const { h, adapters } = basic();
    const request = { prompt: 'a teapot', seed: 42, count: 2 };
    adapters.pa!.script = [{ outcome: 'ok', images: 2, costUsd: 0.08 }];
    const first = await h.generate(request);
    expect(first).toMatchObject({ status: 'succeeded', costUsd: 0.08, seed: 42 });

    const estimate = await h.call<CostEstimate>('generation.estimate', request);
    expect(estimate).toMatchObject({ cached: true, likelyUsd: 0 });

    const again = await h.generate(request);
    expect(again).toMatchObject({
      status: 'succeeded',
      costUsd: 0,
      cachedFrom: first.id,
      provider: 'pa',
      seed: 42,
    });
    expect(again.attempts).toEqual([
      expect.objectContaining({
        outcome: 'ok',
        cached: true,
        costUsd: 0,
        requestSent: { cachedFrom: first.id },
      }),
    ]);
    expect(again.outputs.map((o) => [o.path, o.sha256, o.thumbPath])).toEqual(
      first.outputs.map((o) => [o.path, o.sha256, o.thumbPath]),
    );
    expect(adapters.pa!.calls).toHaveLength(1);

    const fresh = await h.generate({ ...request, fresh: true });
    expect(fresh.cachedFrom).toBeNull();
    expect(adapters.pa!.calls).toHaveLength(2);
    const { runId } = await h.call<{ runId: number }>('generation.retry', { runId: first.id });
    await h.core.generation.idle();
    expect((await h.run(runId)).cachedFrom).toBeNull();
    expect(adapters.pa!.calls).toHaveLength(3);

    // Without an explicit seed nothing is cached; other options are another request.
    await h.generate({ prompt: 'a teapot' });
    await h.generate({ prompt: 'a teapot' });
    await h.generate({ ...request, options: { pa: { style: 'ink' } } });
    expect(adapters.pa!.calls).toHaveLength(6);
  });
});

describe('budgets', () => {
  it('skips a provider whose own budget would be exceeded and uses the next one', async () => {
    const { h, adapters } = basic();
    await h.call('budgets.set', {
      overall: { dailyUsd: null, monthlyUsd: null },
      providers: { pa: { dailyUsd: 0.015, monthlyUsd: null } },
    });
    expect(await h.call('budgets.get')).toMatchObject({ providers: { pa: { dailyUsd: 0.015 } } });
    const first = await h.generate();
    expect(first.provider).toBe('pa');
    const second = await h.generate();
    expect(second.attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual(['pa:skipped', 'pb:ok']);
    expect(second.attempts[0]).toMatchObject({
      providerCode: 'budget',
      providerMessage: expect.stringContaining("PA's daily budget"),
    });
    expect(adapters.pa!.calls).toHaveLength(1);
    const status = await h.call<{ providers: Array<{ provider: string; spend: { todayUsd: number } }> }>(
      'providers.status',
    );
    expect(status.providers.map((p) => p.spend.todayUsd)).toEqual([0.01, 0.01]);
  });

  it('fails with budget_exceeded when every step was skipped for budget while it waited', async () => {
    const pa = testProvider('pa', { limits: { concurrency: 1 } });
    const { h, adapters } = basic({ providers: [pa], chain: ['pa'] });
    await h.call('budgets.set', { overall: { dailyUsd: 0.025, monthlyUsd: null }, providers: {} });
    const gate = deferred();
    adapters.pa!.script = [{ outcome: 'ok', hold: gate.promise, costUsd: 0.02 }];
    const first = await h.start({});
    const second = await h.start({});
    await waitFor(() => adapters.pa!.openCalls() === 1);
    gate.resolve();
    await h.core.generation.idle();
    expect((await h.run(first)).status).toBe('succeeded');
    const run = await h.run(second);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'budget_exceeded' } });
    expect(run.attempts).toEqual([expect.objectContaining({ outcome: 'skipped', providerCode: 'budget' })]);
    expect(adapters.pa!.calls).toHaveLength(1);
    // Now even the start refuses it, before anything is recorded.
    expect(await refusal(h.start({}))).toBe('budget_exceeded');
  });
});

describe('local GPU server pools', () => {
  function localSetup(extra: Partial<HarnessOptions> = {}) {
    const a1111 = testProvider('a1111', { auth: 'none', kind: 'local', price: 0 });
    const adapter = scriptedAdapter('a1111');
    const pb = scriptedAdapter('pb');
    const h = harness({
      catalog: testCatalog(a1111, testProvider('pb')),
      routes: testRoutes([{ provider: 'a1111' }, { provider: 'pb' }]),
      adapters: { a1111: adapter, pb },
      keys: ['pb'],
      ...extra,
    });
    return { h, adapter, pb };
  }
  const add = (h: Harness, url: string, slots: number, more: Record<string, unknown> = {}) =>
    h.call<LocalServer>('localServers.add', { kind: 'a1111', url, slots, ...more });

  it('places each request on the healthy server with the most free slots, waiting when all are busy', async () => {
    const { h, adapter } = localSetup();
    const small = await add(h, 'http://127.0.0.1:7860/', 1);
    const big = await add(h, 'http://127.0.0.2:7860', 2);
    expect(small).toMatchObject({
      label: 'A1111/Forge at 127.0.0.1:7860',
      url: 'http://127.0.0.1:7860',
      health: { state: 'healthy', models: ['sd_xl_base_1.0'] },
      inFlight: 0,
    });
    const gate = deferred();
    adapter.fallback = { outcome: 'ok', hold: gate.promise, costUsd: 0 };
    const ids = [];
    for (let i = 0; i < 4; i += 1) ids.push(await h.start({ prompt: `job ${i}` }));
    await waitFor(() => adapter.openCalls() === 3);
    expect(adapter.calls.map((c) => c.serverId)).toEqual([big.id, small.id, big.id]);
    const busy = await h.call<{ servers: LocalServer[] }>('localServers.list');
    expect(busy.servers.map((s) => s.inFlight)).toEqual([1, 2]);
    gate.resolve();
    await h.core.generation.idle();
    const runs = await Promise.all(ids.map((id) => h.run(id)));
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(runs.map((r) => r.attempts[0]!.serverId)).toEqual([big.id, small.id, big.id, expect.any(Number)]);
    expect(adapter.peak.get(small.id)).toBe(1);
    expect(adapter.peak.get(big.id)).toBe(2);
    expect(adapter.calls[0]!.endpoint).toBe('http://127.0.0.2:7860');
  });

  it('an unreachable server leaves the pool and the next server is tried before falling through', async () => {
    const { h, adapter, pb } = localSetup();
    const first = await add(h, 'http://127.0.0.1:7860', 2);
    const second = await add(h, 'http://127.0.0.2:7860', 1);
    adapter.script = [{ outcome: 'unavailable', httpStatus: null, message: 'connect ECONNREFUSED' }];
    const run = await h.generate();
    expect(run.attempts.map((a) => [a.outcome, a.serverId])).toEqual([
      ['unavailable', first.id],
      ['ok', second.id],
    ]);
    expect(pb.calls).toHaveLength(0);
    const list = await h.call<{ servers: LocalServer[] }>('localServers.list');
    expect(list.servers[0]!.health).toMatchObject({ state: 'unreachable', message: 'connect ECONNREFUSED' });

    // Both down: the step falls through to the cloud.
    adapter.script = [{ outcome: 'unavailable', httpStatus: null }];
    const next = await h.generate();
    expect(next.attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual(['a1111:unavailable', 'pb:ok']);
    const none = await h.generate();
    expect(none.attempts[0]).toMatchObject({ outcome: 'skipped', providerCode: 'no_server' });

    // A health check brings a server back.
    expect(await h.call('localServers.check', { id: first.id })).toMatchObject({
      health: { state: 'healthy' },
    });
    expect((await h.generate()).attempts[0]).toMatchObject({ outcome: 'ok', serverId: first.id });
  });

  it('with no server added, the step is skipped saying so; pinned to it, the start is refused', async () => {
    const { h } = localSetup();
    expect(await refusal(h.start({ provider: 'a1111' }))).toBe('invalid_input');
    // The message points at the tab as Settings names it ("Local GPU"), never at a tab that does not exist.
    await expect(h.start({ provider: 'a1111' })).rejects.toThrow('Add a server in Settings → Local GPU.');
    const run = await h.generate();
    expect(run.attempts[0]).toMatchObject({
      outcome: 'skipped',
      providerCode: 'no_server',
      providerMessage: expect.stringContaining('no A1111/Forge server has been added (Settings → Local GPU)'),
    });
    expect(run.provider).toBe('pb');
  });

  it('seals basic auth through the vault, never returns it, and hands it only to the adapter', async () => {
    const { h, adapter } = localSetup({ extra: { vault: fakeOsVault() } });
    const server = await add(h, 'http://127.0.0.1:7860', 1, { basicAuth: 'artist:hunter2-secret' });
    expect(JSON.stringify(server)).not.toContain('hunter2');
    expect(JSON.stringify(await h.call('localServers.list'))).not.toContain('hunter2');
    await h.generate();
    expect(adapter.calls[0]!.basicAuth).toBe('artist:hunter2-secret');
    await h.restart();
    await h.generate();
    expect(adapter.calls[1]!.basicAuth).toBe('artist:hunter2-secret');
    await h.core.close();
    for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) {
      const full = path.join(h.dataDir, file);
      if (existsSync(full)) expect(readFileSync(full).includes(Buffer.from('hunter2'))).toBe(false);
    }
  });

  it('updates, disables and removes servers; unknown ids are not_found', async () => {
    const { h } = localSetup();
    const server = await add(h, 'http://127.0.0.1:7860', 1);
    expect(
      await h.call('localServers.update', { id: server.id, label: 'Studio GPU', slots: 3 }),
    ).toMatchObject({
      label: 'Studio GPU',
      slots: 3,
      enabled: true,
    });
    await h.call('localServers.update', { id: server.id, enabled: false });
    expect((await h.generate()).attempts[0]).toMatchObject({
      providerCode: 'no_server',
      providerMessage: expect.stringContaining('disabled'),
    });
    expect(await h.call('localServers.remove', { id: server.id })).toEqual({ removed: true });
    expect(await h.call('localServers.remove', { id: server.id })).toEqual({ removed: false });
    expect(await refusal(h.call('localServers.check', { id: 999 }))).toBe('not_found');
    expect(await refusal(h.call('localServers.update', { id: 999, slots: 2 }))).toBe('not_found');
    expect(h.eventsOf('localServers.changed').length).toBeGreaterThanOrEqual(4);
  });

  it("checks enabled servers periodically on an unref'd timer that close() stops", async () => {
    const { h, adapter } = localSetup({ policy: { healthCheckIntervalMs: 5 } });
    await add(h, 'http://127.0.0.1:7860', 1);
    const afterAdd = adapter.inspections;
    await waitFor(() => adapter.inspections >= afterAdd + 2);
    await h.core.close();
    const atClose = adapter.inspections;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(adapter.inspections).toBe(atClose);
  });
});

describe('reference images', () => {
  it('is re-encoded to PNG without EXIF once per run for models that take one; others warn', async () => {
    const withInput = testProvider('pa', { imageInput: true });
    const { h, adapters } = basic({ providers: [withInput, testProvider('pb')] });
    const media = createMediaStore({ dataDir: h.dataDir });
    const jpeg = await sharp({ create: { width: 32, height: 16, channels: 3, background: '#336699' } })
      .jpeg()
      .withExif({ IFD0: { Make: 'SecretCam', Copyright: 'private' } })
      .toBuffer();
    const stored = await media.ingest(jpeg);
    expect((await sharp(readFileSync(path.join(h.dataDir, stored.path))).metadata()).exif).toBeDefined();

    const run = await h.generate({ reference: { path: stored.path, strength: 0.5 } });
    expect(run.status).toBe('succeeded');
    const sent = adapters.pa!.calls[0]!;
    expect(sent).toMatchObject({ hasReference: true, referenceMime: 'image/png' });
    const meta = await sharp(sent.referenceBytes!).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 32, height: 16 });
    expect(meta.exif).toBeUndefined();

    const plain = await h.generate({ provider: 'pb', reference: { path: stored.path, strength: 0.5 } });
    expect(plain.attempts[0]!.warnings).toEqual([expect.stringContaining('reference ignored')]);
    expect(adapters.pb!.calls[0]!.hasReference).toBe(false);

    const missing = `media/ab/${'ab'.repeat(32)}.png`;
    expect(await refusal(h.start({ reference: { path: missing, strength: 0.5 } }))).toBe('not_found');
  });
});

describe('routes, estimates and the provider panel', () => {
  it('lists shipped routes, lets the user replace one and reset it; unknown providers are refused', async () => {
    const { h, adapters } = basic();
    const { routes } = await h.call<{ routes: Array<{ taskType: string; customized: boolean }> }>(
      'routes.list',
    );
    expect(routes.map((r) => r.taskType)).toEqual(['default', 'text-heavy', 'photoreal', 'draft', 'wide']);
    expect(await h.call('routes.set', { taskType: 'draft', chain: [{ provider: 'pb' }] })).toMatchObject({
      taskType: 'draft',
      chain: [{ provider: 'pb' }],
      customized: true,
      allowContentFallthrough: false,
    });
    expect((await h.generate({ taskType: 'draft' })).provider).toBe('pb');
    expect((await h.generate({ taskType: 'default' })).provider).toBe('pa');
    await h.restart();
    expect(
      (await h.call<{ routes: Array<{ customized: boolean }> }>('routes.list')).routes[3]!.customized,
    ).toBe(true);
    expect(await h.call('routes.reset', { taskType: 'draft' })).toMatchObject({
      customized: false,
      chain: [{ provider: 'pa' }, { provider: 'pb' }],
    });
    expect(await refusal(h.call('routes.set', { taskType: 'draft', chain: [{ provider: 'nope' }] }))).toBe(
      'invalid_input',
    );
    expect(
      await refusal(h.call('routes.set', { taskType: 'draft', chain: [{ provider: 'pa', model: 'x' }] })),
    ).toBe('invalid_input');
    expect(adapters.pa!.calls).toHaveLength(1);
  });

  it('estimates each step with its price and eligibility', async () => {
    const { h } = basic({
      providers: [testProvider('pa', { price: 0.04 }), testProvider('pb', { price: 0.02 })],
      keys: ['pb'],
    });
    const estimate = await h.call<CostEstimate>('generation.estimate', { prompt: 'x', count: 2 });
    expect(estimate).toEqual({
      taskType: 'default',
      steps: [
        {
          provider: 'pa',
          model: 'pa-1',
          estimateUsd: 0.08,
          converted: false,
          eligible: false,
          reason: 'no API key',
          skip: 'no_key',
        },
        {
          provider: 'pb',
          model: 'pb-1',
          estimateUsd: 0.04,
          converted: false,
          eligible: true,
          reason: null,
          skip: null,
        },
      ],
      likelyUsd: 0.04,
      likelyConverted: false,
      cached: false,
      warnings: [],
    });
    const pinned = await h.call<CostEstimate>('generation.estimate', { prompt: 'x', provider: 'pb' });
    expect(pinned.warnings).toEqual(['Pinned to PB: only this provider is tried.']);
    // Pinned to a provider that cannot run now (no key): still its name, never its id.
    const keyless = await h.call<CostEstimate>('generation.estimate', { prompt: 'x', provider: 'pa' });
    expect(keyless.warnings[0]).toBe('Pinned to PA: only this provider is tried.');
  });

  it('shows limits, usage and spend; setLimits overrides the catalog; resetBreaker closes a breaker', async () => {
    const { h, adapters } = basic({ policy: { breakerThreshold: 1 } });
    adapters.pa!.script = [{ outcome: 'unavailable' }];
    await h.generate();
    type Status = {
      providers: Array<{
        provider: string;
        breaker: { state: string };
        limits: unknown;
        usage: { today: number; lastMinute: number; inFlight: number };
      }>;
    };
    let status = await h.call<Status>('providers.status');
    expect(status.providers[0]).toMatchObject({
      breaker: { state: 'open' },
      usage: { today: 1, lastMinute: 1, inFlight: 0 },
    });
    expect(await h.call('providers.resetBreaker', { provider: 'pa' })).toMatchObject({
      breaker: { state: 'closed', recentFailures: 0 },
    });
    expect(
      await h.call('providers.setLimits', {
        provider: 'pa',
        limits: { perMinute: 15, perDay: 1500, concurrency: null },
      }),
    ).toMatchObject({ limits: { perMinute: 15, perDay: 1500, concurrency: null } });
    status = await h.call<Status>('providers.status');
    expect(status.providers[0]!.limits).toEqual({ perMinute: 15, perDay: 1500, concurrency: null });
    expect(
      await refusal(
        h.call('providers.setLimits', {
          provider: 'zz',
          limits: { perMinute: 1, perDay: null, concurrency: null },
        }),
      ),
    ).toBe('invalid_input');
  });
});

describe('a busy hour', () => {
  it('50 concurrent requests through a chain with failures mixed in: 50 runs, each settled once, no output lost or doubled', async () => {
    const providers = [
      testProvider('pa', { limits: { concurrency: 3 } }),
      testProvider('pb', { limits: { concurrency: 4 } }),
      testProvider('pc', { limits: { concurrency: 2 } }),
    ];
    const { h, adapters } = basic({ providers, policy: { maxConcurrentRuns: 16 } });
    const mix = <T>(pattern: T[], n: number) =>
      Array.from({ length: n }, (_, i) => pattern[i % pattern.length]!);
    adapters.pa!.script = mix(
      [
        { outcome: 'unavailable' as const },
        { outcome: 'ok' as const, images: 2 },
        { outcome: 'rate_limited' as const, retryAfterMs: null },
        { outcome: 'no_image' as const },
        { outcome: 'ok' as const, bytes: new TextEncoder().encode('<html>expired</html>') },
        { outcome: 'invalid_request' as const },
      ],
      200,
    );
    adapters.pb!.script = mix(
      [{ outcome: 'ok' as const }, { outcome: 'timeout' as const }, { outcome: 'quota_exhausted' as const }],
      200,
    );
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => h.start({ prompt: `busy ${i}` })));
    await h.core.generation.idle();

    expect(new Set(ids).size).toBe(50);
    const page = await h.call<{ items: RunSummary[]; total: number }>('runs.list', { limit: 100 });
    expect(page.total).toBe(50);
    const runs: RunDetail[] = await Promise.all(ids.map((id) => h.run(id)));
    const paths: string[] = [];
    for (const run of runs) {
      expect(['succeeded', 'failed']).toContain(run.status);
      expect(run.attempts.map((a) => a.ordinal)).toEqual(run.attempts.map((_, i) => i + 1));
      if (run.status === 'succeeded') {
        expect(run.outputs.length).toBeGreaterThan(0);
        expect(run.attempts.at(-1)!.outcome).toBe('ok');
      } else expect(run.outputs).toEqual([]);
      paths.push(...run.outputs.map((o) => o.path));
    }
    // Every image a provider delivered and that decoded belongs to exactly one run.
    expect(new Set(paths).size).toBe(paths.length);
    const okAttempts = runs.flatMap((r) => r.attempts).filter((a) => a.outcome === 'ok').length;
    expect(okAttempts).toBe(runs.filter((r) => r.status === 'succeeded').length);
    const failed = runs.filter((r) => r.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const run of failed) expect(run.error?.code).toBe('invalid_request');
    // Per-provider concurrency held, and nothing is left running.
    expect(adapters.pa!.peak.get('cloud')).toBeLessThanOrEqual(3);
    expect(adapters.pb!.peak.get('cloud')).toBeLessThanOrEqual(4);
    expect(adapters.pc!.peak.get('cloud') ?? 0).toBeLessThanOrEqual(2);
    for (const adapter of Object.values(adapters)) expect(adapter.openCalls()).toBe(0);
    const db = new Database(path.join(h.dataDir, DATABASE_FILE), { readonly: true });
    expect(db.prepare("SELECT count(*) FROM jobs WHERE state = 'done'").pluck().get()).toBe(50);
    db.close();
  });
});
