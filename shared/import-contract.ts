// Importing images made by other tools (and by Atelier itself) into History. Spread into shared/contract.ts.
import { z } from 'zod';
import { IMPORT_SOURCE_NAMES, IMPORT_SOURCES, type ImportSource as Source } from './import-sources';
import { refuseUnsafeLabel } from './input-rules';

export { IMPORT_SOURCE_NAMES, IMPORT_SOURCES };
export const ImportSource = z.enum(IMPORT_SOURCES);
export type ImportSource = Source;

/** History's "source" filter: where a run was made. `atelier` also covers every run generated here. */
export const RUN_SOURCES = IMPORT_SOURCES;
export const RunSource = ImportSource;
export type RunSource = ImportSource;

export const IMPORT_LIMITS = {
  /** Decoded bytes of one file. */
  maxFileBytes: 48 * 1024 * 1024,
  /** Files sent in one `imports.addFiles` call (the browser sends a folder in batches). */
  maxFilesPerCall: 50,
  /** Files in one import (a folder walked on disk, or every batch of a browser import). */
  maxFilesPerImport: 100_000,
  maxPathLength: 4096,
  maxPromptLines: 200,
  maxPromptLineChars: 6000,
} as const;

const nullableText = z.string().nullable();
const nullableNumber = z.number().nullable();

export const ImportedModel = z.object({
  name: nullableText,
  /** As the tool wrote it: A1111's short hash (10 hex), an AutoV2 hash, a full sha256, or InvokeAI's `blake3:…`. */
  hash: nullableText,
});
export type ImportedModel = z.infer<typeof ImportedModel>;

export const ImportedLora = z.object({
  name: z.string(),
  weight: nullableNumber,
  hash: nullableText,
});
export type ImportedLora = z.infer<typeof ImportedLora>;

export const ImportedHires = z.object({
  upscale: nullableNumber,
  upscaler: nullableText,
  steps: nullableNumber,
  denoise: nullableNumber,
  width: nullableNumber,
  height: nullableNumber,
});
export type ImportedHires = z.infer<typeof ImportedHires>;

/** One ADetailer pass (A1111's `ADetailer model`, `ADetailer model 2nd`, …) with its other fields by name. */
export const ImportedAdetailer = z.object({
  model: z.string(),
  settings: z.record(z.string(), z.string()),
});
export type ImportedAdetailer = z.infer<typeof ImportedAdetailer>;

/** A ComfyUI sampler that was not the final one: kept so nothing the graph said is lost. */
export const ImportedSamplerPass = z.object({
  nodeId: z.string(),
  classType: z.string(),
  seed: nullableText,
  steps: nullableNumber,
  cfg: nullableNumber,
  sampler: nullableText,
  scheduler: nullableText,
  denoise: nullableNumber,
  prompt: z.string(),
  negativePrompt: z.string(),
});
export type ImportedSamplerPass = z.infer<typeof ImportedSamplerPass>;

/** Midjourney's flags as typed after the prompt. */
export const MidjourneyFlags = z.object({
  aspectRatio: nullableText,
  stylize: nullableNumber,
  chaos: nullableNumber,
  version: nullableText,
  niji: nullableText,
  quality: nullableNumber,
  weird: nullableNumber,
  tile: z.boolean(),
  styleRaw: z.boolean(),
  style: nullableText,
  sref: z.array(z.string()),
  cref: z.array(z.string()),
  /** Everything else, `--flag value` as typed. */
  other: z.record(z.string(), z.string()),
});
export type MidjourneyFlags = z.infer<typeof MidjourneyFlags>;

/**
 * What any tool's metadata says, in one shape. The seed is a decimal string: tools write 64-bit seeds
 * (ComfyUI up to 2^64 − 1) that a JavaScript number would round.
 */
export const ImportedParameters = z.object({
  source: ImportSource,
  /** The tool and version where the file says (`Forge f2.0.1`, `Fooocus v2.5.5`, `InvokeAI 4.2.0`). */
  tool: nullableText,
  prompt: z.string(),
  negativePrompt: z.string(),
  seed: z.string().regex(/^\d+$/, 'must be a decimal seed').nullable(),
  steps: nullableNumber,
  cfg: nullableNumber,
  sampler: nullableText,
  scheduler: nullableText,
  width: nullableNumber,
  height: nullableNumber,
  model: ImportedModel.nullable(),
  vae: ImportedModel.nullable(),
  loras: z.array(ImportedLora),
  hires: ImportedHires.nullable(),
  adetailer: z.array(ImportedAdetailer),
  /** ComfyUI: the other samplers of the graph, in the order they run. */
  otherSamplers: z.array(ImportedSamplerPass),
  midjourney: MidjourneyFlags.nullable(),
  /** Every other field the tool wrote, by its own name, as text. */
  extra: z.record(z.string(), z.string()),
  /** What could not be read, in words (a field in an unexpected form, a graph link that leads nowhere). */
  warnings: z.array(z.string()),
});
export type ImportedParameters = z.infer<typeof ImportedParameters>;

/** What an imported run carries besides its parameters. */
export const RunImport = z.object({
  source: ImportSource,
  fileName: z.string(),
  /** sha256 of the file as imported. */
  sha256: z.string(),
  importedAt: z.number(),
  /** Null for a plain image. */
  parameters: ImportedParameters.nullable(),
  /** Each metadata field exactly as the file held it (text chunk keyword or EXIF/XMP field → text). */
  raw: z.record(z.string(), z.string()),
  /** What *Reproduce on…* can do with it. */
  reproduce: z.object({
    comfyuiGraph: z.boolean(),
    a1111: z.boolean(),
    atelier: z.boolean(),
  }),
});
export type RunImport = z.infer<typeof RunImport>;

/** Why a file was not imported. */
export const IMPORT_FAILURES = ['unreadable', 'corrupt', 'too_large', 'unsupported', 'not_found'] as const;
export const ImportFailureReason = z.enum(IMPORT_FAILURES);
export type ImportFailureReason = z.infer<typeof ImportFailureReason>;

export const ImportFailure = z.object({
  name: z.string(),
  reason: ImportFailureReason,
  message: z.string(),
});
export type ImportFailure = z.infer<typeof ImportFailure>;

export const ImportReport = z.object({
  id: z.string(),
  state: z.enum(['running', 'done', 'cancelled']),
  /** Files found so far (a folder walk may still be counting). */
  found: z.number(),
  processed: z.number(),
  /** New runs, by source. */
  imported: z.record(z.string(), z.number()),
  /** Files whose bytes are already in the library: nothing new was made. */
  duplicates: z.number(),
  failed: z.array(ImportFailure),
  /** The new runs' ids (the last 1,000), for "show in History". */
  runIds: z.array(z.number()),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type ImportReport = z.infer<typeof ImportReport>;

const FileName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(IMPORT_LIMITS.maxPathLength, `must be at most ${IMPORT_LIMITS.maxPathLength} characters`)
  .superRefine(refuseUnsafeLabel);

const PromptLines = z
  .string()
  .max(
    IMPORT_LIMITS.maxPromptLines * IMPORT_LIMITS.maxPromptLineChars,
    'must be shorter (paste the prompt lines only)',
  );

const ImportId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be an import id');

export const importCalls = {
  /**
   * Starts an import. `paths` (files or folders, walked recursively) is read by the core from disk: the
   * desktop shell's pickers and drops, or a folder typed in browser mode. Files sent as bytes come after,
   * in batches, through `imports.addFiles`; `expectFiles` says how many will come so progress is right.
   * `midjourneyPrompts`: the prompt line(s) pasted for Midjourney downloads (matched by job id in the file
   * name, else in order, else the first line for every file).
   */
  'imports.start': {
    input: z.strictObject({
      paths: z.array(FileName).max(100, 'at most 100 paths at once').default([]),
      expectFiles: z.number().int().min(0).max(IMPORT_LIMITS.maxFilesPerImport).default(0),
      midjourneyPrompts: PromptLines.nullable().default(null),
    }),
    output: ImportReport,
  },
  /** One batch of files sent as bytes (browser drops, pickers and folder uploads). */
  'imports.addFiles': {
    input: z.strictObject({
      id: ImportId,
      files: z
        .array(z.strictObject({ name: FileName, dataBase64: z.string().min(1, 'must not be empty') }))
        .min(1, 'send at least one file')
        .max(IMPORT_LIMITS.maxFilesPerCall, `at most ${IMPORT_LIMITS.maxFilesPerCall} files at once`),
      /** True on the last batch: the import finishes once everything sent is processed. */
      last: z.boolean().default(false),
    }),
    output: ImportReport,
  },
  'imports.cancel': {
    input: z.strictObject({ id: ImportId }),
    output: ImportReport,
  },
  'imports.get': {
    input: z.strictObject({ id: ImportId }),
    output: ImportReport,
  },
  /** The imported run's source, parameters and raw metadata; null for a run made in Atelier. */
  'imports.forRun': {
    input: z.strictObject({ runId: z.number().int().positive('must be a run id') }),
    output: RunImport.nullable(),
  },
  /**
   * *Reproduce on…*: `comfyui` sends the file's own graph to a configured ComfyUI server as it is; `a1111`
   * sends its parameters to an A1111 server; `route` sends the closest Atelier request through its route.
   */
  'imports.reproduce': {
    input: z.strictObject({
      runId: z.number().int().positive('must be a run id'),
      target: z.enum(['comfyui', 'a1111', 'route']),
    }),
    output: z.object({ runId: z.number() }),
  },
} as const;

export const importEvents = {
  'imports.progress': ImportReport,
} as const;
