// The provenance record (shared/provenance.ts) of one output, from its stored run and the library versions it used.
import type { OutputRecord, RunDetail } from '../../../../shared/domain';
import type { StyleVersion, TemplateVersion } from '../../../../shared/library-contract';
import { type AtelierProvenance, PROVENANCE_SCHEMA, PROVENANCE_VERSION } from '../../../../shared/provenance';

export interface ProvenanceSources {
  atelierVersion: string;
  /** The style version, or null when it is gone or the run used none. */
  styleVersion(versionId: number): StyleVersion | null;
  templateVersion(versionId: number): TemplateVersion | null;
}

/** `media/ab/<sha256>.png` → the SHA-256 its name is (stored images are content-addressed). */
export function contentHashOf(path: string): string | null {
  return /\/([0-9a-f]{64})\.[a-z0-9]+$/.exec(path)?.[1] ?? null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function buildProvenance(
  run: RunDetail,
  output: OutputRecord,
  sources: ProvenanceSources,
): AtelierProvenance {
  const request = run.request;
  const styleVersionId = run.styleVersionId ?? run.requested?.style?.versionId ?? null;
  const templateVersionId = run.templateVersionId ?? run.requested?.template?.versionId ?? null;
  const style = styleVersionId === null ? null : sources.styleVersion(styleVersionId);
  const template = templateVersionId === null ? null : sources.templateVersion(templateVersionId);

  const references: AtelierProvenance['references'] = [];
  const init = request.reference ? contentHashOf(request.reference.path) : null;
  if (request.reference && init)
    references.push({ role: 'init_image', sha256: init, strength: request.reference.strength });
  for (const path of style?.fields.referencePaths ?? []) {
    const sha256 = contentHashOf(path);
    if (sha256) references.push({ role: 'style_reference', sha256, strength: null });
  }

  return {
    schema: PROVENANCE_SCHEMA,
    version: PROVENANCE_VERSION,
    atelierVersion: sources.atelierVersion,
    run: {
      id: run.id,
      createdAt: new Date(run.createdAt).toISOString(),
      provider: run.provider,
      model: run.model,
      seed: run.seed,
      taskType: run.taskType ?? null,
      parentRunId: run.parentRunId,
      derivation: run.derivation,
    },
    image: { index: output.index, sha256: output.sha256, width: output.width, height: output.height },
    request: {
      prompt: request.prompt,
      negativePrompt: request.negativePrompt,
      aspectRatio: request.aspectRatio,
      size: request.size ?? null,
      steps: request.steps ?? null,
      guidance: request.guidance ?? null,
      quality: request.quality,
    },
    attempts: run.attempts.map((a) => ({
      ordinal: a.ordinal,
      provider: a.provider,
      model: a.model,
      outcome: a.outcome,
      httpStatus: a.httpStatus,
      providerCode: a.providerCode,
    })),
    style:
      styleVersionId === null
        ? null
        : { versionId: styleVersionId, name: style?.fields.name ?? null, version: style?.version ?? null },
    template:
      templateVersionId === null
        ? null
        : {
            versionId: templateVersionId,
            name: template?.fields.name ?? null,
            version: template?.version ?? null,
            values: run.requested?.template?.values ?? request.template?.values ?? {},
          },
    references,
    review: {
      status: output.reviewStatus,
      reviewedAt: iso(output.reviewedAt),
      approvalRef: output.approvalRef,
      rejectReason: output.rejectReason,
    },
  };
}
