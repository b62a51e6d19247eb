// View state of the Generate screen: the form a designer is editing. The runs it started are in runs-store.ts.

import { create } from 'zustand';
import { MAX_SEED, REFERENCE_STRENGTH, type TaskType } from '../../shared/constants';
import {
  type AspectRatio,
  GenerationRequest,
  type ProviderInfo,
  type QualityTier,
} from '../../shared/domain';
import { subjectVariable, type TemplateFields, type TemplateValues } from '../../shared/library-contract';
import { REQUEST_LIMITS } from '../../shared/limits';
import { capabilitiesOf, refineForModel } from '../../shared/model-rules';
import { type ErrorIssue, zodIssues } from '../../shared/result';
import { api } from '../api';
import type { StyleChoice } from '../app/actions';
import { findModel, useCatalogStore } from '../app/catalog';
import { issuesByField } from '../lib/errors';
import { onRunResult, useRunsStore } from './runs-store';
import { templateValues } from './template-form';
import { type VaryChange, type VaryTarget, varyChanges } from './vary';

export interface ReferenceChoice {
  /** Library-relative path of the stored image (`media/ab/….png`). */
  path: string;
  /** 0 keeps the reference, 1 ignores it. */
  strength: number;
  /** The run it came from, for the caption. */
  fromRunId: number | null;
  /** The style it came with ("Generate with this style"), for the caption; null otherwise. */
  fromStyle?: string | null;
}

/** A style version from the library (the type "Generate with this style" sends; see app/actions.ts). */
export type { StyleChoice };

/**
 * A template version and the values of its variables. The Prompt box is its subject variable (see
 * `subjectVariable`); `values` holds the other variables, each shown as a field on the form.
 */
export interface TemplateChoice {
  versionId: number;
  name: string;
  values: TemplateValues;
  /** The version's fields, for the variable fields; null until loaded (a reused run). */
  fields: TemplateFields | null;
}

export interface GenerateForm {
  prompt: string;
  negativePrompt: string;
  aspectRatio: AspectRatio;
  /** What is typed in the Seed box: a number is sent as the seed, empty asks for a random one. */
  seedText: string;
  /** True while the box holds a seed (typed, or kept from a run): every run uses it until it is cleared. */
  seedLocked: boolean;
  count: number;
  quality: QualityTier;
  taskType: TaskType;
  /** '' is Auto: the task type's route picks the provider, falling back along its chain. */
  provider: string;
  model: string;
  /** Advanced: sent only when the pinned model takes them; '' leaves the provider's default. */
  stepsText: string;
  guidanceText: string;
  /** Advanced: an exact size; both sides or neither. Wins over the aspect ratio. */
  widthText: string;
  heightText: string;
  /** Skip the identical-request cache. */
  fresh: boolean;
  reference: ReferenceChoice | null;
  style: StyleChoice | null;
  template: TemplateChoice | null;
}

export type FieldName = 'prompt' | 'seed' | 'count' | 'size' | 'steps' | 'guidance';
type FieldErrors = Partial<Record<FieldName, string>>;

interface GenerateState {
  form: GenerateForm;
  fieldErrors: FieldErrors;
  /** Whether the Advanced section is open; remembered across launches. */
  advancedOpen: boolean;
  /** The run whose settings were loaded with "Reuse settings", until the next run or a dismissal. */
  reusedFrom: number | null;
  /** How the next run is made from `reusedFrom` (lineage), or null for plain "Reuse settings". */
  derivation: 'branch' | 'vary' | null;
  /** The seed the last finished run used, offered by the lock button; the box itself is left alone. */
  lastSeed: number | null;
  /** The parent's request as the form was filled from it (Branch, Vary): what the next run is compared with. */
  parentRequest: GenerationRequest | null;
  /** Vary: the one thing the designer chose to change, lit on the form. */
  varyTarget: VaryTarget | null;
  /** Vary: Generate was pressed with more than one thing changed; the form asks before it goes. */
  varyChanged: VaryChange[] | null;
  setVaryTarget(target: VaryTarget | null): void;
  /** Vary, asked: queue it anyway as a variation, or record it as a branch of the parent instead. */
  generateAnyway(as: 'vary' | 'branch'): Promise<void>;
  setField<K extends keyof GenerateForm>(key: K, value: GenerateForm[K]): void;
  /** Pins a provider ('' for Auto) and lets reconcile pick its default model. */
  setProvider(provider: string): void;
  setAdvancedOpen(open: boolean): void;
  setSeedLocked(locked: boolean): void;
  /** Puts a seed in the box and locks it: "branch from this seed". */
  lockSeed(seed: number): void;
  /** Image-to-image from a stored image; opens Advanced so the strength is in view. */
  referenceFrom(path: string, fromRunId: number | null): void;
  setReferenceStrength(strength: number): void;
  clearReference(): void;
  /**
   * "Generate with this style": the style, its template (whose variables become fields; the Prompt
   * box is its subject), its defaults and its first reference, all shown in the form. What the user
   * already typed stays: the prompt is never replaced by a sample.
   */
  applyStyle(
    style: StyleChoice,
    template: TemplateChoice | null,
    defaults: {
      aspectRatio?: AspectRatio;
      quality?: QualityTier;
      steps?: number;
      guidance?: number;
      taskType?: TaskType | null;
    },
    reference?: { path: string } | null,
  ): void;
  clearStyle(): void;
  /** One template variable's value on the form. */
  setTemplateValue(name: string, value: string | number): void;
  /** Clears the seed: no seed rides along to the next run. */
  clearSeed(): void;
  /** Removes everything attached to the next request: style, template, reference, pin, seed, size, steps, guidance, cache bypass. */
  clearAttachments(): void;
  /**
   * Fills the form from an earlier run's request, seed locked. `styleVersionId` (the run's recorded
   * style version) brings the style back when the request itself does not carry it.
   */
  applyRequest(
    request: GenerationRequest,
    fromRunId?: number,
    styleVersionId?: number | null,
    derivation?: 'branch' | 'vary' | null,
  ): void;
  clearReused(): void;
  /**
   * Keeps provider, model, ratio and count valid once the catalog is known. `autoAvailable` is false
   * when the main process offers no routes: then a provider is pinned as before.
   */
  reconcile(providers: ProviderInfo[], autoAvailable: boolean): void;
  /**
   * Checks the form and queues a run of it; any number may be in flight at once. A variation that changes
   * more than one thing from its parent waits for an answer (`varyChanged`) unless `anyway`.
   */
  generate(anyway?: boolean): Promise<void>;
}

/** Images per run from this screen: a 2 × 2 sheet to compare; the model's own limit may be lower. */
export const MAX_IMAGES_PER_RUN = 4;

export const EMPTY_FORM: GenerateForm = {
  prompt: '',
  negativePrompt: '',
  aspectRatio: '1:1',
  seedText: '',
  seedLocked: false,
  count: 1,
  quality: 'final',
  taskType: 'default',
  provider: '',
  model: '',
  stepsText: '',
  guidanceText: '',
  widthText: '',
  heightText: '',
  fresh: false,
  reference: null,
  style: null,
  template: null,
};

const ADVANCED_KEY = 'atelier.generate.advancedOpen';

function readAdvancedOpen(): boolean {
  try {
    return localStorage.getItem(ADVANCED_KEY) === '1';
  } catch {
    return false;
  }
}

function writeAdvancedOpen(open: boolean): void {
  try {
    localStorage.setItem(ADVANCED_KEY, open ? '1' : '0');
  } catch {
    // Storage may be disabled; the section simply starts closed next time.
  }
}

export function parseSeed(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const seed = Number(trimmed);
  return Number.isSafeInteger(seed) && seed <= MAX_SEED ? seed : null;
}

function parseWhole(text: string): number | null {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

function parseDecimal(text: string): number | null {
  const trimmed = text.trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/** Pixels per side of an exact size: the contract's own band (shared/limits.ts). */
export const SIZE_LIMITS = REQUEST_LIMITS.size;

/**
 * Why a seed does not fit the pinned provider's range (catalog data), naming the provider; null when it fits
 * or the model takes no seed. The dispatcher refuses it too: a seed is never wrapped into another number.
 */
export function seedRangeError(
  providers: ProviderInfo[],
  providerId: string,
  modelId: string,
  seed: number,
): string | null {
  const provider = providers.find((p) => p.id === providerId);
  const model = findModel(providers, providerId, modelId || (provider?.defaultModel ?? ''));
  if (!provider || !model) return null;
  return refineForModel({ seed }, model, provider).find((issue) => issue.path[0] === 'seed')?.message ?? null;
}

type Capabilities = ReturnType<typeof capabilitiesOf>;

/** The form's words for a value the shared schema refuses, by the field it is about. */
function refusedText(field: Exclude<FieldName, 'prompt'>, caps: Capabilities, count = 1): string {
  switch (field) {
    case 'size':
      return `Each side is ${SIZE_LIMITS.min} to ${SIZE_LIMITS.max.toLocaleString()} pixels.`;
    case 'count':
      return count < REQUEST_LIMITS.count.min
        ? 'Ask for at least one image.'
        : `A request makes at most ${REQUEST_LIMITS.count.max} images.`;
    case 'seed':
      return `A seed is a whole number from 0 to ${MAX_SEED.toLocaleString()}.`;
    case 'steps': {
      const range = caps.steps ?? REQUEST_LIMITS.steps;
      return `Steps are a whole number from ${range.min} to ${range.max}.`;
    }
    case 'guidance': {
      const range = caps.guidance ?? REQUEST_LIMITS.guidance;
      return `Guidance is a number from ${range.min} to ${range.max}.`;
    }
  }
}

/** The fields whose values the shared rules check; the prompt has its own words (its length is held by the box). */
const CHECKED_FIELDS = ['seed', 'count', 'size', 'steps', 'guidance'] as const;
/** Every field of the form a refusal's issue may be about. */
const CHECKED_AND_PROMPT: readonly FieldName[] = ['prompt', ...CHECKED_FIELDS];
const checkedField = (issue: ErrorIssue) => CHECKED_FIELDS.find((name) => name === issue.path[0]);

/**
 * The request the form describes, or what is wrong with it. The form reads what was typed (is it a
 * number?); what the numbers may be is the shared schema's (`GenerationRequest`) and the pinned model's
 * (`refineForModel`), each issue placed by its path. `lenient` (for estimates) drops what is unfinished
 * instead of complaining, and stands in for an empty prompt.
 */
export function buildRequest(
  form: GenerateForm,
  providers: ProviderInfo[],
  lenient = false,
): { request: GenerationRequest; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const prompt = form.prompt.trim();
  // With a template the Prompt box is its subject variable; a template without one needs no prompt.
  const subject = form.template?.fields ? subjectVariable(form.template.fields) : null;
  const needsPrompt = !form.template || subject !== null || form.template.fields === null;
  if (prompt === '' && needsPrompt)
    errors.prompt = subject
      ? `Write the subject first: ${subject.label || 'what the image shows'}.`
      : 'Write a prompt first: describe the image you want.';
  else if (subject && prompt.length > subject.maxLength)
    errors.prompt = `The subject is at most ${subject.maxLength} characters in this template; it has ${prompt.length}.`;

  const pinned = form.provider !== '';
  const provider = pinned ? providers.find((p) => p.id === form.provider) : undefined;
  const model = provider ? findModel(providers, provider.id, form.model || provider.defaultModel) : undefined;
  const caps = capabilitiesOf(pinned ? findModel(providers, form.provider, form.model) : undefined);

  // What was typed, read as numbers. A typed seed is the seed: the lock only says whether it stays.
  let seed: number | null = null;
  if (form.seedText.trim() !== '') {
    seed = parseSeed(form.seedText);
    if (seed === null) errors.seed = refusedText('seed', caps);
  }
  let size: { width: number; height: number } | undefined;
  const widthTyped = form.widthText.trim() !== '';
  const heightTyped = form.heightText.trim() !== '';
  if (widthTyped || heightTyped) {
    const width = parseWhole(form.widthText);
    const height = parseWhole(form.heightText);
    if (!widthTyped || !heightTyped) errors.size = 'Give both width and height, or leave both empty.';
    else if (width === null || height === null) errors.size = 'Width and height are whole numbers of pixels.';
    else size = { width, height };
  }
  // Steps and guidance go only to a pinned model that takes them.
  let steps: number | undefined;
  if (caps.steps && form.stepsText.trim() !== '') {
    steps = parseWhole(form.stepsText) ?? undefined;
    if (steps === undefined) errors.steps = refusedText('steps', caps);
  }
  let guidance: number | undefined;
  if (caps.guidance && form.guidanceText.trim() !== '') {
    guidance = parseDecimal(form.guidanceText) ?? undefined;
    if (guidance === undefined) errors.guidance = refusedText('guidance', caps);
  }

  // The numbers against the contract's own rules, then the pinned model's: each defined once, in shared/.
  const checked = GenerationRequest.safeParse({
    prompt: 'checked',
    seed,
    count: form.count,
    ...(size ? { size } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(guidance !== undefined ? { guidance } : {}),
  });
  for (const issue of checked.success ? [] : zodIssues(checked.error)) {
    const field = checkedField(issue);
    if (field && errors[field] === undefined) errors[field] = refusedText(field, caps, form.count);
  }
  if (model && provider) {
    // The model's own words name the provider and its range.
    for (const issue of refineForModel({ seed, steps, guidance }, model, provider)) {
      const field = checkedField(issue);
      if (field && errors[field] === undefined) errors[field] = issue.message;
    }
  }
  if (errors.size) size = undefined;
  if (errors.steps) steps = undefined;
  if (errors.guidance) guidance = undefined;

  const request: GenerationRequest = {
    // With a template its rendered prompt replaces this one; the schema still wants some text.
    prompt:
      prompt === ''
        ? form.template
          ? form.template.name || 'template'
          : lenient
            ? 'estimate'
            : prompt
        : prompt,
    negativePrompt: form.negativePrompt.trim(),
    aspectRatio: form.aspectRatio,
    seed: errors.seed ? null : seed,
    count: Math.max(1, form.count || 1),
    quality: form.quality,
    taskType: form.taskType,
    fresh: form.fresh,
    ...(pinned ? { provider: form.provider, ...(form.model ? { model: form.model } : {}) } : {}),
    ...(size ? { size } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(guidance !== undefined ? { guidance } : {}),
    ...(form.reference
      ? { reference: { path: form.reference.path, strength: form.reference.strength } }
      : {}),
    ...(form.style ? { style: { versionId: form.style.versionId } } : {}),
    ...(form.template
      ? { template: { versionId: form.template.versionId, values: templateValues(form.template) } }
      : {}),
  };
  return { request, errors };
}

export const useGenerateStore = create<GenerateState>()((set, get) => {
  return {
    form: EMPTY_FORM,
    fieldErrors: {},
    advancedOpen: readAdvancedOpen(),
    reusedFrom: null,
    derivation: null,
    parentRequest: null,
    varyTarget: null,
    varyChanged: null,
    lastSeed: null,

    setField(key, value) {
      set((state) => {
        const fieldErrors = { ...state.fieldErrors };
        if (key === 'prompt') delete fieldErrors.prompt;
        if (key === 'seedText') delete fieldErrors.seed;
        // Typing a seed means that seed; clearing the box goes back to random seeds.
        if (key === 'seedText')
          return {
            form: { ...state.form, seedText: String(value), seedLocked: String(value).trim() !== '' },
            fieldErrors,
          };
        if (key === 'count') delete fieldErrors.count;
        if (key === 'widthText' || key === 'heightText') delete fieldErrors.size;
        if (key === 'stepsText') delete fieldErrors.steps;
        if (key === 'guidanceText') delete fieldErrors.guidance;
        return { form: { ...state.form, [key]: value }, fieldErrors };
      });
    },

    setProvider(provider) {
      set((state) => {
        const { steps: _s, guidance: _g, ...fieldErrors } = state.fieldErrors;
        return { form: { ...state.form, provider, model: '' }, fieldErrors };
      });
    },

    setAdvancedOpen(open) {
      writeAdvancedOpen(open);
      set({ advancedOpen: open });
    },

    setSeedLocked(locked) {
      set((state) => {
        const fieldErrors = { ...state.fieldErrors };
        delete fieldErrors.seed;
        // Unlocking empties the box, so what it shows is always what the next run sends.
        if (!locked) return { form: { ...state.form, seedText: '', seedLocked: false }, fieldErrors };
        if (state.form.seedText.trim() !== '')
          return { form: { ...state.form, seedLocked: true }, fieldErrors };
        const last = state.lastSeed;
        if (last != null)
          return { form: { ...state.form, seedText: String(last), seedLocked: true }, fieldErrors };
        return {
          fieldErrors: {
            ...fieldErrors,
            seed: 'Type a seed to keep, or leave the box empty for random seeds.',
          },
        };
      });
    },

    lockSeed(seed) {
      set((state) => {
        const { seed: _dropped, ...fieldErrors } = state.fieldErrors;
        return { form: { ...state.form, seedText: String(seed), seedLocked: true }, fieldErrors };
      });
    },

    referenceFrom(path, fromRunId) {
      writeAdvancedOpen(true);
      set((state) => ({
        advancedOpen: true,
        form: {
          ...state.form,
          reference: {
            path,
            fromRunId,
            strength: state.form.reference?.strength ?? REFERENCE_STRENGTH.default,
          },
        },
      }));
    },

    setReferenceStrength(strength) {
      set((state) =>
        state.form.reference
          ? { form: { ...state.form, reference: { ...state.form.reference, strength } } }
          : state,
      );
    },

    clearReference() {
      set((state) => ({ form: { ...state.form, reference: null } }));
    },

    applyStyle(style, template, defaults, reference) {
      set((state) => {
        const fieldErrors = { ...state.fieldErrors };
        delete fieldErrors.prompt;
        // A reference the style brought earlier goes with it; one the designer attached stays.
        const own = state.form.reference?.fromStyle ? null : state.form.reference;
        return {
          fieldErrors,
          form: {
            ...state.form,
            style,
            template,
            reference:
              own ??
              (reference
                ? {
                    path: reference.path,
                    strength: REFERENCE_STRENGTH.default,
                    fromRunId: null,
                    fromStyle: style.name,
                  }
                : null),
            aspectRatio: defaults.aspectRatio ?? state.form.aspectRatio,
            quality: defaults.quality ?? state.form.quality,
            taskType: defaults.taskType ?? state.form.taskType,
            stepsText: defaults.steps !== undefined ? String(defaults.steps) : state.form.stepsText,
            guidanceText:
              defaults.guidance !== undefined ? String(defaults.guidance) : state.form.guidanceText,
          },
        };
      });
    },

    clearStyle() {
      set((state) => ({
        form: {
          ...state.form,
          style: null,
          template: null,
          // The style's reference leaves with it.
          reference: state.form.reference?.fromStyle ? null : state.form.reference,
        },
      }));
    },

    setTemplateValue(name, value) {
      set((state) =>
        state.form.template
          ? {
              form: {
                ...state.form,
                template: {
                  ...state.form.template,
                  values: { ...state.form.template.values, [name]: value },
                },
              },
            }
          : state,
      );
    },

    clearSeed() {
      set((state) => {
        const { seed: _dropped, ...fieldErrors } = state.fieldErrors;
        return { form: { ...state.form, seedText: '', seedLocked: false }, fieldErrors };
      });
    },

    clearAttachments() {
      set((state) => {
        const { seed: _s, size: _z, steps: _t, guidance: _g, ...fieldErrors } = state.fieldErrors;
        return {
          fieldErrors,
          form: {
            ...state.form,
            style: null,
            template: null,
            reference: null,
            provider: '',
            model: '',
            seedText: '',
            seedLocked: false,
            widthText: '',
            heightText: '',
            stepsText: '',
            guidanceText: '',
            fresh: false,
          },
        };
      });
    },

    clearReused() {
      set({ reusedFrom: null, derivation: null, parentRequest: null, varyTarget: null, varyChanged: null });
    },

    setVaryTarget(target) {
      set({ varyTarget: target });
    },

    async generateAnyway(as) {
      set({ varyChanged: null, derivation: as });
      await get().generate(true);
    },

    applyRequest(request, fromRunId, styleVersionId, derivation) {
      const styleVersion = request.style?.versionId ?? styleVersionId ?? null;
      const hasAdvanced =
        request.size !== undefined ||
        request.steps !== undefined ||
        request.guidance !== undefined ||
        request.reference !== undefined;
      if (hasAdvanced) writeAdvancedOpen(true);
      set((state) => ({
        reusedFrom: fromRunId ?? null,
        derivation: fromRunId === undefined ? null : (derivation ?? null),
        // Compared as the form will send it: the style named by its version, as the form names it.
        parentRequest:
          fromRunId === undefined || !derivation
            ? null
            : { ...request, ...(styleVersion !== null ? { style: { versionId: styleVersion } } : {}) },
        varyTarget: null,
        varyChanged: null,
        advancedOpen: state.advancedOpen || hasAdvanced,
        form: {
          prompt: request.prompt,
          negativePrompt: request.negativePrompt,
          aspectRatio: request.aspectRatio,
          seedText: request.seed == null ? '' : String(request.seed),
          seedLocked: request.seed != null,
          count: request.count,
          quality: request.quality,
          taskType: request.taskType ?? 'default',
          provider: request.provider ?? '',
          model: request.provider ? (request.model ?? '') : '',
          stepsText: request.steps == null ? '' : String(request.steps),
          guidanceText: request.guidance == null ? '' : String(request.guidance),
          widthText: request.size ? String(request.size.width) : '',
          heightText: request.size ? String(request.size.height) : '',
          fresh: false,
          reference: request.reference
            ? { path: request.reference.path, strength: request.reference.strength, fromRunId: null }
            : null,
          style:
            styleVersion !== null
              ? { versionId: styleVersion, styleId: 0, name: '', version: 0, status: null }
              : null,
          template: request.template
            ? {
                versionId: request.template.versionId,
                name: '',
                values: request.template.values,
                fields: null,
              }
            : null,
        },
        fieldErrors: {},
      }));
      if (request.template) {
        // The template's variables become fields again; the recorded subject goes back in the Prompt box.
        const templateVersion = request.template.versionId;
        void api.call('templates.getVersion', { versionId: templateVersion }).then((result) => {
          const { form } = get();
          if (!result.ok || form.template?.versionId !== templateVersion) return;
          const fields = result.value.fields;
          const subject = subjectVariable(fields);
          const recorded = subject ? form.template.values[subject.name] : undefined;
          set({
            form: {
              ...form,
              prompt: recorded !== undefined && recorded !== '' ? String(recorded) : form.prompt,
              template: { ...form.template, name: fields.name, fields },
            },
          });
        });
      }
      if (styleVersion !== null) {
        // Name the style in the form; the run keeps pointing at this exact version.
        void api.call('styles.getVersion', { versionId: styleVersion }).then((result) => {
          if (!result.ok) return;
          const { form } = get();
          if (form.style?.versionId !== styleVersion) return;
          const version = result.value;
          set({
            form: {
              ...form,
              style: {
                versionId: styleVersion,
                styleId: version.styleId,
                name: version.fields.name,
                version: version.version,
                status: version.fields.status,
              },
            },
          });
        });
      }
    },

    reconcile(providers, autoAvailable) {
      const { form } = get();
      const usable = providers.filter((p) => p.implemented);
      if (form.provider === '' && autoAvailable) {
        // Auto: the route decides the model, and the dispatcher adapts ratio and count per step.
        const count = Math.min(Math.max(1, form.count), MAX_IMAGES_PER_RUN);
        if (form.model !== '' || count !== form.count) set({ form: { ...form, model: '', count } });
        return;
      }
      let provider = usable.find((p) => p.id === form.provider);
      if (!provider && autoAvailable) {
        set({ form: { ...form, provider: '', model: '' } });
        return;
      }
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

    async generate(anyway = false) {
      const { form } = get();
      const providers = useCatalogStore.getState().providers;
      const { request, errors } = buildRequest(form, providers);
      if (Object.keys(errors).length > 0) {
        set({ fieldErrors: errors });
        if ((errors.size || errors.steps || errors.guidance) && !get().advancedOpen)
          get().setAdvancedOpen(true);
        return;
      }
      const { reusedFrom, derivation, parentRequest } = get();
      if (derivation === 'vary' && parentRequest && !anyway) {
        const changes = varyChanges(parentRequest, request, {
          template: form.template?.fields ?? null,
          defaultModel: (id) => providers.find((p) => p.id === id)?.defaultModel,
        });
        if (changes.length > 1) {
          set({ fieldErrors: {}, varyChanged: changes });
          return;
        }
      }
      const parent = reusedFrom !== null && derivation ? { runId: reusedFrom, derivation } : undefined;
      set({
        fieldErrors: {},
        reusedFrom: null,
        derivation: null,
        parentRequest: null,
        varyTarget: null,
        varyChanged: null,
      });
      // Queued behind whatever is in flight; the form stays free for the next one.
      const started = await useRunsStore.getState().start(request, form.provider, parent);
      if (started) return;
      // A refusal's issues about this form's fields are shown beside them too, placed by their paths.
      const refused = useRunsStore.getState().latest;
      if (refused?.kind !== 'failed' || refused.request !== request || !refused.error.issues) return;
      const { fields } = issuesByField(refused.error.issues, CHECKED_AND_PROMPT, false);
      if (Object.keys(fields).length > 0) set({ fieldErrors: fields });
    },
  };
});

// The seed a finished run used is kept beside the box (never written into it: the box holds only what the
// designer typed, and what it holds is sent). The lock button puts it in the box with one click.
onRunResult((detail) => {
  if (detail.seed != null) useGenerateStore.setState({ lastSeed: detail.seed });
});

// A warning about what a variation changed is about the form as it was: any edit answers it.
useGenerateStore.subscribe((state, previous) => {
  if (state.varyChanged && state.form !== previous.form) useGenerateStore.setState({ varyChanged: null });
});
