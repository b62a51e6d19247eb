import { randomInt } from 'node:crypto';
import { type GenerationRequest, MAX_SEED, type RunStatus } from '../../../shared/domain';
import { AppError } from '../../../shared/result';
import type { EventBus } from '../events';
import type { RunsRepo } from '../history/runs-repo';
import { MediaError, type MediaStore } from '../media';
import type { Clock, FetchLike, Logger } from '../ports';
import { type Catalog, resolveModel } from '../providers/catalog';
import type { AttemptFailure, AttemptResult, ProviderAdapter } from '../providers/types';
import type { KeyRing } from '../vault/keyring';
import { describeOutcome } from './messages';

export interface GenerationService {
  /** Validates against the catalog and the key ring, records a queued run and starts it. */
  start(request: GenerationRequest): number;
  cancel(runId: number): boolean;
  /** Resolves when every run in flight has settled (for tests and a clean shutdown). */
  idle(): Promise<void>;
  /** Cancels everything in flight and waits for it to settle. */
  shutdown(): Promise<void>;
}

export interface GenerationDeps {
  runs: RunsRepo;
  media: MediaStore;
  keys: KeyRing;
  catalog: Catalog;
  adapters: Record<string, ProviderAdapter>;
  /** provider id -> base URL override (self-hosted gateways, proxies); else the catalog's default. */
  endpoints: Record<string, string>;
  fetch: FetchLike;
  clock: Clock;
  log: Logger;
  events: EventBus;
  attemptTimeoutMs?: number;
  randomSeed?: () => number;
}

export function createGenerationService(deps: GenerationDeps): GenerationService {
  const { runs, media, keys, catalog, adapters, clock, log, events } = deps;
  const attemptTimeoutMs = deps.attemptTimeoutMs ?? 180_000;
  const randomSeed = deps.randomSeed ?? (() => randomInt(0, MAX_SEED + 1));
  const inFlight = new Map<number, { controller: AbortController; done: Promise<void> }>();

  function start(request: GenerationRequest): number {
    const { provider, model } = resolveModel(catalog, request.provider, request.model);
    const adapter = adapters[provider.id];
    if (!adapter) {
      throw new AppError(
        'invalid_input',
        `provider: ${provider.name} is not available in this version of Atelier yet.`,
      );
    }
    const apiKey = keys.secretFor(provider.id);
    if (!apiKey) {
      throw new AppError(
        'invalid_input',
        `provider: no API key for ${provider.name}. Add one in Settings → API keys.`,
      );
    }
    const runId = runs.create({ request: { ...request, model: model.id }, now: clock.now() });
    const controller = new AbortController();
    events.emit('run.updated', {
      runId,
      status: 'queued',
      phase: 'queued',
      provider: provider.id,
      message: null,
    });
    const done = execute(runId, request, adapter, apiKey, controller.signal)
      .catch((error: unknown) => {
        // A bug, not a provider outcome: the run must still end in a recorded state.
        log.error('run crashed', {
          runId,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
        finish(
          runId,
          'failed',
          'internal',
          'Atelier hit an internal error while running this generation; see the log.',
        );
      })
      .finally(() => inFlight.delete(runId));
    inFlight.set(runId, { controller, done });
    return runId;
  }

  async function execute(
    runId: number,
    request: GenerationRequest,
    adapter: ProviderAdapter,
    apiKey: string,
    cancelSignal: AbortSignal,
  ): Promise<void> {
    const { provider, model } = resolveModel(catalog, request.provider, request.model);
    const seed = request.seed ?? randomSeed();
    runs.markRunning(runId, {
      now: clock.now(),
      seed: model.capabilities.seed ? seed : null,
      model: model.id,
    });
    events.emit('run.updated', {
      runId,
      status: 'running',
      phase: 'requesting',
      provider: provider.id,
      message: null,
    });

    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error('attempt deadline')), attemptTimeoutMs);
    const startedAt = clock.now();
    let result: AttemptResult;
    try {
      result = await adapter.generate({
        request: { ...request, seed },
        provider,
        model,
        apiKey,
        endpoint: (deps.endpoints[provider.id] ?? provider.defaultEndpoint).replace(/\/+$/, ''),
        signal: AbortSignal.any([cancelSignal, timeout.signal]),
        fetch: deps.fetch,
        clock,
      });
    } finally {
      clearTimeout(timer);
    }
    if (result.outcome === 'cancelled' && timeout.signal.aborted && !cancelSignal.aborted) {
      result = {
        ...result,
        outcome: 'timeout',
        providerMessage: `No answer within ${Math.round(attemptTimeoutMs / 1000)} s.`,
      };
    }

    let outputs: Awaited<ReturnType<MediaStore['ingest']>>[] = [];
    if (result.outcome === 'ok') {
      events.emit('run.updated', {
        runId,
        status: 'running',
        phase: 'ingesting',
        provider: provider.id,
        message: null,
      });
      try {
        outputs = await Promise.all(result.images.map((image) => media.ingest(image.bytes)));
      } catch (error) {
        if (!(error instanceof MediaError)) throw error;
        result = noImage(
          result,
          `${provider.name} returned data that is not a usable image: ${error.message}`,
        );
      }
      if (result.outcome === 'ok' && outputs.length === 0) {
        result = noImage(result, `${provider.name} answered successfully but sent no image.`);
      }
    }

    const attemptId = runs.recordAttempt(runId, {
      ordinal: 1,
      provider: provider.id,
      model: model.id,
      requestSent: result.requestSent,
      outcome: result.outcome,
      httpStatus: result.httpStatus,
      providerCode: result.outcome === 'ok' ? null : result.providerCode,
      providerMessage: result.providerMessage,
      retryAfterMs: result.outcome === 'ok' ? null : result.retryAfterMs,
      warnings: result.warnings,
      startedAt,
      latencyMs: clock.now() - startedAt,
      costUsd: result.outcome === 'ok' ? result.costUsd : null,
    });

    if (result.outcome === 'ok') {
      runs.complete(runId, {
        now: clock.now(),
        attemptId,
        costUsd: result.costUsd,
        outputs: outputs.map((output, index) => ({ index, ...output })),
        ...(model.capabilities.seed ? { seed: result.seedUsed ?? seed } : {}),
      });
      events.emit('run.updated', {
        runId,
        status: 'succeeded',
        phase: 'done',
        provider: provider.id,
        message: null,
      });
      events.emit('run.completed', { runId, status: 'succeeded', outputsCount: outputs.length, error: null });
      return;
    }
    const status: RunStatus = result.outcome === 'cancelled' ? 'cancelled' : 'failed';
    const sentence = describeOutcome(result.outcome, provider.name);
    finish(
      runId,
      status,
      result.outcome,
      result.providerMessage ? `${sentence} ${provider.name} said: ${result.providerMessage}` : sentence,
    );
  }

  function finish(runId: number, status: 'failed' | 'cancelled', code: string, message: string): void {
    runs.fail(runId, { now: clock.now(), status, code, message });
    events.emit('run.updated', { runId, status, phase: 'done', provider: null, message });
    events.emit('run.completed', { runId, status, outputsCount: 0, error: { code, message } });
  }

  return {
    start,
    cancel(runId) {
      const run = inFlight.get(runId);
      if (!run) return false;
      run.controller.abort(new Error('cancelled by the user'));
      return true;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight.values()].map((run) => run.done));
    },
    async shutdown() {
      for (const run of inFlight.values()) run.controller.abort(new Error('Atelier is shutting down'));
      await this.idle();
    },
  };
}

function noImage(result: AttemptResult, message: string): AttemptFailure {
  return {
    outcome: 'no_image',
    requestSent: result.requestSent,
    httpStatus: result.httpStatus,
    warnings: result.warnings,
    providerCode: null,
    providerMessage: message,
    retryAfterMs: null,
  };
}
