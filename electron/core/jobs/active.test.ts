// Several runs at once: what `generation.active` lists, cancelling one of them, and the list after a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../../shared/domain';
import type { ActiveRuns } from '../../../shared/queue-contract';
import { startOpenAIDouble } from '../../../test/doubles/openai-double';
import { fakeClock } from '../../../test/support/clocks';
import { createTestCore } from '../../../test/support/core';
import {
  deferred,
  type ScriptedAdapter,
  scriptedAdapter,
  testCatalog,
  testProvider,
  testRoutes,
} from '../../../test/support/dispatch';
import { type Harness, makeHarness } from '../../../test/support/harness';
import type { DispatchPolicy } from '../dispatch/policy';
import { createSessionVault } from '../vault/vault';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

/** One provider `pa` whose calls report 40 % and then wait for the test, `concurrency` at a time. */
function setup(opts: { concurrency: number; policy?: Partial<DispatchPolicy> }) {
  const pa = testProvider('pa', { limits: { concurrency: opts.concurrency } });
  const adapter = reporting(scriptedAdapter('pa'));
  const h = makeHarness({
    catalog: testCatalog(pa),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: { pa: adapter },
    keys: ['pa'],
    policy: opts.policy,
  });
  open.push(h);
  return { h, adapter, pa };
}

/** Every call reports progress before it answers, as a polling provider does. */
function reporting(adapter: ScriptedAdapter): ScriptedAdapter {
  const generate = adapter.generate.bind(adapter);
  adapter.generate = (call) => {
    call.onProgress({ fraction: 0.4, message: 'step 4 of 10' });
    return generate(call);
  };
  return adapter;
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const active = async (h: Harness) => (await h.call<ActiveRuns>('generation.active')).runs;

describe('generation.active', () => {
  it('lists queued and running runs, oldest first, with phase, provider, progress and request', async () => {
    const { h, adapter } = setup({ concurrency: 1 });
    const gate = deferred();
    adapter.script = [{ outcome: 'ok', hold: gate.promise }];
    const first = await h.start({ prompt: 'a heron standing in reeds' });
    const second = await h.start({ prompt: 'a lighthouse at dusk', count: 2, aspectRatio: '16:9' });
    await waitFor(() => adapter.openCalls() === 1);

    const runs = await active(h);
    expect(runs.map((r) => [r.runId, r.status, r.phase, r.provider])).toEqual([
      [first, 'running', 'requesting', 'pa'],
      // Claimed by the queue, but waiting for pa's one slot: nothing was sent for it yet.
      [second, 'running', 'queued', 'pa'],
    ]);
    expect(runs[0]!.progress).toEqual({ provider: 'pa', fraction: 0.4, message: 'step 4 of 10' });
    expect(runs[1]!.progress).toBeNull();
    expect(runs[1]!.message).toBe('waiting for a free PA slot (1 at once)');
    expect(runs[1]!.request).toMatchObject({ prompt: 'a lighthouse at dusk', count: 2, aspectRatio: '16:9' });
    expect(runs[0]!.startedAt).not.toBeNull();

    gate.resolve();
    await h.core.generation.idle();
    expect(await active(h)).toEqual([]);
    expect((await h.run(first)).status).toBe('succeeded');
    expect((await h.run(second)).status).toBe('succeeded');
  });

  it('shows a run the queue has not started yet as queued', async () => {
    const { h, adapter } = setup({ concurrency: 4, policy: { maxConcurrentRuns: 1 } });
    const gate = deferred();
    adapter.script = [{ outcome: 'ok', hold: gate.promise }];
    const first = await h.start({ prompt: 'first' });
    const second = await h.start({ prompt: 'second' });
    await waitFor(() => adapter.openCalls() === 1);
    expect((await active(h)).map((r) => [r.runId, r.status, r.phase, r.startedAt])).toEqual([
      [first, 'running', 'requesting', expect.any(Number)],
      [second, 'queued', 'queued', null],
    ]);
    gate.resolve();
    await h.core.generation.idle();
  });
});

describe('cancelling one of several runs', () => {
  async function threeRuns(concurrency: number, policy?: Partial<DispatchPolicy>) {
    const { h, adapter } = setup({ concurrency, policy });
    const gates = [deferred(), deferred(), deferred()];
    adapter.script = gates.map((gate) => ({ outcome: 'ok' as const, hold: gate.promise }));
    const ids: number[] = [];
    for (const prompt of ['one', 'two', 'three']) ids.push(await h.start({ prompt }));
    return { h, adapter, gates, ids: ids as [number, number, number] };
  }

  async function settle(h: Harness, ids: number[]): Promise<RunDetail[]> {
    await h.core.generation.idle();
    return Promise.all(ids.map((id) => h.run(id)));
  }

  it('all three out at once: only the cancelled request is aborted', async () => {
    const { h, adapter, gates, ids } = await threeRuns(3);
    await waitFor(() => adapter.openCalls() === 3);
    expect(await h.call('generation.cancel', { runId: ids[1] })).toEqual({ cancelled: true });
    await waitFor(() => adapter.openCalls() === 2);
    expect(adapter.calls.map((c) => [c.prompt, c.aborted])).toEqual([
      ['one', false],
      ['two', true],
      ['three', false],
    ]);
    expect((await active(h)).map((r) => r.runId)).toEqual([ids[0], ids[2]]);

    for (const gate of gates) gate.resolve();
    const [one, two, three] = await settle(h, ids);
    expect([one!.status, two!.status, three!.status]).toEqual(['succeeded', 'cancelled', 'succeeded']);
    expect(one!.outputs).toHaveLength(1);
    expect(three!.outputs).toHaveLength(1);
    expect(h.eventsOf('run.completed').map((e) => [e.runId, e.status])).toEqual(
      expect.arrayContaining([
        [ids[0], 'succeeded'],
        [ids[1], 'cancelled'],
        [ids[2], 'succeeded'],
      ]),
    );
  });

  it('the middle one waiting for a provider slot: it leaves the line, nothing of it is sent', async () => {
    const { h, adapter, gates, ids } = await threeRuns(1);
    await waitFor(() => adapter.openCalls() === 1);
    expect(await h.call('generation.cancel', { runId: ids[1] })).toEqual({ cancelled: true });
    await waitFor(() => h.eventsOf('run.completed', ids[1]).length === 1);
    expect((await active(h)).map((r) => [r.runId, r.phase])).toEqual([
      [ids[0], 'requesting'],
      [ids[2], 'queued'],
    ]);
    expect(adapter.calls.map((c) => c.aborted)).toEqual([false]);

    gates[0]!.resolve();
    await waitFor(() => adapter.openCalls() === 1 && adapter.calls.length === 2);
    gates[2]!.resolve();
    gates[1]!.resolve();
    const [one, two, three] = await settle(h, ids);
    expect([one!.status, two!.status, three!.status]).toEqual(['succeeded', 'cancelled', 'succeeded']);
    expect(two!.attempts).toEqual([]);
    expect(adapter.calls.map((c) => c.prompt)).toEqual(['one', 'three']);
  });

  it('the middle one not started by the queue yet: it is removed, the others run in order', async () => {
    const { h, adapter, gates, ids } = await threeRuns(4, { maxConcurrentRuns: 1 });
    await waitFor(() => adapter.openCalls() === 1);
    expect(await h.call('generation.cancel', { runId: ids[1] })).toEqual({ cancelled: true });
    expect((await h.run(ids[1])).status).toBe('cancelled');
    expect((await active(h)).map((r) => [r.runId, r.status])).toEqual([
      [ids[0], 'running'],
      [ids[2], 'queued'],
    ]);
    for (const gate of gates) gate.resolve();
    const [one, two, three] = await settle(h, ids);
    expect([one!.status, two!.status, three!.status]).toEqual(['succeeded', 'cancelled', 'succeeded']);
    expect(adapter.calls.map((c) => c.prompt)).toEqual(['one', 'three']);
  });
});

describe('after a restart', () => {
  it('a new core on the same library lists the runs still waiting, and not the interrupted one', async () => {
    const { h, adapter } = setup({ concurrency: 1 });
    adapter.script = [{ hang: true }];
    const inFlight = await h.start({ prompt: 'in flight' });
    const second = await h.start({ prompt: 'second' });
    const third = await h.start({ prompt: 'third' });
    await waitFor(() => adapter.openCalls() === 1);

    const gate = deferred();
    const after = reporting(scriptedAdapter('pa', [{ outcome: 'ok', hold: gate.promise }]));
    await h.restart({ adapters: { pa: after } });
    await waitFor(() => after.openCalls() === 1);

    const runs = await active(h);
    expect(runs.map((r) => [r.runId, r.phase, r.request.prompt])).toEqual([
      [second, 'requesting', 'second'],
      [third, 'queued', 'third'],
    ]);
    expect(runs[0]!.progress).toMatchObject({ fraction: 0.4 });
    expect((await h.run(inFlight)).error?.code).toBe('interrupted');

    gate.resolve();
    await h.core.generation.idle();
    expect(await active(h)).toEqual([]);
    expect((await h.run(second)).status).toBe('succeeded');
    expect((await h.run(third)).status).toBe('succeeded');
  });

  it('a run resumed without events since the start is shown from its job row', async () => {
    const { h } = setup({ concurrency: 1, policy: { maxConcurrentRuns: 0 } });
    const waiting = await h.start({ prompt: 'never started' });
    // maxConcurrentRuns 0: the queue holds it; a restart with the same policy still holds it.
    await h.restart();
    expect((await active(h)).map((r) => [r.runId, r.status, r.phase, r.provider, r.progress])).toEqual([
      [waiting, 'queued', 'queued', 'pa', null],
    ]);
  });
});

describe('three runs against the OpenAI protocol double, the middle one cancelled', () => {
  it('the cancelled request is closed by the client; the other two are answered and stored', async () => {
    const double = await startOpenAIDouble();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atelier-queue-'));
    const core = createTestCore({
      dataDir,
      vault: createSessionVault(),
      log: { info() {}, warn() {}, error() {} },
      mode: 'browser',
      version: '0.0.0-test',
      endpoints: { openai: double.url },
      environmentKeys: { openai: 'sk-queue-test-key-0001' },
      clock: fakeClock(),
    });
    try {
      double.hold();
      const ids: number[] = [];
      for (const prompt of ['one', 'two', 'three']) {
        const started = await core.invoke('generation.start', { prompt, provider: 'openai' });
        if (!started.ok) throw new Error(started.error.message);
        ids.push((started.value as { runId: number }).runId);
      }
      await waitFor(() => double.held === 3);
      expect(await core.invoke('generation.cancel', { runId: ids[1] })).toEqual({
        ok: true,
        value: { cancelled: true },
      });
      await waitFor(() => double.held === 2);
      const listed = await core.invoke('generation.active', {});
      expect(listed.ok && (listed.value as ActiveRuns).runs.map((r) => [r.runId, r.phase])).toEqual([
        [ids[0], 'requesting'],
        [ids[2], 'requesting'],
      ]);

      double.release();
      await core.generation.idle();
      const runs = await Promise.all(ids.map((id) => core.invoke('runs.get', { id })));
      expect(runs.map((r) => r.ok && (r.value as RunDetail).status)).toEqual([
        'succeeded',
        'cancelled',
        'succeeded',
      ]);
      const answered = double.requests.filter((r) => r.path === '/v1/images/generations');
      expect(answered.map((r) => r.status).sort()).toEqual([200, 200, 499]);
    } finally {
      await core.close();
      await double.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
