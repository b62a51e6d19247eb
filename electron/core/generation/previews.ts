import type { GenerationRequest } from '../../../shared/domain';
import { type Catalog, resolveModel } from '../providers/catalog';

/** Where a style's previews go, and whether they can be reproduced from their seeds. */
export interface PreviewTarget {
  provider: string | null;
  model: string | null;
  reproducible: boolean;
  note: string | null;
}

/**
 * Where previews go: the pinned provider, else the first step of the route that keeps seeds and can
 * run now (fixed seeds are the point of previews), else the route as it is, said plainly.
 */
export function previewTarget(
  catalog: Catalog,
  pinned: string | undefined,
  /** The chain the preview request would walk now (the estimate's steps). */
  chain: () => readonly { provider: string; model: string; eligible: boolean }[],
): PreviewTarget {
  const keepsSeed = (providerId: string, modelId: string) => {
    const provider = catalog.providers.find((p) => p.id === providerId);
    return provider?.models.find((m) => m.id === modelId)?.capabilities.seed === true;
  };
  const nameOf = (id: string) => catalog.providers.find((p) => p.id === id)?.name ?? id;
  if (pinned) {
    const { model } = resolveModel(catalog, pinned);
    return model.capabilities.seed
      ? { provider: pinned, model: model.id, reproducible: true, note: null }
      : {
          provider: pinned,
          model: model.id,
          reproducible: false,
          note: `${model.name} ignores seeds: these previews cannot be reproduced.`,
        };
  }
  const steps = chain();
  const seeded = steps.find((step) => step.eligible && keepsSeed(step.provider, step.model));
  if (seeded) {
    const skipped = steps.slice(0, steps.indexOf(seeded)).filter((s) => s.eligible);
    return {
      provider: seeded.provider,
      model: seeded.model,
      reproducible: true,
      note:
        skipped.length > 0
          ? `Sent to ${nameOf(seeded.provider)}, the first provider of the route that keeps seeds (${[...new Set(skipped.map((s) => nameOf(s.provider)))].join(', ')} would ignore them).`
          : null,
    };
  }
  const seedless = [...new Set(steps.filter((s) => s.eligible).map((s) => nameOf(s.provider)))];
  return {
    provider: null,
    model: null,
    reproducible: false,
    note: `No provider on this style's route keeps seeds and can run now${seedless.length > 0 ? ` (${seedless.join(', ')} ignore${seedless.length === 1 ? 's' : ''} them)` : ''}: these previews cannot be reproduced. Pin a provider that keeps seeds to make ones that can.`,
  };
}

/** One preview's request: the plan's, with its own seed and the target pinned when there is one. */
export function previewRequest(
  base: GenerationRequest,
  seed: number,
  target: PreviewTarget,
): GenerationRequest {
  return {
    ...base,
    seed,
    ...(target.provider ? { provider: target.provider } : {}),
    ...(target.provider && target.model ? { model: target.model } : {}),
  };
}
