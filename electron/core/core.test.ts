import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventName } from '../../shared/contract';
import type { ProviderInfo, RunDetail } from '../../shared/domain';
import { type OpenAIDouble, startOpenAIDouble } from '../../test/doubles/openai-double';
import { type FakeClock, fakeClock } from '../../test/support/clocks';
import { createTestCore } from '../../test/support/core';
import { type Core, DATABASE_FILE } from '.';
import type { LogFields, Logger } from './ports';
import type { Vault } from './vault/vault';
import { createSessionVault } from './vault/vault';

const SECRET = 'sk-core-test-secret-7777';

/** Seals by XOR so the test can prove the stored bytes are not the plaintext. */
function fakeOsVault(available = true): Vault {
  const xor = (bytes: Uint8Array) => Uint8Array.from(bytes, (b) => b ^ 0x5a);
  return {
    persistent: true,
    unavailableReason: () => (available ? null : 'no desktop keyring is available'),
    describe: () => 'sealed by the fake OS',
    seal: (plain) => xor(Buffer.from(plain, 'utf8')),
    open: (sealed) => Buffer.from(xor(sealed)).toString('utf8'),
  };
}

function recordingLogger(lines: string[]): Logger {
  const write = (message: string, fields?: LogFields) =>
    lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  return { info: write, warn: write, error: write };
}

describe('core, end to end against the OpenAI protocol double', () => {
  let dataDir: string;
  let double: OpenAIDouble;
  let core: Core;
  let logLines: string[];
  let seen: Array<{ name: EventName; payload: unknown }>;
  let clock: FakeClock;

  function boot(
    vault: Vault = createSessionVault(),
    extra: Partial<Parameters<typeof createTestCore>[0]> = {},
  ): Core {
    const instance = createTestCore({
      dataDir,
      vault,
      log: recordingLogger(logLines),
      mode: 'browser',
      version: '0.0.0-test',
      endpoints: { openai: double.url },
      // Retry-After and backoff waits pass at once; the double's answers are real HTTP.
      clock,
      ...extra,
    });
    instance.events.subscribe((name, payload) => seen.push({ name, payload }));
    return instance;
  }

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'atelier-core-'));
    double = await startOpenAIDouble();
    logLines = [];
    seen = [];
    clock = fakeClock();
    core = boot();
  });

  afterEach(async () => {
    await core.close();
    await double.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function generate(input: Record<string, unknown> = {}) {
    const started = await core.invoke('generation.start', {
      prompt: 'a red chair',
      provider: 'openai',
      ...input,
    });
    expect(started).toMatchObject({ ok: true });
    const runId = (started as { value: { runId: number } }).value.runId;
    await core.generation.idle();
    const detail = await core.invoke('runs.get', { id: runId });
    if (!detail.ok) throw new Error(detail.error.message);
    return detail.value as RunDetail;
  }

  it('stores a key, lists it by its last four characters only, and never logs it', async () => {
    const set = await core.invoke('keys.set', { provider: 'openai', secret: SECRET });
    expect(set).toMatchObject({ ok: true, value: { provider: 'openai', last4: '7777', source: 'session' } });
    const list = await core.invoke('keys.list', {});
    expect(JSON.stringify(list)).not.toContain(SECRET);
    await generate();
    expect(logLines.join('\n')).not.toContain(SECRET);
  });

  it('lists which providers need a key, so "Add an API key" can skip the ones that take none', async () => {
    const list = await core.invoke('providers.list', {});
    if (!list.ok) throw new Error(list.error.message);
    const { providers } = list.value as { providers: ProviderInfo[] };
    const auth = Object.fromEntries(providers.map((p) => [p.id, p.auth]));
    expect(auth).toMatchObject({ openai: 'key', gemini: 'key', a1111: 'optional', comfyui: 'none' });
  });

  it('refuses to generate without a key, naming what to do, and records nothing', async () => {
    const started = await core.invoke('generation.start', { prompt: 'x', provider: 'openai' });
    expect(started).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('Settings') },
    });
    expect(await core.invoke('runs.list', {})).toMatchObject({ ok: true, value: { items: [], total: 0 } });
  });

  it('answers malformed input with invalid_input naming the field', async () => {
    const bad = await core.invoke('generation.start', { prompt: '', provider: 'openai', count: 99 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const message = (bad as { error: { message: string } }).error.message;
    expect(message).toContain('prompt');
    expect(message).toContain('count');
    expect(await core.invoke('keys.set', { provider: 'openai' })).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('secret') },
    });
    expect(await core.invoke('nope.call', {})).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('runs a generation: image verified, stored content-addressed with a thumbnail, one transaction, events in order', async () => {
    await core.invoke('keys.set', { provider: 'openai', secret: SECRET });
    const run = await generate({ count: 2, negativePrompt: 'blurry', aspectRatio: '16:9' });
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toHaveLength(2);
    for (const output of run.outputs) {
      expect(output.path).toMatch(/^media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png$/);
      const thumb = await sharp(path.join(dataDir, output.thumbPath)).metadata();
      expect(thumb.format).toBe('webp');
      expect(Math.max(thumb.width ?? 0, thumb.height ?? 0)).toBeLessThanOrEqual(384);
    }
    expect(run.attempts).toHaveLength(1);
    expect(run.attempts[0]).toMatchObject({
      provider: 'openai',
      model: 'gpt-image-1',
      outcome: 'ok',
      httpStatus: 200,
    });
    expect(run.attempts[0]!.warnings.join(' ')).toMatch(/seed/i);
    expect(run.attempts[0]!.warnings.join(' ')).toMatch(/negative/i);
    expect(JSON.stringify(run.attempts[0]!.requestSent)).not.toContain(SECRET);
    expect(run.costUsd).toBeGreaterThan(0);
    expect(run.seed).toBeNull(); // gpt-image takes no seed: the run says so instead of pretending.
    const phases = seen
      .filter((e) => e.name === 'run.updated')
      .map((e) => (e.payload as { phase: string }).phase);
    expect(phases).toEqual(['queued', 'requesting', 'ingesting', 'done']);
    expect(seen.at(-1)).toMatchObject({
      name: 'run.completed',
      payload: { runId: run.id, status: 'succeeded', outputsCount: 2 },
    });
    const list = await core.invoke('runs.list', {});
    expect(list).toMatchObject({ ok: true, value: { total: 1, items: [{ id: run.id, outputsCount: 2 }] } });
  });

  it('walks the shipped default route: providers it cannot use are skipped with a reason, OpenAI answers', async () => {
    await core.invoke('keys.set', { provider: 'openai', secret: SECRET });
    const started = await core.invoke('generation.start', { prompt: 'a red chair' });
    expect(started).toMatchObject({ ok: true });
    await core.generation.idle();
    const runId = (started as { value: { runId: number } }).value.runId;
    const run = (await core.invoke('runs.get', { id: runId })) as { ok: true; value: RunDetail };
    expect(run.value).toMatchObject({ status: 'succeeded', provider: 'openai', taskType: 'default' });
    expect(run.value.attempts.map((a) => [a.provider, a.outcome])).toEqual([
      ['gemini', 'skipped'],
      ['leonardo', 'skipped'],
      ['openai', 'ok'],
    ]);
    for (const skipped of run.value.attempts.slice(0, 2)) expect(skipped.providerMessage).toBeTruthy();
    const estimate = await core.invoke('generation.estimate', { prompt: 'a red chair' });
    expect(estimate).toMatchObject({
      ok: true,
      value: { likelyUsd: 0.167, steps: [{ eligible: false }, { eligible: false }, { eligible: true }] },
    });
  });

  // Pinned to OpenAI, so the chain is OpenAI alone: the policy's retries show as extra attempts.
  const failures = [
    ['invalid_api_key', 'auth_failed', 401, 1],
    ['rate_limited', 'rate_limited', 429, 2], // Retry-After 1.75 s is under the cap: waited out once.
    ['insufficient_quota', 'quota_exhausted', 429, 1],
    ['moderation_blocked', 'content_blocked', 400, 1],
    ['server_error', 'unavailable', 500, 3], // Two backoff retries, then nothing left to fall through to.
    ['malformed_json', 'no_image', 200, 1],
    ['not_an_image', 'no_image', 200, 1],
  ] as const;
  for (const [scenario, outcome, status, attempts] of failures) {
    it(`records ${scenario} as a classified ${outcome} attempt and a failed run with a readable error`, async () => {
      await core.invoke('keys.set', { provider: 'openai', secret: SECRET });
      double.setScenario(scenario);
      const run = await generate();
      expect(run.status).toBe('failed');
      expect(run.outputs).toEqual([]);
      expect(run.attempts).toHaveLength(attempts);
      for (const attempt of run.attempts) expect(attempt).toMatchObject({ outcome, httpStatus: status });
      expect(double.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(attempts);
      expect(run.error).toMatchObject({ code: outcome });
      expect(run.error!.message).not.toMatch(/^\s*\{/);
      expect(run.error!.message).not.toContain(SECRET);
      if (outcome === 'rate_limited') expect(run.attempts[0]!.retryAfterMs).toBeGreaterThan(0);
      expect(existsSync(path.join(dataDir, 'media'))).toBe(false);
    });
  }

  it('cancels a run in flight', async () => {
    await core.invoke('keys.set', { provider: 'openai', secret: SECRET });
    double.setScenario('slow');
    const started = await core.invoke('generation.start', { prompt: 'slow one', provider: 'openai' });
    const runId = (started as { value: { runId: number } }).value.runId;
    await new Promise((r) => setTimeout(r, 50));
    expect(await core.invoke('generation.cancel', { runId })).toEqual({
      ok: true,
      value: { cancelled: true },
    });
    await core.generation.idle();
    const run = await core.invoke('runs.get', { id: runId });
    expect(run).toMatchObject({
      ok: true,
      value: { status: 'cancelled', attempts: [{ outcome: 'cancelled' }] },
    });
  });

  it('marks a run left in flight by a stopped app as failed on the next start, never silently lost', async () => {
    await core.invoke('keys.set', { provider: 'openai', secret: SECRET });
    double.setScenario('slow');
    const sent = new Promise<void>((resolve) =>
      core.events.subscribe((name, payload) => {
        if (name === 'run.updated' && (payload as { phase: string }).phase === 'requesting') resolve();
      }),
    );
    await core.invoke('generation.start', { prompt: 'interrupted', provider: 'openai' });
    await sent;
    // A crash leaves the database files exactly as they are now: copy them and start on the copy.
    const crashed = mkdtempSync(path.join(os.tmpdir(), 'atelier-core-crashed-'));
    for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) {
      if (existsSync(path.join(dataDir, file)))
        copyFileSync(path.join(dataDir, file), path.join(crashed, file));
    }
    const db = new Database(path.join(crashed, DATABASE_FILE));
    expect(db.prepare('SELECT status FROM runs').get()).toMatchObject({ status: 'running' });
    db.close();
    const requestsBefore = double.requests.length;
    const second = createTestCore({
      dataDir: crashed,
      vault: createSessionVault(),
      log: recordingLogger(logLines),
      mode: 'browser',
      version: '0.0.0-test',
      endpoints: { openai: double.url },
      environmentKeys: { openai: SECRET },
      clock,
    });
    const list = await second.invoke('runs.list', {});
    expect(list).toMatchObject({
      ok: true,
      value: {
        items: [
          {
            status: 'failed',
            error: { code: 'interrupted', message: expect.stringContaining('OpenAI was generating') },
          },
        ],
      },
    });
    await second.generation.idle();
    expect(double.requests.length).toBe(requestsBefore); // Not sent again: it may already have been paid for.
    await second.close();
    rmSync(crashed, { recursive: true, force: true });
  });

  it('seals keys with the OS vault: the database holds no plaintext and keys survive a restart', async () => {
    await core.close();
    core = boot(fakeOsVault());
    expect(await core.invoke('keys.set', { provider: 'openai', secret: SECRET })).toMatchObject({
      ok: true,
      value: { source: 'stored', last4: '7777' },
    });
    await core.close();
    for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) {
      const full = path.join(dataDir, file);
      if (existsSync(full)) expect(readFileSync(full).includes(Buffer.from(SECRET))).toBe(false);
    }
    core = boot(fakeOsVault());
    const run = await generate();
    expect(run.status).toBe('succeeded');
  });

  it('refuses to store a key when the OS cannot encrypt, saying why', async () => {
    await core.close();
    core = boot(fakeOsVault(false));
    const set = await core.invoke('keys.set', { provider: 'openai', secret: SECRET });
    expect(set).toMatchObject({
      ok: false,
      error: { code: 'key_storage_unavailable', message: expect.stringContaining('no desktop keyring') },
    });
    expect(await core.invoke('keys.list', {})).toMatchObject({
      ok: true,
      value: { keys: [], storage: { canStore: false } },
    });
  });

  it('takes a key from the environment and refuses to delete it', async () => {
    await core.close();
    core = boot(createSessionVault(), { environmentKeys: { openai: SECRET } });
    expect(await core.invoke('keys.list', {})).toMatchObject({
      ok: true,
      value: { keys: [{ source: 'environment', last4: '7777' }] },
    });
    expect(await core.invoke('keys.delete', { provider: 'openai' })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
  });

  it('tests a key against the provider and remembers the result', async () => {
    await core.invoke('keys.set', { provider: 'openai', secret: SECRET });
    expect(await core.invoke('keys.test', { provider: 'openai' })).toMatchObject({
      ok: true,
      value: { ok: true, outcome: 'ok' },
    });
    double.setScenario('invalid_api_key');
    expect(await core.invoke('keys.test', { provider: 'openai' })).toMatchObject({
      ok: true,
      value: { ok: false, outcome: 'auth_failed' },
    });
    expect(await core.invoke('keys.list', {})).toMatchObject({
      ok: true,
      value: { keys: [{ lastTest: { ok: false } }] },
    });
  });

  it('explains a retired model and names its successor', async () => {
    await core.invoke('keys.set', { provider: 'openai', secret: SECRET });
    const started = await core.invoke('generation.start', {
      prompt: 'x',
      provider: 'openai',
      model: 'dall-e-3',
    });
    expect(started).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('gpt-image-1') },
    });
  });

  it('rates outputs and tags runs; unknown ids are not_found', async () => {
    await core.invoke('keys.set', { provider: 'openai', secret: SECRET });
    const run = await generate();
    const outputId = run.outputs[0]!.id;
    expect(await core.invoke('runs.rate', { outputId, rating: 4 })).toEqual({
      ok: true,
      value: { outputId, rating: 4 },
    });
    expect(await core.invoke('runs.tag', { id: run.id, tags: ['hero', 'Hero', 'client-a'] })).toEqual({
      ok: true,
      value: { tags: ['client-a', 'hero'] },
    });
    const again = await core.invoke('runs.get', { id: run.id });
    expect(again).toMatchObject({
      ok: true,
      value: { outputs: [{ rating: 4 }], tags: ['client-a', 'hero'] },
    });
    expect(await core.invoke('runs.rate', { outputId: 99999, rating: 3 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await core.invoke('runs.get', { id: 99999 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('reports a local provider with no server as such, not as ready', async () => {
    const status = await core.invoke('providers.status', {});
    if (!status.ok) throw new Error(status.error.message);
    const byId = new Map(
      (status.value as { providers: Array<{ provider: string; key: string }> }).providers.map((p) => [
        p.provider,
        p.key,
      ]),
    );
    expect(byId.get('a1111')).toBe('no_server');
    expect(byId.get('comfyui')).toBe('no_server');
    expect(byId.get('openai')).toBe('missing');
  });

  it('serves only media files that belong to the library', async () => {
    mkdirSync(path.join(dataDir, 'thumbs', 'ab'), { recursive: true });
    writeFileSync(path.join(dataDir, 'thumbs', 'ab', 'x.webp'), 'RIFFxxxxWEBP');
    symlinkSync('/etc/passwd', path.join(dataDir, 'thumbs', 'ab', 'passwd.webp'));
    expect(await core.resolveMedia('thumbs/ab/x.webp')).toBe(
      path.join(realpathSync(dataDir), 'thumbs', 'ab', 'x.webp'),
    );
    expect(await core.resolveMedia('thumbs/ab/passwd.webp')).toBeNull();
    expect(await core.resolveMedia('thumbs/../atelier.db')).toBeNull();
    expect(await core.resolveMedia('atelier.db')).toBeNull();
    expect(await core.resolveMedia('/etc/passwd')).toBeNull();
  });
});
