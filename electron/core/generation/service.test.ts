// The generation service without a store, HTTP or a dispatcher: it prepares with the library, prices and
// queues with the dispatcher's run queue, and links what a run was made from inside the run's creation.
import { describe, expect, it } from 'vitest';
import type { CostEstimate, GenerationRequest } from '../../../shared/domain';
import { AppError } from '../../../shared/result';
import { testCatalog, testProvider } from '../../../test/support/dispatch';
import type { RunQueue } from '../dispatch';
import type { PreparedRequest } from '../library';
import { createGenerationService, type GenerationDeps } from './service';

const request = (more: Partial<GenerationRequest> = {}): GenerationRequest => ({
  prompt: 'a chair',
  negativePrompt: '',
  aspectRatio: '1:1',
  seed: null,
  count: 1,
  quality: 'draft',
  taskType: 'default',
  fresh: false,
  ...more,
});

/** Every call in order, as `who.what` strings, so the tests can say what happened when. */
function setup(opts: { steps?: CostEstimate['steps']; prepareWarnings?: string[] } = {}) {
  const log: string[] = [];
  let nextRunId = 1;
  const works = new Map<number, GenerationRequest>();
  let linking = false;
  const queue: RunQueue = {
    enqueue(prepared, link) {
      const runId = nextRunId++;
      works.set(runId, prepared);
      log.push(
        `queue.enqueue ${runId} ${prepared.prompt}${prepared.provider ? ` @${prepared.provider}` : ''}`,
      );
      linking = true; // The link runs inside the creating transaction, before enqueue returns.
      link?.(runId);
      linking = false;
      return runId;
    },
    estimate(prepared) {
      log.push(`queue.estimate ${prepared.prompt}`);
      return {
        taskType: prepared.taskType,
        steps: opts.steps ?? [],
        likelyUsd: 0.01,
        likelyConverted: false,
        cached: false,
        warnings: ['from the dispatcher'],
      };
    },
    cancel: (runId) => runId === 1,
    active: () => [],
    idle: async () => {},
    shutdown: async () => {},
  };
  const library: GenerationDeps['library'] = {
    prepare(original): PreparedRequest {
      log.push(`library.prepare ${original.prompt}`);
      return {
        request: { ...original, prompt: `${original.prompt}, rendered` },
        styleVersionId: original.style?.versionId ?? null,
        templateVersionId: null,
        warnings: opts.prepareWarnings ?? [],
        requested: null,
      };
    },
    link(runId, prepared) {
      log.push(`library.link ${runId} ${prepared.request.prompt}${linking ? ' (inside enqueue)' : ''}`);
    },
    copyLink: (from, to) => log.push(`library.copyLink ${from} → ${to}`),
    previewPlan(input) {
      log.push(`library.previewPlan ${input.versionId}`);
      return {
        versionId: input.versionId,
        styleId: 70,
        seeds: input.seeds ?? [1000, 8919],
        request: request({ prompt: 'preview', seed: 1000, style: { versionId: input.versionId } }),
      };
    },
    addPreview: (versionId, preview) =>
      log.push(
        `library.addPreview ${versionId} run ${preview.runId} seed ${preview.seed} @${preview.provider}`,
      ),
    changed: (kind, id) => log.push(`library.changed ${kind} ${id}`),
  };
  const service = createGenerationService({
    library,
    queue,
    runs: {
      work(runId) {
        const stored = works.get(runId);
        return stored ? { id: runId, status: 'succeeded', request: stored, route: null, seed: null } : null;
      },
      get: () => null,
    },
    catalog: testCatalog(testProvider('seedless', { seed: false }), testProvider('seeded')),
  });
  return { service, log };
}

describe('the generation service', () => {
  it('start: prepare → enqueue, and the run is linked to what it was made from inside its creation', () => {
    const { service, log } = setup();
    expect(service.start(request({ style: { versionId: 5 } }))).toBe(1);
    expect(log).toEqual([
      'library.prepare a chair',
      'queue.enqueue 1 a chair, rendered',
      'library.link 1 a chair, rendered (inside enqueue)',
    ]);
  });

  it('estimate: prices the prepared request; the library warnings follow the dispatcher ones', () => {
    const { service, log } = setup({ prepareWarnings: ['banned term softened'] });
    expect(service.estimate(request()).warnings).toEqual(['from the dispatcher', 'banned term softened']);
    expect(log).toEqual(['library.prepare a chair', 'queue.estimate a chair, rendered']);
  });

  it('retry: starts again from the stored request and inherits its links; an unknown run is not_found', () => {
    const { service, log } = setup();
    service.start(request());
    log.length = 0;
    expect(service.retry(1, true)).toBe(2);
    expect(log).toEqual([
      'library.prepare a chair, rendered',
      'queue.enqueue 2 a chair, rendered, rendered',
      'library.link 2 a chair, rendered, rendered (inside enqueue)',
      'library.copyLink 1 → 2',
    ]);
    expect(() => service.retry(99, false)).toThrow(AppError);
  });

  it('previews go to the first eligible step that keeps seeds, each run recorded as it starts', () => {
    const { service, log } = setup({
      steps: [
        {
          provider: 'seedless',
          model: 'seedless-1',
          estimateUsd: 0.01,
          converted: false,
          eligible: true,
          reason: null,
          skip: null,
        },
        {
          provider: 'seeded',
          model: 'seeded-1',
          estimateUsd: 0.01,
          converted: false,
          eligible: true,
          reason: null,
          skip: null,
        },
      ],
    });
    const result = service.previews({ versionId: 9, count: 2 });
    expect(result).toEqual({
      runIds: [1, 2],
      seeds: [1000, 8919],
      provider: 'seeded',
      model: 'seeded-1',
      reproducible: true,
      note: 'Sent to SEEDED, the first provider of the route that keeps seeds (SEEDLESS would ignore them).',
    });
    expect(log).toEqual([
      'library.previewPlan 9',
      'library.prepare preview',
      'queue.estimate preview, rendered',
      'library.prepare preview',
      'queue.enqueue 1 preview, rendered @seeded',
      'library.link 1 preview, rendered (inside enqueue)',
      'library.addPreview 9 run 1 seed 1000 @seeded',
      'library.prepare preview',
      'queue.enqueue 2 preview, rendered @seeded',
      'library.link 2 preview, rendered (inside enqueue)',
      'library.addPreview 9 run 2 seed 8919 @seeded',
      'library.changed previews 70',
    ]);
  });

  it('previews pinned to a provider that ignores seeds say so, without asking the route', () => {
    const { service, log } = setup();
    const result = service.previews({ versionId: 9, provider: 'seedless', count: 1, seeds: [42] });
    expect(result).toMatchObject({ provider: 'seedless', reproducible: false, runIds: [1], seeds: [42] });
    expect(result.note).toMatch(/ignores seeds/);
    expect(log.some((line) => line.startsWith('queue.estimate'))).toBe(false);
  });

  it('cancel, active, idle and shutdown are the run queue', async () => {
    const { service } = setup();
    expect(service.cancel(1)).toBe(true);
    expect(service.cancel(2)).toBe(false);
    expect(service.active()).toEqual([]);
    await expect(service.idle()).resolves.toBeUndefined();
  });
});
