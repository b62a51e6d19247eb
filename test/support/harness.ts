// For tests only: a whole core on a temp library with scripted adapters, a fake clock and an event log.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Core, CoreOptions } from '../../electron/core';
import type { DispatchPolicy } from '../../electron/core/dispatch/policy';
import type { ShippedRoutes } from '../../electron/core/dispatch/routes';
import type { Catalog } from '../../electron/core/providers/catalog';
import type { ProviderAdapter } from '../../electron/core/providers/types';
import { createSessionVault } from '../../electron/core/vault/vault';
import type { EventName, EventPayload } from '../../shared/contract';
import type { GenerationRequestInput, RunDetail } from '../../shared/domain';
import { type FakeClock, fakeClock } from './clocks';
import { createTestCore } from './core';

export interface Harness {
  core: Core;
  clock: FakeClock;
  dataDir: string;
  events: Array<{ name: EventName; payload: unknown }>;
  /** Starts a generation through the contract and returns its run id (throws on a refused start). */
  start(request: Partial<GenerationRequestInput>): Promise<number>;
  /** Starts, waits for the queue to settle, and returns the run as the contract reports it. */
  generate(request?: Partial<GenerationRequestInput>): Promise<RunDetail>;
  run(id: number): Promise<RunDetail>;
  call<T = unknown>(name: string, input?: unknown): Promise<T>;
  eventsOf<K extends EventName>(name: K, runId?: number): EventPayload<K>[];
  /** A fresh core on the same library (a restart). */
  restart(overrides?: Partial<CoreOptions>): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  catalog: Catalog;
  routes: ShippedRoutes;
  adapters: Record<string, ProviderAdapter>;
  /** Providers that get a key (from the environment). */
  keys?: string[];
  policy?: Partial<DispatchPolicy>;
  clock?: FakeClock;
  dataDir?: string;
  extra?: Partial<CoreOptions>;
}

export function makeHarness(opts: HarnessOptions): Harness {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'atelier-dispatch-'));
  const clock = opts.clock ?? fakeClock();
  const events: Harness['events'] = [];
  const environmentKeys = Object.fromEntries((opts.keys ?? []).map((p) => [p, `key-${p}-0123456789`]));

  const boot = (overrides: Partial<CoreOptions> = {}) => {
    const core = createTestCore({
      dataDir,
      vault: createSessionVault(),
      log: { info() {}, warn() {}, error() {} },
      mode: 'browser',
      version: '0.0.0-test',
      catalog: opts.catalog,
      routes: opts.routes,
      adapters: opts.adapters,
      environmentKeys,
      clock,
      random: () => 0.5,
      randomSeed: () => 1234,
      ...opts.extra,
      ...overrides,
      policy: { ...opts.policy, ...opts.extra?.policy, ...overrides.policy },
    });
    core.events.subscribe((name, payload) => events.push({ name, payload }));
    return core;
  };

  const harness: Harness = {
    core: boot(),
    clock,
    dataDir,
    events,
    async call<T>(name: string, input: unknown = {}) {
      const result = await harness.core.invoke(name, input);
      if (!result.ok) {
        const error = new Error(`${name}: ${result.error.code}: ${result.error.message}`);
        Object.assign(error, { code: result.error.code });
        throw error;
      }
      return result.value as T;
    },
    async start(request) {
      const { runId } = await harness.call<{ runId: number }>('generation.start', {
        prompt: 'a red chair',
        ...request,
      });
      return runId;
    },
    async generate(request = {}) {
      const runId = await harness.start(request);
      await harness.core.generation.idle();
      return harness.run(runId);
    },
    run: (id) => harness.call<RunDetail>('runs.get', { id }),
    eventsOf(name, runId) {
      return events
        .filter((e) => e.name === name)
        .map((e) => e.payload as EventPayload<typeof name>)
        .filter((p) => runId === undefined || (p as { runId?: number }).runId === runId);
    },
    async restart(overrides) {
      await harness.core.close();
      harness.core = boot(overrides);
    },
    async close() {
      await harness.core.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The error code of a refused call. */
export async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? 'thrown';
  }
  return 'accepted';
}
