// Every call a test makes through the test kit has its output parsed by its schema (test/support/core.ts).
// These pin the kit itself, and reach the calls no other test makes, so each answer is checked at least once.
import { afterEach, describe, expect, it } from 'vitest';
import type { calls } from '../../shared/contract';
import type { Result } from '../../shared/result';
import { checkedInvoke, createTestCore, OutputMismatchError } from '../../test/support/core';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../test/support/dispatch';
import { type Harness, makeHarness } from '../../test/support/harness';
import { pngBytes } from '../../test/support/images';
import { withTempDir } from '../../test/support/net';
import { silentLogger } from './ports';
import { createSessionVault } from './vault/vault';

describe('the test kit checks outputs', () => {
  const answering = (value: unknown) => async (): Promise<Result<unknown>> => ({ ok: true, value });

  it('throws when a call answers what its output schema refuses, naming the call and the field', async () => {
    const invoke = checkedInvoke(answering({ deleted: 'yes' }));
    await expect(invoke('keys.delete', { provider: 'openai' })).rejects.toThrow(OutputMismatchError);
    await expect(invoke('keys.delete', { provider: 'openai' })).rejects.toThrow(/^keys\.delete .*deleted: /);
  });

  it('passes a matching output through unchanged, and refusals and unknown names as they are', async () => {
    const value = { deleted: true, extra: 'kept' };
    expect(await checkedInvoke(answering(value))('keys.delete', {})).toEqual({ ok: true, value });
    const refused: Result<unknown> = { ok: false, error: { code: 'not_found', message: 'no such key' } };
    expect(await checkedInvoke(async () => refused)('keys.delete', {})).toBe(refused);
    expect(await checkedInvoke(answering(42))('no.such.call', {})).toEqual({ ok: true, value: 42 });
  });

  it('throws on a refusal whose error is not the shape errors cross in', async () => {
    const invoke = checkedInvoke(
      async () => ({ ok: false, error: { code: 'oops', message: 'no' } }) as never,
    );
    await expect(invoke('keys.delete', {})).rejects.toThrow(/^keys\.delete .*code: /);
  });
});

describe('the test kit checks events', () => {
  it('fails the close of a core that pushed an event its schema refuses, naming the event and the field', async () => {
    await withTempDir('atelier-events-', async (dataDir) => {
      const core = createTestCore({
        dataDir,
        vault: createSessionVault(),
        log: silentLogger,
        mode: 'browser',
        version: '0.0.0-test',
        sweep: false,
      });
      core.events.emit('localServers.changed', { id: null });
      core.events.emit('localServers.changed', { id: 'three' } as never);
      await expect(core.close()).rejects.toThrow(/^events .*localServers\.changed: id: /);
    });
  });
});

describe('calls no other test makes answer what their schemas promise', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('app, keys, facets, templates, library settings and references', async () => {
    h = makeHarness({
      catalog: testCatalog(testProvider('pa')),
      routes: testRoutes([{ provider: 'pa' }]),
      adapters: { pa: scriptedAdapter('pa') },
    });
    const answered = new Set<string>();
    const call = async <T>(name: keyof typeof calls, input: unknown = {}): Promise<T> => {
      const value = await h.call<T>(name, input);
      answered.add(name);
      return value;
    };

    await call('app.info');
    await call('keys.set', { provider: 'pa', secret: 'key-pa-0123456789' });
    expect(await call('keys.delete', { provider: 'pa' })).toEqual({ deleted: true });

    await call('styles.create', {
      fields: { name: 'House look', owner: 'Ana', tags: ['Brand'], styleTokens: ['warm light'] },
    });
    expect(await call('styles.facets')).toMatchObject({
      tags: expect.arrayContaining([{ tag: 'brand', count: 1 }]),
    });

    const template = await call<{ templateId: number; versionId: number }>('templates.create', {
      fields: {
        name: 'Mine',
        segments: { subject: 'a {{thing}}' },
        variables: [{ name: 'thing', kind: 'text', maxLength: 30 }],
      },
    });
    await call('templates.get', { id: template.templateId });
    await call('templates.getVersion', { versionId: template.versionId });
    await call('library.getSettings');

    const png = await pngBytes(32, 24);
    const imported = await call<{ results: Array<{ reference: { id: number } }> }>('references.import', {
      files: [{ name: 'ref.png', dataBase64: png.toString('base64') }],
    });
    const id = imported.results[0]!.reference.id;
    await call('references.update', { id, name: 'Renamed', tags: ['moodboard'] });
    expect(await call('references.tags')).toMatchObject({ tags: [{ tag: 'moodboard', count: 1 }] });

    expect([...answered].sort()).toEqual(
      [
        'app.info',
        'keys.set',
        'keys.delete',
        'styles.create',
        'styles.facets',
        'templates.create',
        'templates.get',
        'templates.getVersion',
        'library.getSettings',
        'references.import',
        'references.update',
        'references.tags',
      ].sort(),
    );
  });
});
