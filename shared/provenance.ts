// Atelier's provenance record: what a file that leaves the library says about how it was made. Written as JSON
// into PNG (`atelier` iTXt chunk) and into JPEG/WebP XMP (`atelier:provenance`); read back by the importer of
// Atelier's own files. Versioned: a reader accepts `schema` "atelier.provenance" with the versions it knows.
import { z } from 'zod';
import { ATTEMPT_OUTCOMES, REVIEW_STATUSES } from './domain';

export const PROVENANCE_SCHEMA = 'atelier.provenance';
export const PROVENANCE_VERSION = 1;
/** The PNG text keyword and the XMP property that hold the record. */
export const PROVENANCE_PNG_KEYWORD = 'atelier';
export const PROVENANCE_XMP_NAMESPACE = 'urn:atelier:provenance:1';

const AttemptProvenance = z.object({
  ordinal: z.number().int(),
  provider: z.string(),
  model: z.string(),
  /** The closed outcome class (`ok`, `rate_limited`, `content_blocked`, …, `skipped`). */
  outcome: z.enum(ATTEMPT_OUTCOMES),
  httpStatus: z.number().int().nullable(),
  providerCode: z.string().nullable(),
});

export const AtelierProvenance = z.object({
  schema: z.literal(PROVENANCE_SCHEMA),
  version: z.literal(PROVENANCE_VERSION),
  /** The Atelier that wrote the file. */
  atelierVersion: z.string(),
  run: z.object({
    id: z.number().int(),
    /** When the run was made (ISO 8601, UTC). */
    createdAt: z.string(),
    provider: z.string(),
    model: z.string().nullable(),
    seed: z.number().nullable(),
    taskType: z.string().nullable(),
    parentRunId: z.number().int().nullable(),
    derivation: z.string().nullable(),
  }),
  image: z.object({
    index: z.number().int(),
    sha256: z.string(),
    width: z.number().int(),
    height: z.number().int(),
  }),
  /** The request as rendered and sent: prompt, negative and the parameters the designer set. */
  request: z.object({
    prompt: z.string(),
    negativePrompt: z.string(),
    aspectRatio: z.string(),
    size: z.object({ width: z.number(), height: z.number() }).nullable(),
    steps: z.number().nullable(),
    guidance: z.number().nullable(),
    quality: z.string(),
  }),
  attempts: z.array(AttemptProvenance),
  style: z
    .object({ versionId: z.number().int(), name: z.string().nullable(), version: z.number().nullable() })
    .nullable(),
  template: z
    .object({
      versionId: z.number().int(),
      name: z.string().nullable(),
      version: z.number().nullable(),
      values: z.record(z.string(), z.union([z.string(), z.number()])),
    })
    .nullable(),
  /** Content hashes (SHA-256) of the images that steered the run: the image-to-image input and the style's references. */
  references: z.array(
    z.object({
      role: z.enum(['init_image', 'style_reference']),
      sha256: z.string(),
      strength: z.number().nullable(),
    }),
  ),
  review: z.object({
    status: z.enum(REVIEW_STATUSES),
    reviewedAt: z.string().nullable(),
    approvalRef: z.string().nullable(),
    rejectReason: z.string().nullable(),
  }),
  /**
   * Fields left empty because the container could not hold the whole record (a JPEG XMP segment holds 64 KB):
   * the prompt and negative (also in the A1111 text beside it) and the template's values. Absent when whole.
   */
  omitted: z.array(z.enum(['request.prompt', 'request.negativePrompt', 'template.values'])).optional(),
});
export type AtelierProvenance = z.infer<typeof AtelierProvenance>;
