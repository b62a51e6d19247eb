/**
 * *Reproduce on…* for an imported run, as a child run of it (lineage "reproduce"):
 * - `comfyui`: the file's own API graph goes to a configured ComfyUI server as it is (its text, so seeds past
 *   2^53 keep every digit); nothing of Atelier's request is written into it.
 * - `a1111`: the parameters go to an A1111 server: prompt, negative, seed, steps, CFG, size, sampler and
 *   schedule type, the checkpoint by name, hires fix and clip skip (LoRAs travel in the prompt's tags).
 * - `route`: the closest Atelier request, through its task type's route.
 */
import type { GenerationRequest } from '../../../shared/domain';
import type { ImportedParameters } from '../../../shared/import-contract';
import { AppError, fieldError } from '../../../shared/result';
import type { GenerationService } from '../generation';
import type { RunsRepo } from '../store';
import type { ImportService } from './service';

export type ReproduceTarget = 'comfyui' | 'a1111' | 'route';

export function createImportedReproducer(deps: {
  imports: Pick<ImportService, 'forRun'>;
  runs: Pick<RunsRepo, 'get'>;
  generation: Pick<GenerationService, 'start'>;
}) {
  return async (runId: number, target: ReproduceTarget): Promise<number> => {
    const imported = deps.imports.forRun(runId);
    const run = deps.runs.get(runId);
    if (!imported || !run) throw new AppError('not_found', `There is no imported run ${runId}.`);
    const base: GenerationRequest = { ...run.request, fresh: true, count: 1 };
    const parent = { runId, derivation: 'reproduce' as const };
    if (target === 'comfyui') {
      const graph = comfyGraphText(imported.raw);
      if (!graph) throw fieldError(['target'], 'this image carries no ComfyUI graph to send as it is.');
      const { size: _size, steps: _steps, guidance: _guidance, ...rest } = base;
      return deps.generation.start({ ...rest, provider: 'comfyui', options: { comfyui: { graph } } }, parent);
    }
    if (target === 'a1111') {
      if (!imported.reproduce.a1111 || !imported.parameters) {
        throw fieldError(['target'], 'this image carries no A1111 parameters to send.');
      }
      return deps.generation.start(
        {
          ...base,
          prompt: run.request.prompt,
          provider: 'a1111',
          options: { a1111: a1111Options(imported.parameters) },
        },
        parent,
      );
    }
    if (!imported.reproduce.atelier) {
      throw fieldError(['target'], 'this image carries no prompt or settings to reproduce.');
    }
    return deps.generation.start(base, parent);
  };
}

/** The API graph as the file held it: the `prompt` chunk, or WebP EXIF's `prompt:{…}`. */
export function comfyGraphText(raw: Record<string, string>): string | null {
  if (raw.prompt?.trim().startsWith('{')) return raw.prompt;
  for (const value of Object.values(raw))
    if (value.startsWith('prompt:{')) return value.slice('prompt:'.length);
  return null;
}

function a1111Options(p: ImportedParameters): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (p.sampler) options.sampler_name = p.sampler;
  if (p.scheduler) options.scheduler = p.scheduler;
  if (p.model?.name) options.checkpoint = p.model.name;
  if (p.hires) {
    options.enable_hr = true;
    if (p.hires.upscale !== null) options.hr_scale = p.hires.upscale;
    if (p.hires.upscaler) options.hr_upscaler = p.hires.upscaler;
    if (p.hires.steps !== null) options.hr_second_pass_steps = p.hires.steps;
    if (p.hires.denoise !== null) options.denoising_strength = p.hires.denoise;
    if (p.hires.width !== null && p.hires.height !== null) {
      options.hr_resize_x = p.hires.width;
      options.hr_resize_y = p.hires.height;
    }
  }
  const clipSkip = Number(p.extra['Clip skip']);
  if (Number.isInteger(clipSkip) && clipSkip > 1)
    options.override_settings = { CLIP_stop_at_last_layers: clipSkip };
  return options;
}
