// Calls and events of the style library (templates, styles, negatives, packs). Spread into shared/contract.ts.
import { z } from 'zod';
import { AspectRatio, ProviderId, QualityTier, TaskType } from './domain';
import { labelText, refuseDeepNesting } from './input-rules';
import { NEGATIVE_PROMPT_MAX_CHARS, PROMPT_MAX_CHARS } from './limits';
import { MidjourneyFields } from './midjourney';

const trimmed = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);
const Id = z.number().int('must be a whole number').positive('must be an id');
const VersionId = z.number().int('must be a whole number').positive('must be a version id');
/** A variable name as written in a segment: `{{subject}}`. */
export const VariableName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a variable name such as "subject" (lowercase, digits, _)');

// ---------------------------------------------------------------- templates

/** The five segments of a prompt, each edited on its own; `{{name}}` inserts a declared variable. */
export const SEGMENT_NAMES = ['subject', 'environment', 'technical', 'style', 'negative'] as const;
export const SegmentName = z.enum(SEGMENT_NAMES);
export type SegmentName = z.infer<typeof SegmentName>;
export const SEGMENT_LABELS: Record<SegmentName, string> = {
  subject: 'Subject + action',
  environment: 'Environment / context',
  technical: 'Technical spec',
  style: 'Style vector',
  negative: 'Negative constraints',
};

export const TemplateSegments = z.strictObject({
  subject: trimmed(1000).default(''),
  environment: trimmed(1000).default(''),
  technical: trimmed(1000).default(''),
  style: trimmed(1000).default(''),
  negative: trimmed(1000).default(''),
});
export type TemplateSegments = z.infer<typeof TemplateSegments>;

const variableBase = {
  name: VariableName,
  label: labelText(60).optional(),
  /** Used when a render gives no value; without one the variable is required. */
  required: z.boolean().default(true),
};
export const TemplateVariable = z.discriminatedUnion('kind', [
  z.strictObject({
    ...variableBase,
    kind: z.literal('text'),
    maxLength: z.number().int().min(1).max(500),
    default: trimmed(500).optional(),
  }),
  z.strictObject({
    ...variableBase,
    kind: z.literal('enum'),
    values: z.array(labelText(100).min(1)).min(1, 'an enum needs at least one value').max(50),
    default: labelText(100).optional(),
  }),
  z.strictObject({
    ...variableBase,
    kind: z.literal('number'),
    min: z.number(),
    max: z.number(),
    /** Whole numbers only when true. */
    integer: z.boolean().default(false),
    default: z.number().optional(),
  }),
]);
export type TemplateVariable = z.infer<typeof TemplateVariable>;

export const TemplateFields = z.strictObject({
  name: labelText(80).min(1, 'must not be empty'),
  description: trimmed(2000).default(''),
  segments: TemplateSegments,
  variables: z.array(TemplateVariable).max(32, 'at most 32 variables').default([]),
});
export type TemplateFields = z.infer<typeof TemplateFields>;
export type TemplateFieldsInput = z.input<typeof TemplateFields>;

/** A neutral subject for previews and the live view, so styles compare like for like. */
export const SAMPLE_SUBJECT = 'a ceramic teapot on a linen tablecloth';

/**
 * The variable a typed prompt fills: the text variable named `subject`, else the first text variable
 * placed in the subject segment; null when the template takes no free subject (its fields make the prompt).
 * Shared so the Generate form and the core agree on which field the Prompt box is.
 */
export function subjectVariable(
  template: TemplateFields,
): Extract<TemplateVariable, { kind: 'text' }> | null {
  const texts = template.variables.filter(
    (v): v is Extract<TemplateVariable, { kind: 'text' }> => v.kind === 'text',
  );
  const named = texts.find((v) => v.name === 'subject');
  if (named) return named;
  for (const match of template.segments.subject.matchAll(/\{\{\s*([a-z][a-z0-9_]{0,31})\s*\}\}/g)) {
    const variable = texts.find((v) => v.name === match[1]);
    if (variable) return variable;
  }
  return null;
}

/** A variable as a designer reads it: its label, else its name in words ("camera_angle" -> "Camera angle"). */
export function variableLabel(variable: { name: string; label?: string | undefined }): string {
  if (variable.label) return variable.label;
  const words = variable.name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Values for a template's variables: name -> text, enum value or number. */
export const TemplateValues = z.record(VariableName, z.union([z.string().max(2000), z.number()]));
export type TemplateValues = z.infer<typeof TemplateValues>;

export const TemplateVersion = z.object({
  versionId: z.number(),
  templateId: z.number(),
  version: z.number(),
  createdAt: z.number(),
  note: z.string(),
  fields: TemplateFields,
});
export type TemplateVersion = z.infer<typeof TemplateVersion>;

export const TemplateSummary = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string(),
  latestVersionId: z.number(),
  version: z.number(),
  updatedAt: z.number(),
});
export type TemplateSummary = z.infer<typeof TemplateSummary>;

// ---------------------------------------------------------------- negatives

export const NEGATIVE_ARTIFACTS = [
  'blur',
  'oversaturation',
  'anatomy',
  'text_distortion',
  'watermark',
  'composition',
  'other',
] as const;
export const NegativeArtifact = z.enum(NEGATIVE_ARTIFACTS);
export type NegativeArtifact = z.infer<typeof NegativeArtifact>;

/** A named group of negative terms for one kind of artifact; styles reference groups by slug. */
export const NegativeGroup = z.object({
  slug: z.string(),
  artifact: NegativeArtifact,
  label: z.string(),
  terms: z.array(z.string()),
  /** Shipped in resources/library; the user may still edit it. */
  builtin: z.boolean(),
  updatedAt: z.number(),
});
export type NegativeGroup = z.infer<typeof NegativeGroup>;

export const NegativeSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'must be a slug such as "anatomy-hands"');

// ---------------------------------------------------------------- styles

export const STYLE_STATUSES = ['draft', 'approved', 'deprecated'] as const;
export const StyleStatus = z.enum(STYLE_STATUSES);
export type StyleStatus = z.infer<typeof StyleStatus>;

export const StyleDefaults = z.strictObject({
  aspectRatio: AspectRatio.optional(),
  steps: z.number().int().min(1).max(150).optional(),
  guidance: z.number().min(0).max(50).optional(),
  quality: QualityTier.optional(),
});
export type StyleDefaults = z.infer<typeof StyleDefaults>;

const optionToken = trimmed(60).regex(/^[A-Za-z0-9_ -]+$/, 'must be a plain preset name');
/** Per-provider knobs a style sets; each maps onto the provider's own parameter when rendered. */
export const StyleOverrides = z.strictObject({
  /** Leonardo `presetStyle`. */
  leonardo: z.strictObject({ presetStyle: optionToken }).optional(),
  /** Stability `style_preset`. */
  stability: z.strictObject({ stylePreset: optionToken }).optional(),
  /** Ideogram `style_type`. */
  ideogram: z.strictObject({ styleType: optionToken }).optional(),
  /** Local Stable Diffusion (A1111): a LoRA added as `<lora:name:weight>`. */
  a1111: z
    .strictObject({
      lora: z.strictObject({
        name: z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/, 'must be a LoRA file name without spaces'),
        weight: z.number().min(-2).max(2),
      }),
    })
    .optional(),
  /** ComfyUI: a workflow in API format (passed as the provider's `workflow` option). */
  comfyui: z
    .strictObject({ workflow: z.record(z.string(), z.unknown()).superRefine(refuseDeepNesting(32)) })
    .optional(),
  /** Midjourney (no API): what *Copy for Midjourney* adds to the line (`--sref`, `--cref`, `--stylize`, `--chaos`, `--v`). */
  midjourney: MidjourneyFields.optional(),
});
export type StyleOverrides = z.infer<typeof StyleOverrides>;

const tag = labelText(40)
  .min(1, 'must not be empty')
  .transform((t) => t.toLowerCase());
/** A stored reference image (see shared/references-contract.ts). */
const ReferencePath = z
  .string()
  .regex(/^(media|references)\/[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z0-9]+$/, 'must be a stored image path');

export const StyleFields = z.strictObject({
  name: labelText(80).min(1, 'must not be empty'),
  owner: labelText(80).default(''),
  description: trimmed(2000).default(''),
  tags: z.array(tag).max(32, 'at most 32 tags').default([]),
  /** Words appended to the style-vector segment, e.g. "cinematic lighting", "35mm film grain". */
  styleTokens: z.array(trimmed(120).min(1)).max(64, 'at most 64 tokens').default([]),
  /** Negative-library groups (by slug) merged into the negative segment. */
  negativeGroups: z.array(NegativeSlug).max(32).default([]),
  /** Extra negative terms of this style alone. */
  negativeTerms: z.array(trimmed(120).min(1)).max(64).default([]),
  defaults: StyleDefaults.default({}),
  /** The task type (route) this style prefers; null follows the request. */
  preferredRoute: TaskType.nullable().default(null),
  overrides: StyleOverrides.default({}),
  /** The template this style is usually rendered with; null renders the request's prompt as the subject. */
  templateId: Id.nullable().default(null),
  referencePaths: z.array(ReferencePath).max(16, 'at most 16 references').default([]),
  status: StyleStatus.default('draft'),
  /** ISO date (YYYY-MM-DD) a deprecated style stops being offered. */
  deprecatedOn: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-03-01')
    .nullable()
    .default(null),
  successorId: Id.nullable().default(null),
});
export type StyleFields = z.infer<typeof StyleFields>;
export type StyleFieldsInput = z.input<typeof StyleFields>;

export const StylePreview = z.object({
  /** Null for previews that came in a style pack. */
  runId: z.number().nullable(),
  provider: z.string().nullable(),
  /** The model that made it (null for pack previews); whether it keeps seeds decides if it can be reproduced. */
  model: z.string().nullable().optional(),
  seed: z.number().nullable(),
  status: z.string(),
  /** Library-relative paths of the output and its thumbnail once the run succeeded. */
  path: z.string().nullable(),
  thumbPath: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
});
export type StylePreview = z.infer<typeof StylePreview>;

export const StyleVersion = z.object({
  versionId: z.number(),
  styleId: z.number(),
  version: z.number(),
  createdAt: z.number(),
  /** Why it was saved: "edited", "reverted to v2", "imported from pack …". */
  note: z.string(),
  fields: StyleFields,
  previews: z.array(StylePreview),
});
export type StyleVersion = z.infer<typeof StyleVersion>;

export const StyleVersionSummary = z.object({
  versionId: z.number(),
  version: z.number(),
  createdAt: z.number(),
  note: z.string(),
  status: StyleStatus,
});
export type StyleVersionSummary = z.infer<typeof StyleVersionSummary>;

/** What the library grid shows: the latest version of each style. */
export const StyleSummary = z.object({
  id: z.number(),
  name: z.string(),
  owner: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  status: StyleStatus,
  deprecatedOn: z.string().nullable(),
  latestVersionId: z.number(),
  version: z.number(),
  updatedAt: z.number(),
  /** Thumbnail of the first finished preview of the latest version that has any. */
  cover: z.object({ thumbPath: z.string(), width: z.number(), height: z.number() }).nullable(),
  builtin: z.boolean(),
});
export type StyleSummary = z.infer<typeof StyleSummary>;

export const StyleDetail = StyleSummary.extend({
  latest: StyleVersion,
  versions: z.array(StyleVersionSummary),
});
export type StyleDetail = z.infer<typeof StyleDetail>;

/** One changed field between two versions (values as JSON). */
export const VersionChange = z.object({ field: z.string(), before: z.unknown(), after: z.unknown() });
export type VersionChange = z.infer<typeof VersionChange>;
export const VersionDiff = z.object({
  from: z.object({ versionId: z.number(), version: z.number() }),
  to: z.object({ versionId: z.number(), version: z.number() }),
  changes: z.array(VersionChange),
});
export type VersionDiff = z.infer<typeof VersionDiff>;

// ---------------------------------------------------------------- rendering

/** How the negative segment reached a provider. */
export const NegativeHandling = z.enum(['field', 'folded', 'dropped', 'none']);

export const RenderedPrompt = z.object({
  provider: z.string(),
  model: z.string(),
  prompt: z.string(),
  negativePrompt: z.string(),
  negativeHandling: NegativeHandling,
  /** Per-provider options the style sets (merged into the request's `options`). */
  options: z.record(z.string(), z.unknown()),
  /** Each segment as rendered, for the live view. */
  segments: TemplateSegments,
  warnings: z.array(z.string()),
});
export type RenderedPrompt = z.infer<typeof RenderedPrompt>;

export const LibrarySettings = z.strictObject({
  /** Checked, case-insensitively as whole words, on every rendered prompt before dispatch. */
  bannedTerms: z.array(trimmed(80).min(1)).max(500).default([]),
  /** Refuse generation with draft styles; deprecated styles warn. */
  approvedOnly: z.boolean().default(false),
});
export type LibrarySettings = z.infer<typeof LibrarySettings>;

// ---------------------------------------------------------------- packs

export const PackImportReport = z.object({
  styles: z.array(
    z.object({
      /** The name in the pack. */
      packName: z.string(),
      styleId: z.number(),
      /** The name it has here (differs when renamed). */
      name: z.string(),
      /** created: new style; new_version: added as versions of the same-named style here; renamed: name taken by an unrelated style. */
      action: z.enum(['created', 'new_version', 'renamed']),
      versionIds: z.array(z.number()),
    }),
  ),
  templates: z.array(
    z.object({
      packName: z.string(),
      templateId: z.number(),
      name: z.string(),
      action: z.enum(['created', 'new_version', 'renamed', 'unchanged']),
    }),
  ),
  negativeGroups: z.array(
    z.object({ slug: z.string(), action: z.enum(['created', 'unchanged', 'renamed']) }),
  ),
  images: z.number(),
  warnings: z.array(z.string()),
});
export type PackImportReport = z.infer<typeof PackImportReport>;

const StyleSource = z.union([
  z.strictObject({ versionId: VersionId }),
  /** Unsaved fields from the editor (live preview). */
  z.strictObject({ fields: StyleFields }),
]);
const TemplateSource = z.union([
  z.strictObject({ versionId: VersionId }),
  z.strictObject({ fields: TemplateFields }),
]);

export const libraryCalls = {
  'styles.list': {
    input: z.strictObject({
      /** Name, description or tag words (prefix match). */
      query: trimmed(200).optional(),
      tag: trimmed(40).optional(),
      status: StyleStatus.optional(),
      owner: trimmed(80).optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    output: z.object({ items: z.array(StyleSummary), total: z.number(), nextOffset: z.number().nullable() }),
  },
  /** Tags and owners with counts, for the filter bar. */
  'styles.facets': {
    input: z.strictObject({}),
    output: z.object({
      tags: z.array(z.object({ tag: z.string(), count: z.number() })),
      owners: z.array(z.object({ owner: z.string(), count: z.number() })),
    }),
  },
  'styles.get': {
    input: z.strictObject({ id: Id }),
    output: StyleDetail,
  },
  'styles.getVersion': {
    input: z.strictObject({ versionId: VersionId }),
    output: StyleVersion,
  },
  'styles.create': {
    input: z.strictObject({ fields: StyleFields }),
    output: StyleDetail,
  },
  /** Saves a new immutable version. `baseVersionId` (the version the editor started from) refuses with `conflict` when someone saved since. */
  'styles.update': {
    input: z.strictObject({
      id: Id,
      fields: StyleFields,
      baseVersionId: VersionId.optional(),
      note: trimmed(200).optional(),
    }),
    output: StyleDetail,
  },
  /** Approve, return to draft, or deprecate (with date and successor): a new version with only the status changed. */
  'styles.setStatus': {
    input: z.strictObject({
      id: Id,
      status: StyleStatus,
      deprecatedOn: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/)
        .nullable()
        .optional(),
      successorId: Id.nullable().optional(),
    }),
    output: StyleDetail,
  },
  'styles.diff': {
    input: z.strictObject({ fromVersionId: VersionId, toVersionId: VersionId }),
    output: VersionDiff,
  },
  /** A new version whose fields equal `toVersionId`'s. */
  'styles.revert': {
    input: z.strictObject({ id: Id, toVersionId: VersionId }),
    output: StyleDetail,
  },
  /**
   * Starts `count` runs with fixed seeds through the normal generation path; their outputs become the
   * version's previews. Without a pinned provider they go to the first provider of the style's route
   * that keeps seeds and can run now; where none can, they follow the route and `reproducible` is false.
   */
  'styles.generatePreviews': {
    input: z.strictObject({
      versionId: VersionId,
      provider: ProviderId.optional(),
      count: z.number().int().min(1).max(12).default(4),
      seeds: z.array(z.number().int().min(0).max(4_294_967_294)).max(12).optional(),
      /** The subject: the template's subject variable, or the prompt when the style has no template. */
      subject: trimmed(500).optional(),
    }),
    output: z.object({
      runIds: z.array(z.number()),
      seeds: z.array(z.number()),
      /** The provider and model the previews were pinned to; null when they follow the route. */
      provider: z.string().nullable(),
      model: z.string().nullable(),
      /** False when the previews may land on a provider that ignores seeds. */
      reproducible: z.boolean(),
      /** Why they went where they went, in words. */
      note: z.string().nullable(),
    }),
  },
  /** Writes one pack file under `<dataDir>/exports/`; `path` is relative to the data directory. */
  'styles.exportPack': {
    input: z.strictObject({ id: Id, versions: z.enum(['latest', 'all']).default('latest') }),
    output: z.object({ path: z.string(), bytes: z.number(), fileName: z.string() }),
  },
  'styles.importPack': {
    input: z.strictObject({
      fileName: trimmed(255).min(1),
      /** The pack file's bytes, base64 (at most ~64 MB). */
      dataBase64: z.string().max(90_000_000, 'the pack is larger than 64 MB'),
    }),
    output: PackImportReport,
  },
  'templates.list': {
    input: z.strictObject({}),
    output: z.object({ items: z.array(TemplateSummary) }),
  },
  'templates.get': {
    input: z.strictObject({ id: Id }),
    output: z.object({
      summary: TemplateSummary,
      latest: TemplateVersion,
      versions: z.array(
        z.object({ versionId: z.number(), version: z.number(), createdAt: z.number(), note: z.string() }),
      ),
    }),
  },
  'templates.getVersion': {
    input: z.strictObject({ versionId: VersionId }),
    output: TemplateVersion,
  },
  'templates.create': {
    input: z.strictObject({ fields: TemplateFields }),
    output: TemplateVersion,
  },
  'templates.update': {
    input: z.strictObject({
      id: Id,
      fields: TemplateFields,
      baseVersionId: VersionId.optional(),
      note: trimmed(200).optional(),
    }),
    output: TemplateVersion,
  },
  'templates.diff': {
    input: z.strictObject({ fromVersionId: VersionId, toVersionId: VersionId }),
    output: VersionDiff,
  },
  'templates.revert': {
    input: z.strictObject({ id: Id, toVersionId: VersionId }),
    output: TemplateVersion,
  },
  'negatives.list': {
    input: z.strictObject({}),
    output: z.object({ groups: z.array(NegativeGroup) }),
  },
  /** Creates or replaces a negative group (user edits of builtin groups survive later starts). */
  'negatives.save': {
    input: z.strictObject({
      slug: NegativeSlug,
      artifact: NegativeArtifact,
      label: labelText(80).min(1),
      terms: z.array(trimmed(120).min(1)).max(200),
    }),
    output: NegativeGroup,
  },
  /**
   * Renders a style and/or template for each provider (the editor's live view). Refuses with
   * `invalid_input` naming the variable, or the banned term and its segment.
   */
  'library.render': {
    input: z.strictObject({
      style: StyleSource.optional(),
      template: TemplateSource.optional(),
      values: TemplateValues.default({}),
      /** The subject when there is no template (the request's prompt). */
      prompt: trimmed(PROMPT_MAX_CHARS).default(''),
      negativePrompt: trimmed(NEGATIVE_PROMPT_MAX_CHARS).default(''),
      /** Providers (default model each) to render for; all implemented providers when absent. */
      providers: z.array(ProviderId).max(32).optional(),
      /** Exact provider and model pairs to render for (e.g. the step Generate will call); wins over `providers`. */
      targets: z
        .array(z.strictObject({ provider: ProviderId, model: z.string().min(1).max(100).optional() }))
        .max(8)
        .optional(),
    }),
    output: z.object({ renders: z.array(RenderedPrompt) }),
  },
  'library.getSettings': {
    input: z.strictObject({}),
    output: LibrarySettings,
  },
  'library.setSettings': {
    input: LibrarySettings,
    output: LibrarySettings,
  },
} as const;

export const libraryEvents = {
  /** Something in the library changed: the browser refreshes (id is the style/template id when one). */
  'library.changed': z.object({
    kind: z.enum(['style', 'template', 'negatives', 'settings', 'previews']),
    id: z.number().nullable(),
  }),
} as const;
