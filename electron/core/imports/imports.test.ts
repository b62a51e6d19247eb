import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../../shared/domain';
import type { HistoryFacets, HistoryPage } from '../../../shared/history-contract';
import type { ImportReport, RunImport } from '../../../shared/import-contract';
import { startA1111Double } from '../../../test/doubles/a1111-double';
import { type ComfyUIDouble, startComfyUIDouble } from '../../../test/doubles/comfyui-double';
import { createTestCore } from '../../../test/support/core';
import {
  mixedFolderFiles,
  pilText,
  plainPng,
  pngWith,
  textChunk,
} from '../../../test/support/metadata-files';
import type { Core } from '..';
import { createSessionVault } from '../vault/vault';

let dir: string;
let core: Core;
let comfy: ComfyUIDouble | null = null;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atelier-imports-'));
  core = createTestCore({
    dataDir: path.join(dir, 'library'),
    vault: createSessionVault(),
    log: { info() {}, warn() {}, error() {} },
    mode: 'browser',
    version: '0.0.0-test',
    sweep: false,
  });
});
afterEach(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await comfy?.close();
});

async function call<T>(name: string, input: unknown): Promise<T> {
  const result = await core.invoke(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

/** Resolves with the report once the import is no longer running (pushed by `imports.progress`). */
function finished(id: string): Promise<ImportReport> {
  return new Promise((resolve) => {
    const stop = core.events.subscribe((name, payload) => {
      if (
        name === 'imports.progress' &&
        (payload as ImportReport).id === id &&
        (payload as ImportReport).state !== 'running'
      ) {
        stop();
        resolve(payload as ImportReport);
      }
    });
    void call<ImportReport>('imports.get', { id }).then((report) => {
      if (report.state !== 'running') {
        stop();
        resolve(report);
      }
    });
  });
}

async function writeFolder(): Promise<string> {
  const folder = path.join(dir, 'archive');
  for (const file of await mixedFolderFiles()) {
    const target = path.join(folder, file.name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.bytes);
  }
  return folder;
}

describe('importing a folder', () => {
  it('counts each tool, lists the failed file with its reason, and makes searchable runs', async () => {
    const folder = await writeFolder();
    const started = await call<ImportReport>('imports.start', { paths: [folder] });
    const report = await finished(started.id);
    expect(report.state).toBe('done');
    expect(report.imported).toEqual({ a1111: 2, comfyui: 1, invokeai: 1, plain: 1 });
    expect(report.failed).toEqual([
      {
        name: path.join(folder, 'broken.png'),
        reason: 'corrupt',
        message: expect.stringMatching(/damaged|not an image/),
      },
    ]);
    expect(report.processed).toBe(6); // notes.txt is not an image and is not taken
    expect(report.runIds).toHaveLength(5);

    const found = await call<HistoryPage>('runs.search', { query: { text: 'lighthouse' } });
    expect(found.items.map((r) => r.source)).toEqual(['comfyui']);
    const facets = await call<HistoryFacets>('runs.facets', {});
    expect(Object.fromEntries(facets.sources.map((s) => [s.value, s.count]))).toEqual({
      a1111: 2,
      comfyui: 1,
      invokeai: 1,
      plain: 1,
    });
    const onlyComfy = await call<HistoryPage>('runs.search', { query: { sources: ['comfyui', 'invokeai'] } });
    expect(onlyComfy.items).toHaveLength(2);

    // The ComfyUI run keeps its 64-bit seed exactly and the graph verbatim.
    const comfyRun = found.items[0]!;
    const imported = await call<RunImport>('imports.forRun', { runId: comfyRun.id });
    expect(imported.parameters?.seed).toBe('18446744073709551614');
    expect(imported.raw.prompt).toContain('"seed": 18446744073709551614');
    expect(imported.reproduce).toMatchObject({ comfyuiGraph: true });
    const detail = await call<RunDetail>('runs.get', { id: comfyRun.id });
    expect(detail).toMatchObject({
      status: 'succeeded',
      provider: 'comfyui',
      seed: null,
      outputs: [{ width: 32, height: 24 }],
    });
    expect(detail.request).toMatchObject({
      prompt: 'a glass lighthouse in a storm',
      negativePrompt: 'text',
      steps: 12,
      guidance: 6.5,
    });

    // The same folder again: every file is a duplicate (dedupe by content), nothing new.
    const again = await finished((await call<ImportReport>('imports.start', { paths: [folder] })).id);
    expect(again.imported).toEqual({});
    expect(again.duplicates).toBe(5);
  });

  it('never stops at a malformed chunk, and says when a path is missing', async () => {
    const damaged = await pngWith([
      textChunk({ type: 'tEXt', key: 'prompt', text: '{"3": broken' }, { badCrc: true }),
      textChunk(pilText('parameters', 'a fern in a jar\nSteps: 9, Seed: 3, Size: 40x30')),
    ]);
    const file = path.join(dir, 'fern.png');
    writeFileSync(file, damaged);
    const report = await finished(
      (await call<ImportReport>('imports.start', { paths: [file, path.join(dir, 'nowhere')] })).id,
    );
    expect(report.imported).toEqual({ a1111: 1 });
    expect(report.failed).toEqual([
      {
        name: path.join(dir, 'nowhere'),
        reason: 'not_found',
        message: expect.stringMatching(/no such file/),
      },
    ]);
    const runId = report.runIds[0]!;
    const imported = await call<RunImport>('imports.forRun', { runId });
    expect(imported.parameters?.warnings.join(' ')).toMatch(/checksum/);
  });
});

describe('importing files sent as bytes (browser mode)', () => {
  it('takes batches, finishes on the last, and a cancel stops the rest', async () => {
    const files = await mixedFolderFiles();
    const images = files.filter((f) => !f.name.endsWith('.txt'));
    const started = await call<ImportReport>('imports.start', { expectFiles: images.length });
    const b64 = (f: { name: string; bytes: Buffer }) => ({
      name: f.name,
      dataBase64: f.bytes.toString('base64'),
    });
    const first = await call<ImportReport>('imports.addFiles', {
      id: started.id,
      files: images.slice(0, 3).map(b64),
    });
    expect(first).toMatchObject({ state: 'running', processed: 3, found: images.length });
    const last = await call<ImportReport>('imports.addFiles', {
      id: started.id,
      files: images.slice(3).map(b64),
      last: true,
    });
    expect(last.state).toBe('done');
    expect(last.imported).toEqual({ a1111: 2, comfyui: 1, invokeai: 1, plain: 1 });

    const other = await call<ImportReport>('imports.start', { expectFiles: 10 });
    const cancelled = await call<ImportReport>('imports.cancel', { id: other.id });
    expect(cancelled.state).toBe('cancelled');
    const after = await call<ImportReport>('imports.addFiles', {
      id: other.id,
      files: [b64({ name: 'x.png', bytes: await plainPng(20, 20, 40) })],
    });
    expect(after).toMatchObject({ state: 'cancelled', processed: 0, imported: {} });
  });
});

describe('Import from Midjourney', () => {
  it('parses pasted prompt lines into the runs it matches by file name, marked as Midjourney', async () => {
    const files = [
      {
        name: 'ana_a_red_fox_in_the_snow_1f2e3d4c-aaaa-bbbb-cccc-000000000001.png',
        bytes: await plainPng(60, 40, 11),
      },
      {
        name: 'ana_brutalist_library_interior_1f2e3d4c-aaaa-bbbb-cccc-000000000002.png',
        bytes: await plainPng(40, 60, 12),
      },
    ];
    const started = await call<ImportReport>('imports.start', {
      expectFiles: 2,
      midjourneyPrompts:
        '/imagine prompt: brutalist library interior, warm light --ar 2:3 --v 6.1 --seed 99\r\na red fox in the snow --ar 3:2 --s 400 --c 15 --sref 123456 --no people, text',
    });
    const done = await call<ImportReport>('imports.addFiles', {
      id: started.id,
      last: true,
      files: files.map((f) => ({ name: f.name, dataBase64: f.bytes.toString('base64') })),
    });
    expect(done.imported).toEqual({ midjourney: 2 });
    const fox = await call<HistoryPage>('runs.search', { query: { text: 'fox' } });
    expect(fox.items).toHaveLength(1);
    expect(fox.items[0]).toMatchObject({ provider: 'midjourney', source: 'midjourney' });
    const imported = await call<RunImport>('imports.forRun', { runId: fox.items[0]!.id });
    expect(imported.parameters?.midjourney).toMatchObject({
      aspectRatio: '3:2',
      stylize: 400,
      chaos: 15,
      sref: ['123456'],
    });
    expect(imported.parameters?.negativePrompt).toBe('people, text');
    const detail = await call<RunDetail>('runs.get', { id: fox.items[0]!.id });
    expect(detail.request).toMatchObject({ aspectRatio: '3:2', negativePrompt: 'people, text' });
    const library = await call<HistoryPage>('runs.search', { query: { text: 'library' } });
    expect((await call<RunDetail>('runs.get', { id: library.items[0]!.id })).request).toMatchObject({
      seed: 99,
      aspectRatio: '2:3',
    });
  });
});

describe('Reproduce on…', () => {
  it('sends a ComfyUI graph to a configured ComfyUI server as it is, every seed digit kept', async () => {
    comfy ??= await startComfyUIDouble({ maxImageSide: 32 });
    await call('localServers.add', { kind: 'comfyui', url: comfy.url, slots: 1 });
    const folder = await writeFolder();
    await finished((await call<ImportReport>('imports.start', { paths: [folder] })).id);
    const [source] = (await call<HistoryPage>('runs.search', { query: { sources: ['comfyui'] } })).items;
    const { runId } = await call<{ runId: number }>('imports.reproduce', {
      runId: source!.id,
      target: 'comfyui',
    });
    await core.generation.idle();
    const child = await call<RunDetail>('runs.get', { id: runId });
    expect(child).toMatchObject({
      status: 'succeeded',
      provider: 'comfyui',
      parentRunId: source!.id,
      derivation: 'reproduce',
    });
    const sent = comfy.requests.find((r) => r.method === 'POST' && r.path === '/prompt');
    expect(sent?.text).toContain('"seed":18446744073709551614');
    expect(sent?.text).toContain('a glass lighthouse in a storm');

    // A plain image has no graph: refused, naming the field.
    const [plain] = (await call<HistoryPage>('runs.search', { query: { sources: ['plain'] } })).items;
    const refused = await core.invoke('imports.reproduce', { runId: plain!.id, target: 'comfyui' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await call<RunImport>('imports.forRun', { runId: plain!.id })).toMatchObject({
      parameters: null,
      reproduce: { comfyuiGraph: false, a1111: false, atelier: false },
    });
    const route = await core.invoke('imports.reproduce', { runId: plain!.id, target: 'route' });
    expect(route).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});

describe('Reproduce on an A1111 server', () => {
  it('sends the parameters: prompt, negative, seed, steps, CFG, size, sampler, schedule type and checkpoint', async () => {
    const a1111 = await startA1111Double();
    try {
      await call('localServers.add', { kind: 'a1111', url: a1111.url, slots: 1 });
      const folder = await writeFolder();
      await finished((await call<ImportReport>('imports.start', { paths: [folder] })).id);
      const [kettle] = (await call<HistoryPage>('runs.search', { query: { text: 'kettle' } })).items;
      const imported = await call<RunImport>('imports.forRun', { runId: kettle!.id });
      expect(imported.reproduce).toMatchObject({ comfyuiGraph: false, a1111: true });
      const { runId } = await call<{ runId: number }>('imports.reproduce', {
        runId: kettle!.id,
        target: 'a1111',
      });
      await core.generation.idle();
      const child = await call<RunDetail>('runs.get', { id: runId });
      expect(child).toMatchObject({
        status: 'succeeded',
        provider: 'a1111',
        parentRunId: kettle!.id,
        derivation: 'reproduce',
      });
      const sent = a1111.requests.find((r) => r.path === '/sdapi/v1/txt2img')?.body as Record<
        string,
        unknown
      >;
      expect(sent).toMatchObject({
        prompt: 'a copper kettle on a windowsill, morning light',
        negative_prompt: 'blurry, lowres',
        seed: 1234567,
        steps: 24,
        cfg_scale: 7,
        width: 512,
        height: 768,
        sampler_name: 'DPM++ 2M',
        scheduler: 'Karras',
        override_settings: { sd_model_checkpoint: 'sd_xl_base_1.0' },
      });
    } finally {
      await a1111.close();
    }
  });
});
