// Calls and events of the reference image library. Spread into shared/contract.ts.
import { z } from 'zod';
import { RunStatus } from './domain';
import { refuseUnsafeLabel } from './input-rules';
import { ReferenceCheckRecord } from './quality-contract';

/** What a reference steers in a generation: a fixed set, shown as its own filter row. */
export const REFERENCE_STEERS = ['composition', 'lighting', 'style', 'subject'] as const;
export const ReferenceSteer = z.enum(REFERENCE_STEERS);
export type ReferenceSteer = z.infer<typeof ReferenceSteer>;

/** Limits the import enforces per file and per call (the body limit per call is in shared/body-limits.ts). */
export const REFERENCE_LIMITS = {
  /** Decoded bytes of one file. */
  maxFileBytes: 48 * 1024 * 1024,
  maxFilesPerImport: 200,
  maxNameLength: 200,
  maxTagLength: 40,
  maxTags: 32,
} as const;

const ReferenceId = z.number().int('must be a whole number').positive('must be a reference id');

/** Free tags: trimmed, lowercased, unique; at most 32 of at most 40 characters. */
export const ReferenceTag = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(REFERENCE_LIMITS.maxTagLength, `must be at most ${REFERENCE_LIMITS.maxTagLength} characters`)
  .superRefine(refuseUnsafeLabel)
  .transform((tag) => tag.toLowerCase());
const ReferenceTags = z
  .array(ReferenceTag)
  .max(REFERENCE_LIMITS.maxTags, `at most ${REFERENCE_LIMITS.maxTags} tags`)
  .transform((tags) => [...new Set(tags)]);
const ReferenceSteers = z.array(ReferenceSteer).transform((steers) => [...new Set(steers)]);

const ReferenceName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(REFERENCE_LIMITS.maxNameLength, `must be at most ${REFERENCE_LIMITS.maxNameLength} characters`)
  .superRefine(refuseUnsafeLabel);

export const Reference = z.object({
  id: z.number(),
  name: z.string(),
  /** sha256 of the bytes as imported: the dedupe key. */
  sha256: z.string(),
  /** As displayed, after EXIF orientation. */
  width: z.number(),
  height: z.number(),
  /** Format of the imported file: png, jpeg, webp, avif, gif or tiff. */
  format: z.string(),
  /** Size of the imported file. */
  bytes: z.number(),
  /**
   * The EXIF-stripped, orientation-applied copy (`references/ab/<sha256>.<ext>`): what providers get.
   * Put this in `GenerationRequest.reference.path`.
   */
  path: z.string(),
  /** The file as imported (`media/ab/<sha256>.<ext>`); never sent to a provider. */
  originalPath: z.string(),
  /** WebP thumbnail (`thumbs/ab/<sha256>.webp`), served like run thumbnails. */
  thumbPath: z.string(),
  steers: z.array(ReferenceSteer),
  tags: z.array(z.string()),
  /** Epoch milliseconds of the import. */
  createdAt: z.number(),
  /**
   * The quality gate's checks on it (the NSFW classifier, run after import on a worker); empty until they
   * ran, or while NSFW is off on every route. A failed or not-run check is shown on its card.
   */
  checks: z.array(ReferenceCheckRecord),
});
export type Reference = z.infer<typeof Reference>;

/** Why one file of an import was refused. */
export const ReferenceRefusal = z.enum(['corrupt', 'too_large', 'unsupported']);
export type ReferenceRefusal = z.infer<typeof ReferenceRefusal>;

export const ReferenceImportResult = z.discriminatedUnion('status', [
  z.object({ name: z.string(), status: z.literal('imported'), reference: Reference }),
  /** The same bytes were imported before: the existing reference, unchanged. */
  z.object({ name: z.string(), status: z.literal('duplicate'), reference: Reference }),
  z.object({
    name: z.string(),
    status: z.literal('refused'),
    reason: ReferenceRefusal,
    /** One sentence for the person who dropped the file. */
    message: z.string(),
  }),
]);
export type ReferenceImportResult = z.infer<typeof ReferenceImportResult>;

export const ReferenceRunUse = z.object({
  runId: z.number(),
  createdAt: z.number(),
  status: RunStatus,
  prompt: z.string(),
});
export type ReferenceRunUse = z.infer<typeof ReferenceRunUse>;

export const ReferenceStyleUse = z.object({
  styleId: z.number(),
  name: z.string(),
  /** The style version that attaches the reference (the newest one when several do). */
  version: z.number().nullable(),
});
export type ReferenceStyleUse = z.infer<typeof ReferenceStyleUse>;

export const ReferenceDetail = Reference.extend({
  usedIn: z.object({
    /** Newest first, at most 100; `runsTotal` counts all. */
    runs: z.array(ReferenceRunUse),
    runsTotal: z.number(),
    styles: z.array(ReferenceStyleUse),
  }),
});
export type ReferenceDetail = z.infer<typeof ReferenceDetail>;

export const referenceCalls = {
  /**
   * Imports files the renderer read (folders are expanded client-side). Each file gets its own result;
   * a refused file never stops the others and leaves nothing stored. `steers`/`tags` apply to new imports.
   */
  'references.import': {
    input: z.strictObject({
      files: z
        .array(
          z.strictObject({
            name: z
              .string()
              .trim()
              .min(1, 'must not be empty')
              .max(255, 'must be at most 255 characters')
              .superRefine(refuseUnsafeLabel),
            dataBase64: z.string().min(1, 'must not be empty'),
          }),
        )
        .min(1, 'choose at least one file')
        .max(
          REFERENCE_LIMITS.maxFilesPerImport,
          `at most ${REFERENCE_LIMITS.maxFilesPerImport} files at once`,
        ),
      steers: ReferenceSteers.default([]),
      tags: ReferenceTags.default([]),
    }),
    output: z.object({ results: z.array(ReferenceImportResult) }),
  },
  /** Newest first, keyset-paginated: pass `nextBefore` back as `before`. Filters combine with AND. */
  'references.list': {
    input: z.strictObject({
      /** Case-insensitive substring of the name. */
      query: z.string().trim().max(200).optional(),
      /** Every listed steer must be set. */
      steers: ReferenceSteers.default([]),
      /** Every listed free tag must be set. */
      tags: z.array(ReferenceTag).max(REFERENCE_LIMITS.maxTags).default([]),
      orientation: z.enum(['landscape', 'portrait', 'square']).optional(),
      minWidth: z.number().int().min(1).optional(),
      minHeight: z.number().int().min(1).optional(),
      before: ReferenceId.optional(),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    output: z.object({
      items: z.array(Reference),
      nextBefore: z.number().nullable(),
      /** Matches of the filters across all pages. */
      total: z.number(),
    }),
  },
  'references.get': {
    input: z.strictObject({ id: ReferenceId }),
    output: ReferenceDetail,
  },
  /** Rename and/or replace steers and free tags; omitted fields stay as they are. */
  'references.update': {
    input: z.strictObject({
      id: ReferenceId,
      name: ReferenceName.optional(),
      steers: ReferenceSteers.optional(),
      tags: ReferenceTags.optional(),
    }),
    output: Reference,
  },
  /** Refused with `conflict` while a style attaches it; stored files stay (runs may point at them). */
  'references.delete': {
    input: z.strictObject({ id: ReferenceId }),
    output: z.object({ deleted: z.boolean() }),
  },
  /** Steers and free tags in use, with counts, for the filter bar. */
  'references.tags': {
    input: z.strictObject({}),
    output: z.object({
      steers: z.array(z.object({ steer: ReferenceSteer, count: z.number() })),
      tags: z.array(z.object({ tag: z.string(), count: z.number() })),
    }),
  },
} as const;

export const referenceEvents = {
  /** References were imported, edited or deleted; the browser refreshes. */
  'references.changed': z.object({ ids: z.array(z.number()) }),
} as const;
