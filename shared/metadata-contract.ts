// Calls about the metadata files carry when they leave Atelier, and the Midjourney lane. Spread into shared/contract.ts.
import { z } from 'zod';
import { GenerationRequest } from './domain';
import { MidjourneyPrompt } from './midjourney';

/** What a file carries when it leaves (download, drag out, export); mirrors electron/core/metadata/out.ts. */
export const MetadataMode = z.enum(['full', 'parameters', 'strip']);
export type MetadataMode = z.infer<typeof MetadataMode>;
export const DEFAULT_METADATA_MODE: MetadataMode = 'full';

export const MetadataSettings = z.object({ mode: MetadataMode });
export type MetadataSettings = z.infer<typeof MetadataSettings>;

export const metadataCalls = {
  'metadata.getMode': {
    input: z.strictObject({}),
    output: MetadataSettings,
  },
  'metadata.setMode': {
    input: z.strictObject({ mode: MetadataMode }),
    output: MetadataSettings,
  },
  /**
   * A request (from the Generate form, style and template not yet rendered) or a stored run, as a Midjourney
   * prompt line. The style's Midjourney fields (`--sref`, `--cref`, `--stylize`, `--chaos`, `--v`) come in.
   */
  'midjourney.prompt': {
    input: z.union([
      z.strictObject({ runId: z.number().int().positive('must be a run id') }),
      z.strictObject({ request: GenerationRequest }),
    ]),
    output: MidjourneyPrompt,
  },
} as const;
