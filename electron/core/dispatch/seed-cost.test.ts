// Seeds per provider range, and credits and unknown costs counted against every budget (issue 7, items 2 and 4).
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Budgets, CostEstimate, ProviderStatus } from '../../../shared/domain';
import { fakeClock } from '../../../test/support/clocks';
import {
  type ScriptedAdapter,
  scriptedAdapter,
  testCatalog,
  testProvider,
  testRoutes,
} from '../../../test/support/dispatch';
import { type Harness, type HarnessOptions, makeHarness, refusal } from '../../../test/support/harness';
import { DATABASE_FILE } from '..';
import type { DispatchSettings, UsageRepo } from '../store';
import { createBudgetBook } from './budgets';
import { drawSeed } from './service';

const open: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Leonardo-like: bills in credits at $0.0015 each, estimated 10 credits per image, 32-bit seeds. */
const CREDITS = { usdPerCredit: 0.0015, perImage: 10 };

function setup(
  providers: Record<string, unknown>[],
  extra: Partial<HarnessOptions> = {},
): { h: Harness; adapters: Record<string, ScriptedAdapter> } {
  const ids = providers.map((p) => p.id as string);
  const adapters = Object.fromEntries(ids.map((id) => [id, scriptedAdapter(id)]));
  const h = makeHarness({
    catalog: testCatalog(...providers),
    routes: testRoutes(ids.map((provider) => ({ provider }))),
    adapters,
    keys: ids,
    ...extra,
  });
  open.push(h);
  return { h, adapters };
}

async function status(h: Harness, provider: string): Promise<ProviderStatus> {
  const { providers } = await h.call<{ providers: ProviderStatus[] }>('providers.status');
  return providers.find((p) => p.provider === provider)!;
}

describe('seeds per provider range', () => {
  it('draws each step its own random seed inside the range of the provider receiving it', async () => {
    const asked: Array<{ min: number; max: number }> = [];
    const { h, adapters } = setup(
      [testProvider('ideo', { seedRange: { min: 0, max: 2_147_483_647 } }), testProvider('stab')],
      {
        extra: {
          randomSeed: (range) => {
            asked.push(range);
            return range.max;
          },
        },
      },
    );
    adapters.ideo!.script = [{ outcome: 'quota_exhausted' }];
    const run = await h.generate({});
    expect(adapters.ideo!.calls.map((c) => c.seed)).toEqual([2_147_483_647]);
    expect(adapters.stab!.calls.map((c) => c.seed)).toEqual([4_294_967_294]);
    expect(asked).toEqual([
      { min: 0, max: 2_147_483_647 },
      { min: 0, max: 4_294_967_294 },
    ]);
    // The run records the seed of the provider that made the image.
    expect(run).toMatchObject({ status: 'succeeded', provider: 'stab', seed: 4_294_967_294 });
  });

  it('the default draw stays inside the range, reaching both ends', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i += 1) seen.add(drawSeed({ min: 5, max: 9 }));
    expect([...seen].sort()).toEqual([5, 6, 7, 8, 9]);
    for (let i = 0; i < 200; i += 1)
      expect(drawSeed({ min: 0, max: 2_147_483_647 })).toBeLessThanOrEqual(2_147_483_647);
  });

  it('an explicit seed is sent and recorded as typed', async () => {
    const { h, adapters } = setup([testProvider('pa')]);
    const run = await h.generate({ seed: 424_242 });
    expect(adapters.pa!.calls.map((c) => c.seed)).toEqual([424_242]);
    expect(run.seed).toBe(424_242);
  });

  it('an explicit seed outside a provider’s range skips that provider, naming it; never wrapped', async () => {
    const { h, adapters } = setup([
      testProvider('ideo', { seedRange: { min: 0, max: 2_147_483_647 } }),
      testProvider('stab'),
    ]);
    const estimate = await h.call<CostEstimate>('generation.estimate', { prompt: 'x', seed: 2_171_723_135 });
    expect(estimate.steps[0]).toMatchObject({
      provider: 'ideo',
      eligible: false,
      reason: 'seed 2171723135 is outside the seeds IDEO takes (0 to 2,147,483,647)',
    });
    const run = await h.generate({ seed: 2_171_723_135 });
    expect(adapters.ideo!.calls).toHaveLength(0);
    expect(run.attempts[0]).toMatchObject({
      provider: 'ideo',
      outcome: 'skipped',
      providerCode: 'seed_out_of_range',
      providerMessage: expect.stringContaining('IDEO'),
    });
    expect(adapters.stab!.calls.map((c) => c.seed)).toEqual([2_171_723_135]);
    expect(run).toMatchObject({ status: 'succeeded', seed: 2_171_723_135 });
  });

  it('pinned to a provider that cannot take the seed, the start is refused naming the field, nothing sent', async () => {
    const { h, adapters } = setup([testProvider('ideo', { seedRange: { min: 0, max: 2_147_483_647 } })]);
    const error = await h.start({ seed: 3_000_000_000, provider: 'ideo' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe('invalid_input');
    expect((error as Error).message).toContain('seed: seed 3000000000 is outside the seeds IDEO takes');
    expect(adapters.ideo!.calls).toHaveLength(0);
    expect(await h.call<{ total: number }>('runs.list', { limit: 10 })).toMatchObject({ total: 0 });
  });
});

describe('credits and unknown costs count against budgets', () => {
  it('turns credits into dollars at the catalog price: the run, its attempt and the spend say ≈', async () => {
    const { h, adapters } = setup([testProvider('leo', { price: null, credits: CREDITS })]);
    adapters.leo!.script = [{ outcome: 'ok', costUsd: null, costCredits: 16 }];
    const run = await h.generate({});
    expect(run).toMatchObject({ costUsd: 0.024, costCredits: 16, costBasis: 'credits' });
    expect(run.attempts[0]).toMatchObject({ costUsd: 0.024, costCredits: 16, costBasis: 'credits' });
    expect((await status(h, 'leo')).spend).toEqual({ todayUsd: 0.024, monthUsd: 0.024, approx: true });
    const estimate = await h.call<CostEstimate>('generation.estimate', { prompt: 'x', count: 2 });
    expect(estimate).toMatchObject({ likelyUsd: 0.03, likelyConverted: true });
  });

  it('counts a success whose cost the provider did not report at the catalog estimate, and says so', async () => {
    const { h, adapters } = setup([testProvider('leo', { price: null, credits: CREDITS })]);
    adapters.leo!.script = [{ outcome: 'ok', costUsd: null, costCredits: null, images: 2 }];
    const run = await h.generate({ count: 2 });
    expect(run).toMatchObject({ costUsd: 0.03, costBasis: 'estimate' });
    expect(run.attempts[0]!.warnings).toContain(
      'LEO reported no cost; counted at the catalog estimate of ≈ $0.030',
    );
    expect((await status(h, 'leo')).spend.todayUsd).toBe(0.03);
  });

  const scopes: Array<[string, Budgets]> = [
    ['overall daily', { overall: { dailyUsd: 0.03, monthlyUsd: null }, providers: {} }],
    ['overall monthly', { overall: { dailyUsd: null, monthlyUsd: 0.03 }, providers: {} }],
    [
      'provider daily',
      {
        overall: { dailyUsd: null, monthlyUsd: null },
        providers: { leo: { dailyUsd: 0.03, monthlyUsd: null } },
      },
    ],
    [
      'provider monthly',
      {
        overall: { dailyUsd: null, monthlyUsd: null },
        providers: { leo: { dailyUsd: null, monthlyUsd: 0.03 } },
      },
    ],
  ];
  for (const [scope, budgets] of scopes) {
    it(`credits spend the ${scope} budget: the next pinned run is refused before anything is sent`, async () => {
      const { h, adapters } = setup([testProvider('leo', { price: null, credits: CREDITS })]);
      await h.call('budgets.set', budgets);
      adapters.leo!.script = [{ outcome: 'ok', costUsd: null, costCredits: 20 }];
      expect(await h.generate({ provider: 'leo' })).toMatchObject({ status: 'succeeded', costUsd: 0.03 });
      expect(await refusal(h.start({ provider: 'leo' }))).toBe('budget_exceeded');
      expect(adapters.leo!.calls).toHaveLength(1);
    });
  }

  it('a pinned credit-billed run is refused once another provider spent the overall budget', async () => {
    const { h, adapters } = setup([
      testProvider('oai', { price: 0.05 }),
      testProvider('leo', { price: null, credits: CREDITS }),
    ]);
    await h.call('budgets.set', { overall: { dailyUsd: 0.05, monthlyUsd: null }, providers: {} });
    adapters.oai!.script = [{ outcome: 'ok', costUsd: 0.05 }];
    expect(await h.generate({ provider: 'oai' })).toMatchObject({ status: 'succeeded' });
    expect(await refusal(h.start({ provider: 'oai' }))).toBe('budget_exceeded');
    expect(await refusal(h.start({ provider: 'leo' }))).toBe('budget_exceeded');
    expect(adapters.leo!.calls).toHaveLength(0);
  });

  it('a request of unknown cost may not start once a budget is spent', () => {
    const settings = {
      budgets: () => ({ overall: { dailyUsd: 0.05, monthlyUsd: null }, providers: {} }),
    } as unknown as DispatchSettings;
    let spent = 0.05;
    const usage = {
      spendSince: () => spent,
      approxSince: () => false,
      sentSince: () => [],
      convertUnpricedCredits: () => 0,
    } satisfies UsageRepo;
    const book = createBudgetBook({ settings, usage, clock: fakeClock() });
    expect(book.check('x', 'X', null)).toMatchObject({
      ok: false,
      scope: 'overall',
      reason: expect.stringContaining('the cost of this one is unknown'),
    });
    expect(book.check('x', 'X', 0)).toEqual({ ok: true }); // A free local run spends nothing.
    spent = 0.04;
    expect(book.check('x', 'X', null)).toEqual({ ok: true });
  });

  it('credits recorded before they had dollars are converted at the next start', async () => {
    const { h, adapters } = setup([testProvider('leo', { price: null, credits: CREDITS })]);
    adapters.leo!.script = [{ outcome: 'ok', costUsd: null, costCredits: 16 }];
    const { id } = await h.generate({});
    // What an older Atelier left: credits, no dollars.
    const db = new Database(path.join(h.dataDir, DATABASE_FILE));
    db.prepare('UPDATE attempts SET cost_usd = NULL, cost_basis = NULL').run();
    db.prepare('UPDATE runs SET cost_usd = NULL, cost_basis = NULL').run();
    db.close();
    await h.restart();
    expect(await h.run(id)).toMatchObject({ costUsd: 0.024, costBasis: 'credits' });
    expect((await status(h, 'leo')).spend).toMatchObject({ todayUsd: 0.024, approx: true });
  });

  it('a request cut off by a crash is counted at its catalog estimate, since it may have been charged', async () => {
    const leo = testProvider('leo', { price: null, credits: CREDITS });
    const { h, adapters } = setup([leo]);
    adapters.leo!.script = [{ hang: true }];
    const runId = await h.start({});
    const started = Date.now();
    while (adapters.leo!.openCalls() === 0) {
      if (Date.now() - started > 5000) throw new Error('the request never went out');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // What a killed process leaves on disk.
    const crashed = mkdtempSync(path.join(os.tmpdir(), 'atelier-crash-'));
    dirs.push(crashed);
    for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) {
      if (existsSync(path.join(h.dataDir, file)))
        copyFileSync(path.join(h.dataDir, file), path.join(crashed, file));
    }
    const after = makeHarness({
      catalog: testCatalog(leo),
      routes: testRoutes([{ provider: 'leo' }]),
      adapters: { leo: scriptedAdapter('leo') },
      keys: ['leo'],
      dataDir: crashed,
    });
    open.push(after);
    const run = await after.run(runId);
    expect(run).toMatchObject({ status: 'failed', costUsd: 0.015, costBasis: 'estimate' });
    expect(run.attempts[0]).toMatchObject({
      providerCode: 'interrupted',
      costUsd: 0.015,
      costBasis: 'estimate',
    });
    expect(run.attempts[0]!.warnings[0]).toContain('in case LEO charged it');
    expect((await status(after, 'leo')).spend.todayUsd).toBe(0.015);
  });
});
