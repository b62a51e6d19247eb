import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { REFERENCE_STRENGTH } from '../../../shared/constants';
import type { CallName, CallOutput } from '../../../shared/contract';
import type { RunDetail } from '../../../shared/domain';
import type { StyleDetail, StyleFieldsInput } from '../../../shared/library-contract';
import { fakeClock } from '../../../test/support/clocks';
import { createTestCore } from '../../../test/support/core';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import { type Core, DATABASE_FILE } from '..';
import { createSessionVault } from '../vault/vault';
import { readStarterLibrary } from './starter';

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const core of cores.splice(0)) await core.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function boot(dataDir?: string, opts: { imageProvider?: boolean } = {}) {
  const dir = dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'atelier-library-'));
  if (!dataDir) dirs.push(dir);
  const adapter = scriptedAdapter('pa');
  // `pi` (only when asked) takes a reference image; `pa` does not.
  const imageAdapter = scriptedAdapter('pi');
  const image = opts.imageProvider === true;
  const core = createTestCore({
    dataDir: dir,
    vault: createSessionVault(),
    log: { info() {}, warn() {}, error() {} },
    mode: 'browser',
    version: '0.0.0-test',
    clock: fakeClock(),
    catalog: testCatalog(
      testProvider('pa', { auth: 'none' }),
      ...(image ? [testProvider('pi', { auth: 'none', imageInput: true })] : []),
    ),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: image ? { pa: adapter, pi: imageAdapter } : { pa: adapter },
  });
  cores.push(core);
  return { core, adapter, imageAdapter, dir };
}

async function call<K extends CallName>(core: Core, name: K, input: unknown): Promise<CallOutput<K>> {
  const result = await core.invoke(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value as CallOutput<K>;
}

async function refusal(core: Core, name: CallName, input: unknown) {
  const result = await core.invoke(name, input);
  if (result.ok) throw new Error(`${name} should have been refused`);
  return result.error;
}

const baseStyle: StyleFieldsInput = {
  name: 'House look',
  owner: 'Ana',
  tags: ['Brand', 'photo'],
  styleTokens: ['warm light'],
  negativeGroups: ['blur'],
  negativeTerms: ['logo'],
  defaults: { steps: 30 },
};

describe('starter library', () => {
  it('loads once: twelve styles, templates and the grouped negative library, never overwriting edits', async () => {
    const { core, dir } = boot();
    const starter = readStarterLibrary();
    expect(starter.styles.length).toBeGreaterThanOrEqual(12);
    const page = await call(core, 'styles.list', {});
    expect(page.total).toBe(starter.styles.length);
    const artifacts = new Set((await call(core, 'negatives.list', {})).groups.map((g) => g.artifact));
    for (const a of ['blur', 'oversaturation', 'anatomy', 'text_distortion', 'watermark', 'composition']) {
      expect(artifacts).toContain(a);
    }
    // The user edits a starter style and a starter negative group, then restarts twice.
    const cinematic = page.items.find((s) => s.name === 'Cinematic');
    if (!cinematic) throw new Error('no Cinematic');
    const detail = await call(core, 'styles.get', { id: cinematic.id });
    await call(core, 'styles.update', {
      id: cinematic.id,
      fields: { ...detail.latest.fields, name: 'Our cinematic' },
    });
    await call(core, 'negatives.save', { slug: 'blur', artifact: 'blur', label: 'Blur', terms: ['mine'] });
    await cores.pop()?.close();
    for (let i = 0; i < 2; i++) {
      const again = boot(dir).core;
      const list = await call(again, 'styles.list', {});
      expect(list.total).toBe(starter.styles.length);
      expect(list.items.map((s) => s.name)).toContain('Our cinematic');
      expect(list.items.map((s) => s.name)).not.toContain('Cinematic');
      const blur = (await call(again, 'negatives.list', {})).groups.find((g) => g.slug === 'blur');
      expect(blur?.terms).toEqual(['mine']);
      expect((await call(again, 'templates.list', {})).items).toHaveLength(starter.templates.length);
      await cores.pop()?.close();
    }
  });
});

describe('styles: versions, runs, approval', () => {
  it('every save is a new version; an old run keeps pointing to the old version after an edit', async () => {
    const { core, adapter } = boot();
    const created = await call(core, 'styles.create', { fields: baseStyle });
    const v1 = created.latestVersionId;
    const { runId: run1 } = await call(core, 'generation.start', {
      prompt: 'a kettle',
      provider: 'pa',
      style: { versionId: v1 },
    });
    await core.generation.idle();
    expect(adapter.calls[0]?.prompt).toBe('a kettle\nwarm light');

    const edited = await call(core, 'styles.update', {
      id: created.id,
      fields: { ...created.latest.fields, styleTokens: ['cold light'] },
      baseVersionId: v1,
    });
    const v2 = edited.latestVersionId;
    expect(v2).not.toBe(v1);
    expect(edited.versions.map((v) => v.version)).toEqual([2, 1]);
    const { runId: run2 } = await call(core, 'generation.start', {
      prompt: 'a kettle',
      provider: 'pa',
      style: { versionId: v2 },
    });
    await core.generation.idle();

    const first: RunDetail = await call(core, 'runs.get', { id: run1 });
    const second: RunDetail = await call(core, 'runs.get', { id: run2 });
    expect(first.styleVersionId).toBe(v1);
    expect(second.styleVersionId).toBe(v2);
    expect(first.request.prompt).toBe('a kettle\nwarm light');
    expect(first.request.negativePrompt).toContain('blurry');
    expect(first.request.negativePrompt).toContain('logo');
    expect(first.request.steps).toBe(30);
    // A retry replays what was sent and still points at v1.
    const { runId: retried } = await call(core, 'generation.retry', { runId: run1 });
    await core.generation.idle();
    expect(adapter.calls.at(-1)?.prompt).toBe('a kettle\nwarm light');
    expect((await call(core, 'runs.get', { id: retried })).styleVersionId).toBe(v1);
    // The old version is still readable exactly as it was.
    expect((await call(core, 'styles.getVersion', { versionId: v1 })).fields.styleTokens).toEqual([
      'warm light',
    ]);

    // A stale editor is refused instead of silently overwriting.
    expect(
      (
        await refusal(core, 'styles.update', {
          id: created.id,
          fields: created.latest.fields,
          baseVersionId: v1,
        })
      ).code,
    ).toBe('conflict');
    // Versions are immutable in the database itself.
    const db = new Database(path.join(core.dataDir, DATABASE_FILE));
    expect(() => db.prepare('UPDATE style_versions SET note = ? WHERE id = ?').run('x', v1)).toThrow(
      /immutable/,
    );
    db.close();
  });

  it('diffs two versions and reverts as a new version', async () => {
    const { core } = boot();
    const a = await call(core, 'styles.create', { fields: baseStyle });
    const b = await call(core, 'styles.update', {
      id: a.id,
      fields: { ...a.latest.fields, description: 'new', styleTokens: ['x'] },
    });
    const diff = await call(core, 'styles.diff', {
      fromVersionId: a.latestVersionId,
      toVersionId: b.latestVersionId,
    });
    expect(diff.changes.map((c) => c.field).sort()).toEqual(['description', 'styleTokens']);
    const reverted: StyleDetail = await call(core, 'styles.revert', {
      id: a.id,
      toVersionId: a.latestVersionId,
    });
    expect(reverted.version).toBe(3);
    expect(reverted.latest.note).toBe('reverted to v1');
    expect(reverted.latest.fields).toEqual(a.latest.fields);
  });

  it('"approved styles only" refuses drafts and warns on deprecated styles', async () => {
    const { core } = boot();
    await call(core, 'library.setSettings', { bannedTerms: [], approvedOnly: true });
    const draft = await call(core, 'styles.create', { fields: baseStyle });
    const error = await refusal(core, 'generation.start', {
      prompt: 'x',
      provider: 'pa',
      style: { versionId: draft.latestVersionId },
    });
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/draft/);
    const approved = await call(core, 'styles.setStatus', { id: draft.id, status: 'approved' });
    await call(core, 'generation.start', {
      prompt: 'x',
      provider: 'pa',
      style: { versionId: approved.latestVersionId },
    });
    const deprecated = await call(core, 'styles.setStatus', {
      id: draft.id,
      status: 'deprecated',
      deprecatedOn: '2026-12-01',
    });
    const { runId } = await call(core, 'generation.start', {
      prompt: 'x',
      provider: 'pa',
      style: { versionId: deprecated.latestVersionId },
    });
    await core.generation.idle();
    const run = await call(core, 'runs.get', { id: runId });
    expect(run.warnings?.join(' ')).toMatch(/deprecated \(since 2026-12-01\)/);
  });

  it('renders a template with values at dispatch and refuses injection and banned terms', async () => {
    const { core, adapter } = boot();
    const tpl = await call(core, 'templates.create', {
      fields: {
        name: 'Mine',
        segments: { subject: '{{thing}}', environment: 'on a table', negative: 'grain' },
        variables: [{ name: 'thing', kind: 'text', maxLength: 30 }],
      },
    });
    const { runId } = await call(core, 'generation.start', {
      prompt: 'ignored when a template is given',
      provider: 'pa',
      template: { versionId: tpl.versionId, values: { thing: 'a lamp' } },
    });
    await core.generation.idle();
    expect(adapter.calls.at(-1)?.prompt).toBe('a lamp\non a table');
    expect((await call(core, 'runs.get', { id: runId })).templateVersionId).toBe(tpl.versionId);

    const injected = await refusal(core, 'generation.start', {
      prompt: 'x',
      provider: 'pa',
      template: { versionId: tpl.versionId, values: { thing: 'lamp --sref 42' } },
    });
    expect(injected.code).toBe('invalid_input');
    expect(injected.message).toMatch(/values\.thing/);

    await call(core, 'library.setSettings', { bannedTerms: ['lamp'], approvedOnly: false });
    const banned = await refusal(core, 'generation.start', {
      prompt: 'x',
      provider: 'pa',
      template: { versionId: tpl.versionId, values: { thing: 'a lamp' } },
    });
    expect(banned.message).toMatch(/"lamp" in Subject \+ action/);
    // Plain requests are checked too.
    expect((await refusal(core, 'generation.start', { prompt: 'a LAMP', provider: 'pa' })).details).toEqual({
      term: 'lamp',
      segment: 'subject',
    });

    // Invisible characters and look-alike letters do not get a banned term past the check.
    await call(core, 'library.setSettings', { bannedTerms: ['forbiddenword'], approvedOnly: false });
    const sent = adapter.calls.length;
    for (const prompt of [
      'a forbidden\u200bword cat',
      'a forbidden\u00adword cat',
      'a f\u043erbiddenword cat',
    ]) {
      const refused = await refusal(core, 'generation.start', { prompt, provider: 'pa' });
      expect(refused).toMatchObject({ code: 'invalid_input', details: { term: 'forbiddenword' } });
    }
    const viaValue = await refusal(core, 'generation.start', {
      prompt: 'x',
      provider: 'pa',
      template: { versionId: tpl.versionId, values: { thing: 'forbidden\u200bword' } },
    });
    expect(viaValue.message).toMatch(/"forbiddenword" in Subject \+ action \(values\.thing\)/);
    await core.generation.idle();
    expect(adapter.calls).toHaveLength(sent);
  });

  it('versions templates segment by segment, and renders unsaved fields live per provider', async () => {
    const { core } = boot();
    const t1 = await call(core, 'templates.create', {
      fields: {
        name: 'Seg',
        segments: { subject: 'a {{x}}', style: 'soft' },
        variables: [{ name: 'x', kind: 'text', maxLength: 20 }],
      },
    });
    const t2 = await call(core, 'templates.update', {
      id: t1.templateId,
      fields: { ...t1.fields, segments: { ...t1.fields.segments, style: 'more cinematic' } },
    });
    const diff = await call(core, 'templates.diff', {
      fromVersionId: t1.versionId,
      toVersionId: t2.versionId,
    });
    expect(diff.changes).toEqual([{ field: 'segments.style', before: 'soft', after: 'more cinematic' }]);
    const back = await call(core, 'templates.revert', { id: t1.templateId, toVersionId: t1.versionId });
    expect(back.version).toBe(3);
    expect(back.fields.segments.style).toBe('soft');

    const { renders } = await call(core, 'library.render', {
      template: { versionId: t2.versionId },
      style: { fields: { name: 'Live', styleTokens: ['grain'], negativeTerms: ['text'] } },
      values: { x: 'cat' },
    });
    expect(renders.map((r) => r.provider)).toEqual(['pa']);
    expect(renders[0]).toMatchObject({
      prompt: 'a cat\nmore cinematic, grain',
      negativePrompt: 'text',
      negativeHandling: 'field',
    });
    const refused = await refusal(core, 'library.render', {
      template: { versionId: t2.versionId },
      values: { x: '(cat:2)' },
    });
    expect(refused.message).toMatch(/values\.x/);
  });

  it('searches by name, tag, status and owner', async () => {
    const { core } = boot();
    await call(core, 'styles.create', { fields: { ...baseStyle, name: 'Moody noir', tags: ['dark'] } });
    const byName = await call(core, 'styles.list', { query: 'noi' });
    expect(byName.items.map((s) => s.name)).toEqual(['Moody noir']);
    const byTag = await call(core, 'styles.list', { tag: 'DARK' });
    expect(byTag.items.map((s) => s.name)).toEqual(['Moody noir']);
    expect((await call(core, 'styles.list', { owner: 'ana' })).total).toBe(1);
    expect((await call(core, 'styles.list', { status: 'draft' })).total).toBe(1);
    // Query syntax in the box is only words.
    expect((await call(core, 'styles.list', { query: '"noir" * ^(' })).total).toBe(1);
  });

  it('generates previews with fixed seeds and links them to the version', async () => {
    const { core, adapter } = boot();
    const style = await call(core, 'styles.create', { fields: baseStyle });
    const { runIds, seeds } = await call(core, 'styles.generatePreviews', {
      versionId: style.latestVersionId,
      provider: 'pa',
      count: 2,
    });
    await core.generation.idle();
    expect(runIds).toHaveLength(2);
    expect(adapter.calls.map((c) => c.seed)).toEqual(seeds);
    const version = await call(core, 'styles.getVersion', { versionId: style.latestVersionId });
    expect(version.previews.map((p) => p.runId)).toEqual(runIds);
    expect(version.previews.every((p) => p.thumbPath !== null)).toBe(true);
    const summary = (await call(core, 'styles.get', { id: style.id })).cover;
    expect(summary?.thumbPath).toMatch(/^thumbs\//);
  });
});

describe('style packs', () => {
  async function styleWithPreviews(core: Core) {
    const style = await call(core, 'styles.create', {
      fields: { ...baseStyle, name: 'Packed', templateId: null },
    });
    await call(core, 'styles.update', {
      id: style.id,
      fields: { ...style.latest.fields, description: 'v2' },
    });
    const latest = await call(core, 'styles.get', { id: style.id });
    await call(core, 'styles.generatePreviews', {
      versionId: latest.latestVersionId,
      provider: 'pa',
      count: 1,
    });
    await core.generation.idle();
    return latest;
  }

  it('round-trips between two data directories, with conflicts never overwriting', async () => {
    const a = boot().core;
    const style = await styleWithPreviews(a);
    const exported = await call(a, 'styles.exportPack', { id: style.id, versions: 'all' });
    expect(exported.path).toMatch(/^exports\/packed-v2-all-\d+\.atelier-style\.json$/);
    const bytes = readFileSync(path.join(a.dataDir, exported.path));
    const dataBase64 = bytes.toString('base64');

    const b = boot().core;
    const first = await call(b, 'styles.importPack', { fileName: exported.fileName, dataBase64 });
    expect(first.styles[0]).toMatchObject({ name: 'Packed', action: 'created' });
    expect(first.styles[0]?.versionIds).toHaveLength(2);
    expect(first.images).toBe(1);
    const imported = await call(b, 'styles.get', { id: first.styles[0]?.styleId ?? 0 });
    expect(imported.latest.fields.description).toBe('v2');
    expect(imported.latest.previews[0]?.path).toMatch(/^media\//);

    // Same pack again: same lineage, nothing new.
    const again = await call(b, 'styles.importPack', { fileName: exported.fileName, dataBase64 });
    expect(again.styles[0]).toMatchObject({ action: 'new_version', versionIds: [] });

    // An edit in A, exported again: B gets it as a new version of the same style.
    await call(a, 'styles.update', { id: style.id, fields: { ...style.latest.fields, description: 'v3' } });
    const next = await call(a, 'styles.exportPack', { id: style.id, versions: 'latest' });
    const third = await call(b, 'styles.importPack', {
      fileName: next.fileName,
      dataBase64: readFileSync(path.join(a.dataDir, next.path)).toString('base64'),
    });
    expect(third.styles[0]).toMatchObject({ action: 'new_version', name: 'Packed' });
    expect((await call(b, 'styles.get', { id: imported.id })).latest.fields.description).toBe('v3');

    // An unrelated style called "Packed" in a third library: the import is renamed, the local one untouched.
    const c = boot().core;
    const local = await call(c, 'styles.create', {
      fields: { ...baseStyle, name: 'Packed', description: 'local' },
    });
    const renamed = await call(c, 'styles.importPack', { fileName: exported.fileName, dataBase64 });
    expect(renamed.styles[0]).toMatchObject({ action: 'renamed', name: 'Packed (imported)' });
    expect((await call(c, 'styles.get', { id: local.id })).latest.fields.description).toBe('local');
    // A negative group with the same slug but other terms comes in under a new slug.
    expect(renamed.negativeGroups).toEqual([{ slug: 'blur', action: 'unchanged' }]);
  });

  async function packWith(mutate: (pack: Record<string, unknown>) => void) {
    const a = boot().core;
    const style = await styleWithPreviews(a);
    const exported = await call(a, 'styles.exportPack', { id: style.id, versions: 'latest' });
    const pack = JSON.parse(readFileSync(path.join(a.dataDir, exported.path), 'utf8'));
    mutate(pack);
    return Buffer.from(JSON.stringify(pack)).toString('base64');
  }

  async function expectNothingStored(core: Core, before: number) {
    expect((await call(core, 'styles.list', {})).total).toBe(before);
  }

  it('refuses a corrupt image with a clear error and stores nothing', async () => {
    const dataBase64 = await packWith((pack) => {
      const images = pack.images as Record<string, { dataBase64: string }>;
      const [sha, image] = Object.entries(images)[0] ?? [];
      if (!sha || !image) throw new Error('no image');
      const bytes = Buffer.from(image.dataBase64, 'base64');
      // Truncated, and the digest updated so only the decode can catch it.
      const cut = bytes.subarray(0, Math.floor(bytes.length / 2));
      const newSha = createHash('sha256').update(cut).digest('hex');
      delete images[sha];
      images[newSha] = { ...image, dataBase64: cut.toString('base64') };
      const text = JSON.stringify(pack).replaceAll(sha, newSha);
      Object.assign(pack, JSON.parse(text));
    });
    const b = boot().core;
    const before = (await call(b, 'styles.list', {})).total;
    const error = await refusal(b, 'styles.importPack', { fileName: 'bad.atelier-style.json', dataBase64 });
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/the image cannot be used/);
    await expectNothingStored(b, before);
  });

  it('refuses an oversized image (pixels) with a clear error and stores nothing', async () => {
    const huge = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#fff' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const sha = createHash('sha256').update(huge).digest('hex');
    const dataBase64 = await packWith((pack) => {
      const style = pack.style as { versions: { previews: { image: string }[] }[] };
      const images = pack.images as Record<string, unknown>;
      images[sha] = { format: 'png', dataBase64: huge.toString('base64') };
      for (const v of style.versions) for (const p of v.previews) p.image = sha;
    });
    const b = boot().core;
    const before = (await call(b, 'styles.list', {})).total;
    const error = await refusal(b, 'styles.importPack', { fileName: 'big.atelier-style.json', dataBase64 });
    expect(error.message).toMatch(/pixels|cannot be used/);
    await expectNothingStored(b, before);
  });

  it('refuses a pack with an invalid field, naming it', async () => {
    const dataBase64 = await packWith((pack) => {
      (pack.style as { versions: { fields: { status: string } }[] }).versions[0]!.fields.status = 'shipped';
    });
    const b = boot().core;
    const error = await refusal(b, 'styles.importPack', { fileName: 'p.json', dataBase64 });
    expect(error.message).toMatch(/style\.versions\.0\.fields\.status/);
    const notJson = await refusal(b, 'styles.importPack', {
      fileName: 'p.json',
      dataBase64: Buffer.from('nope').toString('base64'),
    });
    expect(notJson.message).toMatch(/not an Atelier style pack/);
  });
});

describe('references attached to styles', () => {
  async function importReference(core: Core, seed: number) {
    const png = await sharp({
      create: { width: 24, height: 16, channels: 3, background: { r: seed * 40, g: 90, b: 200 } },
    })
      .png()
      .withMetadata({ exif: { IFD0: { Copyright: 'private' } } })
      .toBuffer();
    const { results } = await call(core, 'references.import', {
      files: [{ name: `ref-${seed}.png`, dataBase64: png.toString('base64') }],
    });
    const result = results[0];
    if (result?.status !== 'imported') throw new Error(`reference not imported: ${JSON.stringify(result)}`);
    return result.reference;
  }

  it("sends a style's reference only when the request carries it: nothing rides along unseen", async () => {
    const { core, adapter, imageAdapter } = boot(undefined, { imageProvider: true });
    const first = await importReference(core, 1);
    const second = await importReference(core, 2);
    const style = await call(core, 'styles.create', {
      fields: { ...baseStyle, name: 'Referenced', referencePaths: [first.path, second.path] },
    });
    const versionId = style.latestVersionId;

    // The form removed the style's reference: none is sent (before, the style's first one was added unseen).
    const bare = await call(core, 'generation.start', { prompt: 'x', provider: 'pi', style: { versionId } });
    await core.generation.idle();
    const bareRun = await call(core, 'runs.get', { id: bare.runId });
    expect(bareRun.request.reference).toBeUndefined();
    expect(imageAdapter.calls[0]?.hasReference).toBe(false);

    // The request's own reference is what is sent, and what Reuse brings back.
    const own = await call(core, 'generation.start', {
      prompt: 'x',
      provider: 'pi',
      style: { versionId },
      reference: { path: second.path, strength: 0.4 },
    });
    await core.generation.idle();
    const ownRun = await call(core, 'runs.get', { id: own.runId });
    expect(ownRun.request.reference).toEqual({ path: second.path, strength: 0.4 });
    expect(ownRun.requested?.reference).toEqual({ path: second.path, strength: 0.4 });
    expect(imageAdapter.calls[1]?.hasReference).toBe(true);

    // Previews state the style's first reference in their request.
    const previews = await call(core, 'styles.generatePreviews', { versionId, provider: 'pi', count: 1 });
    await core.generation.idle();
    const preview = await call(core, 'runs.get', { id: previews.runIds[0] ?? 0 });
    expect(preview.request.reference).toEqual({ path: first.path, strength: REFERENCE_STRENGTH.default });

    // A model without image input: the usual "reference ignored" warning applies.
    const estimate = await call(core, 'generation.estimate', {
      prompt: 'x',
      provider: 'pa',
      style: { versionId },
      reference: { path: first.path, strength: 0.5 },
    });
    expect(estimate.warnings.join(' ')).toMatch(/reference would be ignored/);
    expect(adapter.calls).toHaveLength(0);
  });

  it('lists the styles that attach a reference and refuses to delete it while one does', async () => {
    const { core } = boot();
    const reference = await importReference(core, 3);
    const unused = await importReference(core, 4);
    const style = await call(core, 'styles.create', {
      fields: { ...baseStyle, name: 'Uses it', referencePaths: [reference.path] },
    });
    const detail = await call(core, 'references.get', { id: reference.id });
    expect(detail.usedIn.styles).toEqual([{ styleId: style.id, name: 'Uses it', version: 1 }]);
    expect((await call(core, 'references.get', { id: unused.id })).usedIn.styles).toEqual([]);

    const refused = await refusal(core, 'references.delete', { id: reference.id });
    expect(refused.code).toBe('conflict');
    expect(refused.message).toContain('"Uses it"');

    // Only the latest version counts: once the style drops it, it can go.
    await call(core, 'styles.update', {
      id: style.id,
      fields: { ...style.latest.fields, referencePaths: [] },
    });
    expect((await call(core, 'references.get', { id: reference.id })).usedIn.styles).toEqual([]);
    expect(await call(core, 'references.delete', { id: reference.id })).toEqual({ deleted: true });
    expect(await call(core, 'references.delete', { id: unused.id })).toEqual({ deleted: true });
  });

  it('a pack carries attached references into the other library as references', async () => {
    const a = boot().core;
    const reference = await importReference(a, 5);
    const style = await call(a, 'styles.create', {
      fields: { ...baseStyle, name: 'Travelling', referencePaths: [reference.path] },
    });
    const exported = await call(a, 'styles.exportPack', { id: style.id, versions: 'latest' });
    const dataBase64 = readFileSync(path.join(a.dataDir, exported.path)).toString('base64');

    const b = boot().core;
    const report = await call(b, 'styles.importPack', { fileName: exported.fileName, dataBase64 });
    expect(report.warnings).toEqual([]);
    const styleId = report.styles[0]?.styleId ?? 0;
    const listed = await call(b, 'references.list', {});
    expect(listed.items).toHaveLength(1);
    const imported = listed.items[0];
    if (!imported) throw new Error('no reference');
    // Its metadata-free copy; a PNG with nothing to strip is its own copy (the stored original).
    expect(imported.path === imported.originalPath || imported.path.startsWith('references/')).toBe(true);
    const importedStyle = await call(b, 'styles.get', { id: styleId });
    expect(importedStyle.latest.fields.referencePaths).toEqual([imported.path]);
    expect((await call(b, 'references.get', { id: imported.id })).usedIn.styles).toEqual([
      { styleId, name: 'Travelling', version: 1 },
    ]);
    // The same pack again reuses the reference instead of adding a second one.
    await call(b, 'styles.importPack', { fileName: exported.fileName, dataBase64 });
    expect((await call(b, 'references.list', {})).items).toHaveLength(1);
  });
});
