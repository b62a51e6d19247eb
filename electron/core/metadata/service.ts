// Files leaving the library: the metadata setting, the original of an output with its metadata written per the
// setting (download, drag out), and the Midjourney line of a request or a run.
import { readFile } from 'node:fs/promises';
import type { GenerationRequest, RunDetail } from '../../../shared/domain';
import type { StyleVersion } from '../../../shared/library-contract';
import { DEFAULT_METADATA_MODE, MetadataMode as MetadataModeSchema } from '../../../shared/metadata-contract';
import { type MidjourneyPrompt, renderMidjourneyPrompt } from '../../../shared/midjourney';
import { AppError } from '../../../shared/result';
import { resolveInside } from '../media';
import type { Clock } from '../ports';
import type { SettingsRepo } from '../store';
import { METADATA_MODES, type MetadataMode, type OutgoingFormat } from './out';
import { createMetadataEmbedder, type MetadataEmbedderDeps } from './write';

const SETTINGS_KEY = 'metadata.mode';
// The contract's modes and the seam's are one list (checked both ways by the compiler).
export const CONTRACT_MODES: readonly MetadataMode[] = MetadataModeSchema.options;
export const SEAM_MODES: readonly (typeof MetadataModeSchema.options)[number][] = METADATA_MODES;

/** A file as it leaves Atelier. */
export interface OutgoingFile {
  bytes: Buffer;
  /** `atelier-run-12-1.png` */
  fileName: string;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  avif: 'image/avif',
  tiff: 'image/tiff',
  gif: 'image/gif',
};
const EXTENSIONS: Record<string, string> = { jpeg: 'jpg' };
const OUTGOING = new Set<string>(['png', 'jpeg', 'webp', 'avif', 'tiff']);

export interface MetadataServiceDeps extends MetadataEmbedderDeps {
  dataDir: string;
  settings: SettingsRepo;
  clock: Clock;
  library: MetadataEmbedderDeps['library'] & {
    prepare(request: GenerationRequest): { request: GenerationRequest; styleVersionId: number | null };
  };
}

export function createMetadataService(deps: MetadataServiceDeps) {
  const embed = createMetadataEmbedder(deps);

  function mode(): MetadataMode {
    return deps.settings.get(SETTINGS_KEY, MetadataModeSchema, DEFAULT_METADATA_MODE);
  }

  function run(runId: number): RunDetail {
    const found = deps.runs.get(runId);
    if (!found) throw new AppError('not_found', `There is no run ${runId}.`);
    return found;
  }

  function styleOf(versionId: number | null): StyleVersion | null {
    if (versionId === null) return null;
    try {
      return deps.library.getVersion(versionId);
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return null;
      throw error;
    }
  }

  function midjourneyFrom(
    request: GenerationRequest,
    styleVersionId: number | null,
    size: { width: number; height: number } | null,
    seed: number | null,
  ): MidjourneyPrompt {
    const style = styleOf(styleVersionId);
    return renderMidjourneyPrompt({
      prompt: request.prompt,
      negativePrompt: request.negativePrompt,
      aspectRatio: request.aspectRatio,
      size: size ?? request.size ?? null,
      seed,
      style: style && {
        name: style.fields.name,
        version: style.version,
        midjourney: style.fields.overrides.midjourney,
        localReferences: style.fields.referencePaths.length,
      },
      hasLocalInitImage: request.reference !== undefined,
    });
  }

  return {
    embed,
    mode,
    setMode(next: MetadataMode): { mode: MetadataMode } {
      deps.settings.set(SETTINGS_KEY, next, deps.clock.now());
      return { mode: next };
    },

    /** The original of an output, carrying the metadata the setting asks for; the library file is only read. */
    async original(outputId: number): Promise<OutgoingFile> {
      const runId = deps.runOfOutput(outputId);
      const found = runId === null ? undefined : run(runId).outputs.find((o) => o.id === outputId);
      if (runId === null || !found) throw new AppError('not_found', `There is no image ${outputId}.`);
      const bytes = await readFile(resolveInside(deps.dataDir, found.path));
      const fileName = `atelier-run-${runId}-${found.index + 1}.${EXTENSIONS[found.format] ?? found.format}`;
      const contentType = CONTENT_TYPES[found.format] ?? 'application/octet-stream';
      // GIF (never a generation output today) leaves as it is.
      if (!OUTGOING.has(found.format)) return { bytes, fileName, contentType };
      const out = await embed({ bytes, format: found.format as OutgoingFormat }, outputId, mode());
      return { bytes: out, fileName, contentType };
    },

    midjourney(input: { runId: number } | { request: GenerationRequest }): MidjourneyPrompt {
      if ('runId' in input) {
        const made = run(input.runId);
        const first = made.outputs.find((o) => o.deletedAt === null) ?? made.outputs[0];
        const styleVersionId = made.styleVersionId ?? made.requested?.style?.versionId ?? null;
        return midjourneyFrom(
          made.request,
          styleVersionId,
          first ? { width: first.width, height: first.height } : null,
          made.seed,
        );
      }
      // The form's request, rendered as Generate would render it (style tokens, template, negatives).
      const prepared = deps.library.prepare(input.request);
      return midjourneyFrom(prepared.request, prepared.styleVersionId, null, input.request.seed);
    },
  };
}

export type MetadataService = ReturnType<typeof createMetadataService>;
