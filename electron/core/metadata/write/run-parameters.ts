/**
 * What a stored run says about one of its images, in A1111's terms. Only what the run has: a field the run
 * does not know is left out, never filled with a default.
 *
 * - A1111/Forge runs: the body the successful attempt sent (`requestSent`): the prompt with its LoRA tags as
 *   A1111 saw it, steps, sampler and scheduler, CFG, the checkpoint asked for, and the denoising strength
 *   of image-to-image.
 * - ComfyUI runs: the graph the attempt queued; when it has exactly one KSampler and one checkpoint loader,
 *   their inputs (steps, cfg, sampler, scheduler, checkpoint) are what ran. Sampler names stay ComfyUI's.
 * - Cloud providers: the rendered request's steps and guidance when the designer set them, and the model id.
 * - Everywhere: the seed the run recorded (null when the provider takes none) and the image's own pixel size.
 */
import type { AttemptRecord, OutputRecord, RunDetail } from '../../../../shared/domain';
import type { InfotextParameters } from './a1111-infotext';

export interface ProviderFacts {
  /** The provider's display name ("OpenAI"); the id when unknown. */
  name(providerId: string): string;
  /** Whether the provider is a local Stable Diffusion server (A1111, ComfyUI). */
  isLocal(providerId: string): boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** The attempt whose images the run kept: the last one that succeeded. */
export function madeBy(run: RunDetail): AttemptRecord | null {
  return run.attempts.findLast((attempt) => attempt.outcome === 'ok') ?? null;
}

function fromA1111(sent: Record<string, unknown>): Partial<InfotextParameters> {
  const overrides = isRecord(sent.override_settings) ? sent.override_settings : {};
  return {
    prompt: text(sent.prompt),
    negativePrompt: text(sent.negative_prompt),
    steps: num(sent.steps),
    sampler: text(sent.sampler_name),
    scheduleType: text(sent.scheduler),
    cfgScale: num(sent.cfg_scale),
    model: text(overrides.sd_model_checkpoint),
    denoisingStrength: num(sent.denoising_strength),
  };
}

/** The one node of a class in an API-format graph, or null when there are none or several. */
function onlyNode(
  graph: Record<string, unknown>,
  classes: readonly string[],
): Record<string, unknown> | null {
  const found = Object.values(graph).filter(
    (node) => isRecord(node) && typeof node.class_type === 'string' && classes.includes(node.class_type),
  );
  const node = found.length === 1 ? found[0] : null;
  return isRecord(node) && isRecord(node.inputs) ? node.inputs : null;
}

function fromComfyGraph(sent: Record<string, unknown>): Partial<InfotextParameters> {
  if (!isRecord(sent.prompt)) return {};
  const sampler = onlyNode(sent.prompt, ['KSampler']);
  const loader = onlyNode(sent.prompt, ['CheckpointLoaderSimple']);
  return {
    steps: num(sampler?.steps),
    sampler: text(sampler?.sampler_name),
    scheduleType: text(sampler?.scheduler),
    cfgScale: num(sampler?.cfg),
    model: text(loader?.ckpt_name),
  };
}

/** Drops the undefined fields, so a later spread does not overwrite a known value with nothing. */
function known(part: Partial<InfotextParameters>): Partial<InfotextParameters> {
  return Object.fromEntries(Object.entries(part).filter(([, v]) => v !== undefined));
}

export function infotextFromRun(
  run: RunDetail,
  output: Pick<OutputRecord, 'width' | 'height'>,
  providers: ProviderFacts,
): InfotextParameters {
  const attempt = madeBy(run);
  const provider = attempt?.provider ?? run.provider;
  const request = run.request;
  const base: InfotextParameters = {
    prompt: request.prompt,
    negativePrompt: request.negativePrompt,
    steps: request.steps,
    cfgScale: request.guidance,
    seed: run.seed ?? undefined,
    width: output.width,
    height: output.height,
    // A local server's catalog model is "default" (whatever checkpoint it has loaded): not a model name.
    model: providers.isLocal(provider) ? undefined : (attempt?.model ?? run.model ?? undefined),
  };
  const sent = attempt?.requestSent ?? {};
  const local = provider === 'a1111' ? fromA1111(sent) : provider === 'comfyui' ? fromComfyGraph(sent) : {};
  const merged: InfotextParameters = { ...base, ...known(local) };
  if (!providers.isLocal(provider)) merged.extra = [['Provider', providers.name(provider)]];
  return merged;
}
