// View state of the Generate screen: the form a designer is editing and the one run it is watching.

import { create } from 'zustand';
import { MAX_SEED } from '../../shared/constants';
import type { EventPayload } from '../../shared/contract';
import type {
  AspectRatio,
  GenerationRequest,
  ProviderInfo,
  QualityTier,
  RunDetail,
  RunPhase,
  RunStatus,
} from '../../shared/domain';
import { api } from '../api';

export interface GenerateForm {
  prompt: string;
  negativePrompt: string;
  aspectRatio: AspectRatio;
  /** What is typed in the Seed box; sent only while the seed is locked. */
  seedText: string;
  seedLocked: boolean;
  count: number;
  quality: QualityTier;
  provider: string;
  model: string;
}

export interface RunFailure {
  code: string;
  message: string;
}

export type RunView =
  | { kind: 'idle' }
  | { kind: 'starting' }
  | {
      kind: 'running';
      runId: number;
      phase: RunPhase;
      status: RunStatus;
      provider: string;
      since: number;
      cancelling: boolean;
    }
  | { kind: 'done'; runId: number; detail: RunDetail | null; loadError: RunFailure | null }
  | { kind: 'failed'; runId: number | null; provider: string; error: RunFailure }
  | { kind: 'cancelled'; runId: number };

type FieldErrors = Partial<Record<'prompt' | 'seed' | 'count', string>>;

interface GenerateState {
  form: GenerateForm;
  fieldErrors: FieldErrors;
  run: RunView;
  /** The request of the run on screen, for the placeholder tiles and "Try again". */
  lastRequest: GenerationRequest | null;
  /** The run whose settings were loaded with "Reuse settings", until the next run or a dismissal. */
  reusedFrom: number | null;
  setField<K extends keyof GenerateForm>(key: K, value: GenerateForm[K]): void;
  setSeedLocked(locked: boolean): void;
  /** Puts a seed in the box and locks it: "branch from this seed". */
  lockSeed(seed: number): void;
  /** Fills the form from an earlier run's request, seed locked. */
  applyRequest(request: GenerationRequest, fromRunId?: number): void;
  clearReused(): void;
  /** Picks a usable provider and model once the catalog is known, and keeps the form within the model's limits. */
  reconcile(providers: ProviderInfo[]): void;
  generate(): Promise<void>;
  cancel(): Promise<void>;
  dismiss(): void;
  onRunUpdated(payload: EventPayload<'run.updated'>): void;
  onRunCompleted(payload: EventPayload<'run.completed'>): void;
  /** After the event stream was down: ask the main process how the watched run ended. */
  resync(): Promise<void>;
}

/** Images per run from this screen: a 2 × 2 sheet to compare; the model's own limit may be lower. */
export const MAX_IMAGES_PER_RUN = 4;

const EMPTY_FORM: GenerateForm = {
  prompt: '',
  negativePrompt: '',
  aspectRatio: '1:1',
  seedText: '',
  seedLocked: false,
  count: 1,
  quality: 'final',
  provider: '',
  model: '',
};

// Events can overtake the answer to `generation.start`; keep the latest few until the run id is known.
const early = new Map<
  number,
  { updated?: EventPayload<'run.updated'>; completed?: EventPayload<'run.completed'> }
>();
function remember(
  runId: number,
  patch: { updated?: EventPayload<'run.updated'>; completed?: EventPayload<'run.completed'> },
) {
  early.set(runId, { ...early.get(runId), ...patch });
  while (early.size > 20) early.delete(early.keys().next().value!);
}

export function parseSeed(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const seed = Number(trimmed);
  return Number.isSafeInteger(seed) && seed <= MAX_SEED ? seed : null;
}

export const useGenerateStore = create<GenerateState>()((set, get) => {
  async function loadResult(runId: number) {
    const result = await api.call('runs.get', { id: runId });
    const run = get().run;
    if (run.kind !== 'done' || run.runId !== runId) return;
    if (!result.ok) {
      set({ run: { ...run, loadError: result.error } });
      return;
    }
    const detail = result.value;
    set((state) => ({
      run: { ...run, detail },
      // The seed actually used shows in the box, ready to be locked with one click.
      form:
        !state.form.seedLocked && detail.seed != null
          ? { ...state.form, seedText: String(detail.seed) }
          : state.form,
    }));
  }

  function complete(payload: EventPayload<'run.completed'>, provider: string) {
    if (payload.status === 'succeeded') {
      set({ run: { kind: 'done', runId: payload.runId, detail: null, loadError: null } });
      void loadResult(payload.runId);
    } else if (payload.status === 'cancelled') {
      set({ run: { kind: 'cancelled', runId: payload.runId } });
    } else {
      set({
        run: {
          kind: 'failed',
          runId: payload.runId,
          provider,
          error: payload.error ?? { code: 'provider_failed', message: 'The run failed without a reason.' },
        },
      });
    }
  }

  return {
    form: EMPTY_FORM,
    fieldErrors: {},
    run: { kind: 'idle' },
    lastRequest: null,
    reusedFrom: null,

    setField(key, value) {
      set((state) => {
        const fieldErrors = { ...state.fieldErrors };
        if (key === 'prompt') delete fieldErrors.prompt;
        if (key === 'seedText') delete fieldErrors.seed;
        if (key === 'count') delete fieldErrors.count;
        return { form: { ...state.form, [key]: value }, fieldErrors };
      });
    },

    setSeedLocked(locked) {
      set((state) => {
        const fieldErrors = { ...state.fieldErrors };
        if (!locked) delete fieldErrors.seed;
        return { form: { ...state.form, seedLocked: locked }, fieldErrors };
      });
    },

    lockSeed(seed) {
      set((state) => {
        const { seed: _dropped, ...fieldErrors } = state.fieldErrors;
        return { form: { ...state.form, seedText: String(seed), seedLocked: true }, fieldErrors };
      });
    },

    clearReused() {
      set({ reusedFrom: null });
    },

    applyRequest(request, fromRunId) {
      set({
        reusedFrom: fromRunId ?? null,
        form: {
          prompt: request.prompt,
          negativePrompt: request.negativePrompt,
          aspectRatio: request.aspectRatio,
          seedText: request.seed == null ? '' : String(request.seed),
          seedLocked: request.seed != null,
          count: request.count,
          quality: request.quality,
          provider: request.provider,
          model: request.model ?? '',
        },
        fieldErrors: {},
      });
    },

    reconcile(providers) {
      const { form } = get();
      const usable = providers.filter((p) => p.implemented);
      let provider = usable.find((p) => p.id === form.provider);
      if (!provider) provider = usable.find((p) => p.key !== null) ?? usable[0];
      if (!provider) return;
      const active = provider.models.filter((m) => m.status === 'active');
      let model = active.find((m) => m.id === form.model);
      if (!model) model = active.find((m) => m.id === provider.defaultModel) ?? active[0];
      if (!model) {
        if (form.provider !== provider.id) set({ form: { ...form, provider: provider.id, model: '' } });
        return;
      }
      const aspectRatio =
        model.aspectRatios.length === 0 || model.aspectRatios.includes(form.aspectRatio)
          ? form.aspectRatio
          : model.aspectRatios.includes('1:1')
            ? '1:1'
            : model.aspectRatios[0]!;
      const count = Math.min(
        Math.max(1, form.count),
        Math.max(1, Math.min(MAX_IMAGES_PER_RUN, model.maxCount)),
      );
      if (
        provider.id !== form.provider ||
        model.id !== form.model ||
        aspectRatio !== form.aspectRatio ||
        count !== form.count
      ) {
        set({ form: { ...form, provider: provider.id, model: model.id, aspectRatio, count } });
      }
    },

    async generate() {
      const { form, run } = get();
      if (run.kind === 'starting' || run.kind === 'running') return;
      const fieldErrors: FieldErrors = {};
      if (form.prompt.trim() === '')
        fieldErrors.prompt = 'Write a prompt first: describe the image you want.';
      let seed: number | null = null;
      if (form.seedLocked) {
        seed = parseSeed(form.seedText);
        if (seed === null) {
          fieldErrors.seed =
            form.seedText.trim() === ''
              ? 'Type a seed to lock, or unlock it for a random seed.'
              : `A seed is a whole number from 0 to ${MAX_SEED.toLocaleString()}.`;
        }
      }
      if (!Number.isInteger(form.count) || form.count < 1) fieldErrors.count = 'Ask for at least one image.';
      if (Object.keys(fieldErrors).length > 0) {
        set({ fieldErrors });
        return;
      }
      const request: GenerationRequest = {
        prompt: form.prompt.trim(),
        negativePrompt: form.negativePrompt.trim(),
        aspectRatio: form.aspectRatio,
        seed,
        count: form.count,
        quality: form.quality,
        provider: form.provider,
        ...(form.model ? { model: form.model } : {}),
      };
      set({ fieldErrors: {}, run: { kind: 'starting' }, lastRequest: request, reusedFrom: null });
      const started = await api.call('generation.start', request);
      if (!started.ok) {
        set({ run: { kind: 'failed', runId: null, provider: form.provider, error: started.error } });
        return;
      }
      const { runId } = started.value;
      const seen = early.get(runId);
      early.delete(runId);
      set({
        run: {
          kind: 'running',
          runId,
          phase: seen?.updated?.phase ?? 'queued',
          status: seen?.updated?.status ?? 'queued',
          provider: form.provider,
          since: Date.now(),
          cancelling: false,
        },
      });
      if (seen?.completed) complete(seen.completed, form.provider);
    },

    async cancel() {
      const run = get().run;
      if (run.kind !== 'running' || run.cancelling) return;
      set({ run: { ...run, cancelling: true } });
      const result = await api.call('generation.cancel', { runId: run.runId });
      const now = get().run;
      if (now.kind !== 'running' || now.runId !== run.runId) return;
      if (!result.ok) {
        set({ run: { ...now, cancelling: false } });
        return;
      }
      // Not cancellable any more (already finishing): the completion event will arrive on its own.
      if (!result.value.cancelled) set({ run: { ...now, cancelling: false } });
    },

    dismiss() {
      set({ run: { kind: 'idle' } });
    },

    onRunUpdated(payload) {
      const run = get().run;
      if (run.kind === 'running' && run.runId === payload.runId) {
        if (payload.phase !== 'done') set({ run: { ...run, phase: payload.phase, status: payload.status } });
        return;
      }
      if (run.kind === 'starting') remember(payload.runId, { updated: payload });
    },

    onRunCompleted(payload) {
      const run = get().run;
      if (run.kind === 'running' && run.runId === payload.runId) {
        complete(payload, run.provider);
        return;
      }
      if (run.kind === 'starting') remember(payload.runId, { completed: payload });
    },

    async resync() {
      const run = get().run;
      if (run.kind !== 'running') return;
      const result = await api.call('runs.get', { id: run.runId });
      if (!result.ok) return;
      const detail = result.value;
      if (detail.status === 'succeeded' || detail.status === 'failed' || detail.status === 'cancelled') {
        get().onRunCompleted({
          runId: detail.id,
          status: detail.status,
          outputsCount: detail.outputsCount,
          error: detail.error,
        });
      }
    },
  };
});
