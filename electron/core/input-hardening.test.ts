import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/support/clocks';
import { createTestCore } from '../../test/support/core';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../test/support/dispatch';
import type { Core } from '.';
import { createSessionVault } from './vault/vault';

let dataDir: string;
let core: Core;
let internalErrors: string[];

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'atelier-input-'));
  internalErrors = [];
  core = boot();
});
afterEach(async () => {
  await core.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function boot(): Core {
  return createTestCore({
    dataDir,
    vault: createSessionVault(),
    log: { info() {}, warn() {}, error: (message) => internalErrors.push(message) },
    mode: 'browser',
    version: '0.0.0-test',
    clock: fakeClock(),
    catalog: testCatalog(testProvider('pa', { auth: 'none' })),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: { pa: scriptedAdapter('pa') },
  });
}

async function refused(name: string, input: unknown): Promise<{ code: string; message: string }> {
  const result = await core.invoke(name, input);
  if (result.ok) throw new Error(`${name} should have been refused`);
  return result.error;
}

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

describe('provider options', () => {
  it.each([1_000, 100_000])(
    'refuses options nested %i deep as invalid_input naming options',
    async (depth) => {
      const error = await refused('generation.start', {
        prompt: 'a chair',
        provider: 'pa',
        options: { pa: { deep: nested(depth) } },
      });
      expect(error.code).toBe('invalid_input');
      expect(error.message).toMatch(/options\.pa: must not nest deeper than 8 levels/);
      expect(internalErrors).toEqual([]);
    },
  );

  it('refuses a ComfyUI workflow nested beyond reason, naming it', async () => {
    const error = await refused('localServers.add', {
      kind: 'comfyui',
      url: 'http://127.0.0.1:8188',
      workflow: { '1': nested(5_000) },
    });
    expect(error).toMatchObject({ code: 'invalid_input' });
    expect(error.message).toMatch(/workflow: must not nest deeper than 32 levels/);
  });

  it('accepts options within the limit', async () => {
    const started = await core.invoke('generation.start', {
      prompt: 'a chair',
      provider: 'pa',
      options: { pa: { a: { b: [1, { c: 'd' }] } } },
    });
    expect(started).toMatchObject({ ok: true });
    await core.generation.idle();
  });
});

describe('labels refuse control and bidirectional formatting characters', () => {
  const bad = [
    ['NUL', 'a\u0000b'],
    ['right-to-left override', 'invoice\u202Egpj.exe'],
    ['right-to-left isolate', 'x\u2067y'],
    ['escape', 'x\u001b[31my'],
    ['line break', 'two\nlines'],
    ['line separator', 'two\u2028lines'],
  ] as const;

  it.each(bad)('in run tags (%s)', async (_, text) => {
    const error = await refused('runs.tag', { id: 1, tags: ['ok', text] });
    expect(error).toMatchObject({ code: 'invalid_input' });
    expect(error.message).toMatch(
      /tags\.1: must not contain control or bidirectional formatting characters \(U\+[0-9A-F]{4}\)/,
    );
  });

  it.each(bad)(
    'in style names and tags, template and variable labels, negative groups (%s)',
    async (_, text) => {
      expect((await refused('styles.create', { fields: { name: text } })).message).toMatch(
        /fields\.name: must not contain control/,
      );
      expect((await refused('styles.create', { fields: { name: 'S', tags: [text] } })).message).toMatch(
        /fields\.tags\.0: must not contain control/,
      );
      expect((await refused('styles.create', { fields: { name: 'S', owner: text } })).message).toMatch(
        /fields\.owner: must not contain control/,
      );
      const template = {
        name: 'T',
        segments: { subject: '{{thing}}' },
        variables: [{ name: 'thing', kind: 'text', maxLength: 20, label: 'Thing' }],
      };
      expect((await refused('templates.create', { fields: { ...template, name: text } })).message).toMatch(
        /fields\.name: must not contain control/,
      );
      expect(
        (
          await refused('templates.create', {
            fields: { ...template, variables: [{ ...template.variables[0], label: text }] },
          })
        ).message,
      ).toMatch(/fields\.variables\.0\.label: must not contain control/);
      const choice = { name: 'angle', kind: 'enum', values: ['front', text] };
      expect(
        (await refused('templates.create', { fields: { ...template, variables: [choice] } })).message,
      ).toMatch(/fields\.variables\.0\.values\.1: must not contain control/);
      expect(
        (await refused('negatives.save', { slug: 'mine', artifact: 'blur', label: text, terms: [] })).message,
      ).toMatch(/label: must not contain control/);
    },
  );

  it.each(bad)('in reference names and tags (%s)', async (_, text) => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const file = { name: 'fine.png', dataBase64: png.toString('base64') };
    expect((await refused('references.import', { files: [{ ...file, name: text }] })).message).toMatch(
      /files\.0\.name: must not contain control/,
    );
    expect((await refused('references.import', { files: [file], tags: [text] })).message).toMatch(
      /tags\.0: must not contain control/,
    );
    const imported = await core.invoke('references.import', { files: [file] });
    const id = (imported as { ok: true; value: { results: [{ reference: { id: number } }] } }).value
      .results[0].reference.id;
    expect((await refused('references.update', { id, name: text })).message).toMatch(
      /name: must not contain control/,
    );
    expect((await refused('references.update', { id, tags: [text] })).message).toMatch(
      /tags\.0: must not contain control/,
    );
  });

  it('still reads a style saved before the rule, without the characters', async () => {
    const created = await core.invoke('styles.create', { fields: { name: 'Plain' } });
    const detail = (
      created as { ok: true; value: { id: number; latest: { fields: Record<string, unknown> } } }
    ).value;
    // A version written as an older Atelier would have, straight through the repository.
    const fields = { ...detail.latest.fields, name: 'Pla\u202Ein', tags: ['x\u0000y'] };
    const listing = {
      name: 'Plain',
      owner: '',
      description: '',
      tags: [],
      status: 'draft' as const,
      deprecatedOn: null,
    };
    core.library.repo.addStyleVersion(detail.id, listing, JSON.stringify(fields), Date.now(), 'legacy');
    const got = await core.invoke('styles.get', { id: detail.id });
    expect(got).toMatchObject({ ok: true, value: { latest: { fields: { name: 'Plain', tags: ['xy'] } } } });
  });
});
