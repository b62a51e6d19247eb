// Exporting finished asset folders: what to export, presets, naming, crops, alt text, progress. Spread into
// shared/contract.ts.
import { z } from 'zod';
import { HistoryQuery } from './history-contract';
import { refuseUnsafeLabel } from './input-rules';
import { MetadataMode } from './metadata-contract';

export const EXPORT_LIMITS = {
  /** Outputs in one export (each may become several files). */
  maxOutputs: 5_000,
  /** Files one export may write. */
  maxFiles: 50_000,
  maxTemplate: 300,
  maxFolder: 4096,
  maxAltText: 1_000,
  /** Dry-run files sent back to the dialog (the count is always whole). */
  planPreview: 500,
  maxWatermark: 120,
} as const;

/** `tiff` is for print presets (CMYK or sRGB); the dialog offers the four web formats as an override. */
export const EXPORT_FORMATS = ['png', 'jpeg', 'webp', 'avif', 'tiff'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const OVERWRITE_POLICIES = ['skip', 'rename', 'replace'] as const;
export const OverwritePolicy = z.enum(OVERWRITE_POLICIES);
export type OverwritePolicy = z.infer<typeof OverwritePolicy>;

/** The default naming template: one folder per preset, then the prompt's slug, seed and size. */
export const DEFAULT_NAME_TEMPLATE = '{preset}/{slug}-{seed}-{width}x{height}.{ext}';
/**
 * Fields a naming template may use. `{aspect}` is the aspect ratio the run asked for (`16x9`), `{batch}` the batch
 * that made it (`no-batch` otherwise): a batch's variants of one seed across aspect ratios stay apart by name.
 */
export const NAME_FIELDS = [
  'board',
  'style',
  'slug',
  'seed',
  'width',
  'height',
  'ext',
  'preset',
  'size',
  'run',
  'output',
  'index',
  'provider',
  'model',
  'date',
  'aspect',
  'batch',
] as const;
export type NameField = (typeof NAME_FIELDS)[number];

/** Fractions of the output's width (left, right) and height (top, bottom) to keep clear of text. */
export const SafeZone = z.object({
  top: z.number().min(0).max(0.5),
  right: z.number().min(0).max(0.5),
  bottom: z.number().min(0).max(0.5),
  left: z.number().min(0).max(0.5),
});
export type SafeZone = z.infer<typeof SafeZone>;

export const PresetSize = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,60}$/),
  /** null with `inside`: the output's own size along that side (kept in proportion). */
  width: z.number().int().min(1).max(16_384).nullable(),
  height: z.number().int().min(1).max(16_384).nullable(),
  /** cover: exactly width × height, cropped where the aspect differs; inside: fit within, never enlarged. */
  fit: z.enum(['cover', 'inside']),
});
export type PresetSize = z.infer<typeof PresetSize>;

export const ExportPreset = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,60}$/),
  name: z.string().min(1),
  use: z.enum(['web', 'print', 'icon', 'any']),
  /** Web and ad placements: export refuses an output without approved alt text unless told otherwise. */
  altTextRequired: z.boolean(),
  format: ExportFormat,
  quality: z.number().int().min(1).max(100),
  colour: z.enum(['srgb', 'cmyk']),
  dpi: z.number().int().min(72).max(2400).nullable(),
  sizes: z.array(PresetSize).min(1),
  safeZone: SafeZone.nullable(),
  /** Where the sizes and the safe zone come from. */
  source: z.string().optional(),
});
export type ExportPreset = z.infer<typeof ExportPreset>;

const Id = z.number().int('must be a whole number').positive('must be an id');

/** What to export. `approved` (the default) is every live approved output. */
export const ExportSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('approved') }),
  z.strictObject({ kind: z.literal('board'), boardId: Id }),
  z.strictObject({ kind: z.literal('history'), query: HistoryQuery }),
  z.strictObject({
    kind: z.literal('selection'),
    outputIds: z
      .array(Id)
      .min(1, 'pick at least one image')
      .max(EXPORT_LIMITS.maxOutputs, `at most ${EXPORT_LIMITS.maxOutputs} images`),
  }),
]);
export type ExportSource = z.infer<typeof ExportSource>;

export const Watermark = z.strictObject({
  text: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(EXPORT_LIMITS.maxWatermark, `must be at most ${EXPORT_LIMITS.maxWatermark} characters`),
  /** 0.05–1 */
  opacity: z.number().min(0.05, 'must be at least 0.05').max(1, 'must be at most 1').default(0.5),
  position: z
    .enum(['bottom-right', 'bottom-left', 'top-right', 'top-left', 'center'])
    .default('bottom-right'),
});
export type Watermark = z.infer<typeof Watermark>;

const Folder = z
  .string()
  .trim()
  .min(1, 'choose a folder')
  .max(EXPORT_LIMITS.maxFolder, `must be at most ${EXPORT_LIMITS.maxFolder} characters`)
  .superRefine(refuseUnsafeLabel);

export const ExportOptions = z.strictObject({
  source: ExportSource.default({ kind: 'approved' }),
  /** Absolute path of the destination folder (on the machine Atelier runs on). */
  folder: Folder,
  presetIds: z
    .array(z.string().regex(/^[a-z0-9-]{1,60}$/, 'must be a preset id'))
    .min(1, 'choose at least one preset')
    .max(20, 'at most 20 presets'),
  /** null: each preset's own format. */
  format: ExportFormat.nullable().default(null),
  /** null: each preset's own quality. */
  quality: z.number().int().min(1, 'must be 1 to 100').max(100, 'must be 1 to 100').nullable().default(null),
  template: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(EXPORT_LIMITS.maxTemplate, `must be at most ${EXPORT_LIMITS.maxTemplate} characters`)
    .default(DEFAULT_NAME_TEMPLATE),
  overwrite: OverwritePolicy.default('rename'),
  /** null: the metadata setting (Settings → Files). */
  metadata: MetadataMode.nullable().default(null),
  /** Print presets: CMYK with the built-in profile (TIFF or JPEG) instead of sRGB. */
  cmyk: z.boolean().default(false),
  watermark: Watermark.nullable().default(null),
  zip: z.boolean().default(false),
  /** Export web presets' outputs that have no approved alt text anyway. */
  allowMissingAltText: z.boolean().default(false),
});
export type ExportOptions = z.infer<typeof ExportOptions>;
export type ExportOptionsInput = z.input<typeof ExportOptions>;

export const PlannedFile = z.object({
  /** Relative to the chosen folder, `/`-separated. */
  path: z.string(),
  outputId: z.number(),
  presetId: z.string(),
  sizeId: z.string(),
  width: z.number(),
  height: z.number(),
  format: ExportFormat,
  /** write: new; replace: over an existing file; skip: an existing file stays; rename: written beside it. */
  action: z.enum(['write', 'replace', 'skip', 'rename']),
  /** For rename: the name the template gave, which was taken. */
  wanted: z.string().nullable(),
  /** For rename: by a file already in the folder, or by another file of this export (the template names both alike). */
  takenBy: z.enum(['folder', 'export']).nullable(),
});
export type PlannedFile = z.infer<typeof PlannedFile>;

export const ExportPlan = z.object({
  outputs: z.number(),
  /** Files the export will write or skip, in total. */
  total: z.number(),
  /** The first `EXPORT_LIMITS.planPreview` of them. */
  files: z.array(PlannedFile),
  counts: z.object({ write: z.number(), replace: z.number(), skip: z.number(), rename: z.number() }),
  /** Files numbered because the template gave another file of this export the same name. */
  clashes: z.number(),
  /** Outputs going to a preset that needs alt text but have no approved alt text. */
  missingAltText: z.array(z.number()),
  /** True when the export would refuse (missing alt text and no override). */
  blocked: z.boolean(),
});
export type ExportPlan = z.infer<typeof ExportPlan>;

export const ExportState = z.enum(['running', 'done', 'cancelled', 'failed', 'interrupted']);
export type ExportState = z.infer<typeof ExportState>;

export const ExportReport = z.object({
  id: z.string(),
  state: ExportState,
  folder: z.string(),
  total: z.number(),
  /** Files finished (written or skipped). */
  done: z.number(),
  written: z.number(),
  skipped: z.number(),
  /** The zip beside the folder's files, relative to the folder; null when not asked or not yet written. */
  zip: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type ExportReport = z.infer<typeof ExportReport>;

/** An output as the export dialog lists it. */
export const ExportItem = z.object({
  outputId: z.number(),
  runId: z.number(),
  path: z.string(),
  thumbPath: z.string(),
  width: z.number(),
  height: z.number(),
  prompt: z.string(),
  altText: z.lazy(() => AltText).nullable(),
});
export type ExportItem = z.infer<typeof ExportItem>;

export const AltText = z.object({
  outputId: z.number(),
  text: z.string(),
  /** `gemini:gemini-2.5-flash`, `openai:gpt-4o-mini`, or `manual`. */
  source: z.string(),
  approved: z.boolean(),
  approvedBy: z.string().nullable(),
  approvedAt: z.number().nullable(),
  updatedAt: z.number(),
});
export type AltText = z.infer<typeof AltText>;

export const VISION_PROVIDERS = ['gemini', 'openai'] as const;
export const VisionProvider = z.enum(VISION_PROVIDERS);
export type VisionProvider = z.infer<typeof VisionProvider>;

/** Crop window in source pixels, and the nudge that moved it (−1…1 of the room to move on each axis). */
export const CropPreview = z.object({
  outputId: z.number(),
  presetId: z.string(),
  sizeId: z.string(),
  source: z.object({ width: z.number(), height: z.number() }),
  crop: z.object({ left: z.number(), top: z.number(), width: z.number(), height: z.number() }),
  target: z.object({ width: z.number(), height: z.number() }),
  offset: z.object({ x: z.number(), y: z.number() }),
  /** The safe zone inside the crop window, in source pixels; null when the preset has none. */
  safe: z.object({ left: z.number(), top: z.number(), width: z.number(), height: z.number() }).nullable(),
});
export type CropPreview = z.infer<typeof CropPreview>;

const Offset = z.number().min(-1, 'must be −1 to 1').max(1, 'must be −1 to 1');
const PresetId = z.string().regex(/^[a-z0-9-]{1,60}$/, 'must be a preset id');
const ExportId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be an export id');

export const exportCalls = {
  'export.presets': {
    input: z.strictObject({}),
    output: z.object({ presets: z.array(ExportPreset), nameFields: z.array(z.string()) }),
  },
  /** The outputs a source selects, with their alt text (the dialog's list). */
  'export.items': {
    input: z.strictObject({ source: ExportSource }),
    output: z.object({ items: z.array(ExportItem), total: z.number() }),
  },
  /** The dry run: every file the export would write, with what happens to files already there. */
  'export.plan': { input: ExportOptions, output: ExportPlan },
  'export.start': { input: ExportOptions, output: ExportReport },
  'export.cancel': { input: z.strictObject({ id: ExportId }), output: ExportReport },
  'export.get': { input: z.strictObject({ id: ExportId }), output: ExportReport },
  /** Recent exports, newest first (an export cut by a restart shows as interrupted). */
  'export.list': { input: z.strictObject({}), output: z.object({ exports: z.array(ExportReport) }) },
  /** Desktop only: opens the file manager at the export's folder. */
  'export.showFolder': { input: z.strictObject({ id: ExportId }), output: z.object({}) },
  'export.cropPreview': {
    input: z.strictObject({
      outputId: Id,
      presetId: PresetId,
      sizeId: z.string().max(60).nullable().default(null),
    }),
    output: CropPreview,
  },
  /** Stores the nudge for this output and preset (every size of the preset follows it). */
  'export.setCrop': {
    input: z.strictObject({
      outputId: Id,
      presetId: PresetId,
      sizeId: z.string().max(60).nullable().default(null),
      x: Offset,
      y: Offset,
    }),
    output: CropPreview,
  },
  /** Drafts alt text with a vision model (the provider's key from the vault); stored unapproved. */
  'altText.draft': {
    input: z.strictObject({ outputId: Id, provider: VisionProvider.nullable().default(null) }),
    output: AltText,
  },
  'altText.save': {
    input: z.strictObject({
      outputId: Id,
      text: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(EXPORT_LIMITS.maxAltText, `must be at most ${EXPORT_LIMITS.maxAltText} characters`),
      approve: z.boolean().default(false),
      approvedBy: z.string().trim().max(80, 'must be at most 80 characters').nullable().default(null),
    }),
    output: AltText,
  },
} as const;

export const exportEvents = {
  'export.progress': ExportReport,
} as const;
