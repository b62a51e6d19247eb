// Issue 7, items 1 and 3: what a designer types is the subject of the style's template, the run records
// the values it used (and Reuse/Branch replay them), and previews go where a fixed seed means something.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallName, CallOutput } from '../../../shared/contract';
import type { ChainStep } from '../../../shared/domain';
import { fakeClock } from '../../../test/support/clocks';
import { createTestCore } from '../../../test/support/core';
import {
  type ScriptedAdapter,
  scriptedAdapter,
  testCatalog,
  testProvider,
  testRoutes,
} from '../../../test/support/dispatch';
import type { Core } from '..';
import { createSessionVault } from '../vault/vault';

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const core of cores.splice(0)) await core.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `pk` keeps seeds; `pg` (like Gemini) ignores them. The route is `chain` for every task type. */
function boot(chain: ChainStep[] = [{ provider: 'pk' }]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atelier-style-gen-'));
  dirs.push(dir);
  const adapters: Record<string, ScriptedAdapter> = { pk: scriptedAdapter('pk'), pg: scriptedAdapter('pg') };
  const core = createTestCore({
    dataDir: dir,
    vault: createSessionVault(),
    log: { info() {}, warn() {}, error() {} },
    mode: 'browser',
    version: '0.0.0-test',
    clock: fakeClock(),
    catalog: testCatalog(
      testProvider('pk', { auth: 'none' }),
      testProvider('pg', { auth: 'none', seed: false }),
    ),
    routes: testRoutes(chain),
    adapters,
  });
  cores.push(core);
  return { core, pk: adapters.pk!, pg: adapters.pg! };
}

async function call<K extends CallName>(core: Core, name: K, input: unknown): Promise<CallOutput<K>> {
  const result = await core.invoke(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value as CallOutput<K>;
}

async function starter(core: Core, name: string) {
  const page = await call(core, 'styles.list', { query: name });
  const summary = page.items.find((s) => s.name === name);
  if (!summary) throw new Error(`no starter style ${name}`);
  const detail = await call(core, 'styles.get', { id: summary.id });
  const templateId = detail.latest.fields.templateId;
  if (templateId === null) throw new Error(`${name} has no template`);
  const template = await call(core, 'templates.get', { id: templateId });
  return { versionId: detail.latestVersionId, templateVersionId: template.latest.versionId };
}

describe('Generate with a style', () => {
  it('sends the typed prompt as the subject of the style template, and records the values used', async () => {
    const { core, pk } = boot();
    const watercolor = await starter(core, 'Watercolor');
    const { runId } = await call(core, 'generation.start', {
      prompt: 'a heron standing in reeds',
      provider: 'pk',
      style: { versionId: watercolor.versionId },
      template: { versionId: watercolor.templateVersionId, values: {} },
    });
    await core.generation.idle();
    const sent = pk.calls[0]?.prompt ?? '';
    expect(sent.split('\n')[0]).toBe('a heron standing in reeds');
    expect(sent).not.toContain('teapot');

    const run = await call(core, 'runs.get', { id: runId });
    expect(run.templateVersionId).toBe(watercolor.templateVersionId);
    expect(run.requested).toMatchObject({
      prompt: 'a heron standing in reeds',
      style: { versionId: watercolor.versionId },
      template: { versionId: watercolor.templateVersionId, values: { subject: 'a heron standing in reeds' } },
    });

    // A request naming only the style renders with the style's template all the same.
    const styleOnly = await call(core, 'generation.start', {
      prompt: 'a heron standing in reeds',
      provider: 'pk',
      style: { versionId: watercolor.versionId },
    });
    await core.generation.idle();
    expect(pk.calls[1]?.prompt).toBe(sent);
    expect((await call(core, 'runs.get', { id: styleOnly.runId })).requested?.template?.versionId).toBe(
      watercolor.templateVersionId,
    );
  });

  it('fills the first text variable of the subject segment; choices, numbers and defaults are recorded', async () => {
    const { core, pk } = boot();
    const product = await starter(core, 'Photoreal product');
    const { runId } = await call(core, 'generation.start', {
      prompt: 'a desk lamp',
      provider: 'pk',
      style: { versionId: product.versionId },
      template: { versionId: product.templateVersionId, values: { angle: 'side', lens: 50 } },
    });
    await core.generation.idle();
    const sent = pk.calls[0]?.prompt ?? '';
    expect(sent).toContain('a desk lamp, side view');
    expect(sent).toContain('on a marble surface');
    expect(sent).toContain('50mm lens');
    const run = await call(core, 'runs.get', { id: runId });
    expect(run.requested?.template?.values).toEqual({
      product: 'a desk lamp',
      angle: 'side',
      surface: 'marble',
      lens: 50,
    });
  });

  it('Reuse and Branch replay the recorded input exactly; a retry keeps it', async () => {
    const { core, pk } = boot();
    const cinematic = await starter(core, 'Cinematic');
    const first = await call(core, 'generation.start', {
      prompt: 'a lighthouse keeper',
      provider: 'pk',
      seed: 42,
      style: { versionId: cinematic.versionId },
      template: { versionId: cinematic.templateVersionId, values: { setting: 'a stormy coast' } },
    });
    await core.generation.idle();
    const run = await call(core, 'runs.get', { id: first.runId });
    const requested = run.requested;
    if (!requested) throw new Error('no requested input recorded');
    // Branch from the seed: the recorded input with the same seed renders the same prompt again.
    const branched = await call(core, 'generation.start', { ...requested, seed: run.seed, fresh: true });
    await core.generation.idle();
    expect(pk.calls[1]?.prompt).toBe(pk.calls[0]?.prompt);
    expect(pk.calls[1]?.seed).toBe(42);
    expect((await call(core, 'runs.get', { id: branched.runId })).requested?.template?.values).toEqual({
      subject: 'a lighthouse keeper',
      setting: 'a stormy coast',
    });
    const retried = await call(core, 'generation.retry', { runId: first.runId, fresh: true });
    await core.generation.idle();
    expect((await call(core, 'runs.get', { id: retried.runId })).requested).toEqual(requested);
  });

  it('a style without a template records the prompt as typed, so Reuse does not add its tokens twice', async () => {
    const { core, pk } = boot();
    const style = await call(core, 'styles.create', {
      fields: { name: 'Plain look', styleTokens: ['warm light'] },
    });
    const { runId } = await call(core, 'generation.start', {
      prompt: 'a kettle',
      provider: 'pk',
      style: { versionId: style.latestVersionId },
    });
    await core.generation.idle();
    const run = await call(core, 'runs.get', { id: runId });
    expect(run.request.prompt).toBe('a kettle\nwarm light');
    expect(run.requested).toMatchObject({ prompt: 'a kettle', style: { versionId: style.latestVersionId } });
    expect(run.requested?.template).toBeUndefined();
    await call(core, 'generation.start', { ...run.requested, fresh: true });
    await core.generation.idle();
    expect(pk.calls[1]?.prompt).toBe('a kettle\nwarm light');
  });

  it('the typed subject is checked against the banned terms as the variable it fills', async () => {
    const { core, pk } = boot();
    const watercolor = await starter(core, 'Watercolor');
    await call(core, 'library.setSettings', { bannedTerms: ['forbiddenword'], approvedOnly: false });
    const refused = await core.invoke('generation.start', {
      prompt: 'a forbidden\u200bword heron',
      provider: 'pk',
      style: { versionId: watercolor.versionId },
    });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('invalid_input');
      expect(refused.error.message).toMatch(/values\.subject/);
    }
    expect(pk.calls).toHaveLength(0);
  });

  it('library.render for the step Generate will call shows exactly the prompt that is sent', async () => {
    const { core, pk } = boot();
    const watercolor = await starter(core, 'Watercolor');
    const common = { prompt: 'a heron standing in reeds', style: { versionId: watercolor.versionId } };
    const { renders } = await call(core, 'library.render', {
      ...common,
      template: { versionId: watercolor.templateVersionId },
      values: {},
      targets: [{ provider: 'pk' }],
    });
    expect(renders).toHaveLength(1);
    expect(renders[0]?.provider).toBe('pk');
    expect(renders[0]?.prompt.split('\n')[0]).toBe('a heron standing in reeds');
    await call(core, 'generation.start', {
      ...common,
      template: { versionId: watercolor.templateVersionId, values: {} },
      provider: 'pk',
    });
    await core.generation.idle();
    expect(pk.calls[0]?.prompt).toBe(renders[0]?.prompt);
  });
});

describe('style previews', () => {
  it('every starter style generates previews (the subject variable is filled)', async () => {
    const { core, pk } = boot();
    const { items } = await call(core, 'styles.list', {});
    expect(items.length).toBeGreaterThanOrEqual(12);
    for (const style of items) {
      const result = await core.invoke('styles.generatePreviews', {
        versionId: style.latestVersionId,
        count: 1,
      });
      expect(result.ok ? 'ok' : `${style.name}: ${result.error.message}`).toBe('ok');
    }
    await core.generation.idle();
    expect(pk.calls).toHaveLength(items.length);
    expect(pk.calls.every((c) => c.seed === 1000)).toBe(true);
  });

  it('go to the first provider of the route that keeps seeds, passing seedless ones', async () => {
    const { core, pk, pg } = boot([{ provider: 'pg' }, { provider: 'pk' }]);
    const watercolor = await starter(core, 'Watercolor');
    const result = await call(core, 'styles.generatePreviews', {
      versionId: watercolor.versionId,
      count: 2,
      subject: 'a paper boat',
    });
    await core.generation.idle();
    expect(result).toMatchObject({ provider: 'pk', model: 'pk-1', reproducible: true });
    expect(result.note).toContain('PG');
    expect(pg.calls).toHaveLength(0);
    expect(pk.calls.map((c) => c.seed)).toEqual(result.seeds);
    expect(pk.calls[0]?.prompt.split('\n')[0]).toBe('a paper boat');
    const version = await call(core, 'styles.getVersion', { versionId: watercolor.versionId });
    expect(version.previews.map((p) => [p.provider, p.model])).toEqual([
      ['pk', 'pk-1'],
      ['pk', 'pk-1'],
    ]);
  });

  it('say plainly when no provider that keeps seeds can take them', async () => {
    const { core, pg } = boot([{ provider: 'pg' }]);
    const watercolor = await starter(core, 'Watercolor');
    const routed = await call(core, 'styles.generatePreviews', { versionId: watercolor.versionId, count: 1 });
    await core.generation.idle();
    expect(routed).toMatchObject({ provider: null, reproducible: false });
    expect(routed.note).toMatch(/\(PG ignores them\): these previews cannot be reproduced/);
    expect(pg.calls).toHaveLength(1);

    const pinned = await call(core, 'styles.generatePreviews', {
      versionId: watercolor.versionId,
      count: 1,
      provider: 'pg',
    });
    expect(pinned).toMatchObject({ provider: 'pg', reproducible: false });
    expect(pinned.note).toMatch(/ignores seeds/);
  });
});
