/**
 * Metadata on files that leave the library (see ../out.ts): the real `EmbedMetadata`.
 *
 * | mode       | PNG                                                      | JPEG, WebP                                   |
 * |------------|----------------------------------------------------------|----------------------------------------------|
 * | full       | `parameters` tEXt (iTXt when not Latin-1), `atelier` iTXt | EXIF UserComment (A1111's bytes), XMP record |
 * |            | (provenance JSON); ComfyUI runs also `prompt` (the graph) |                                              |
 * | parameters | `parameters` only                                        | EXIF UserComment only                        |
 * | strip      | no text, eXIf, tIME or C2PA chunk                        | no EXIF (GPS included), XMP, IPTC, C2PA, COM |
 * | a JPEG without JFIF (libvips' CMYK) keeps its DPI: IFD0's resolution carried over; under strip, in a new JFIF |
 *
 * Every mode first removes what the file carried, so nothing the provider (or a camera) wrote leaves with it;
 * the ICC profile stays in every mode because it is how the pixels' colours are meant, not who made them
 * (dropping it shifts colours on wide-gamut images). Pixels are never re-encoded: the writers rewrite the
 * container only.
 *
 * AVIF and TIFF: writing into HEIF boxes or TIFF IFDs in place is not done here, and sharp can only do it by
 * re-encoding (lossy for AVIF; sharp cannot write EXIF into TIFF at all). So these leave without Atelier's
 * metadata in every mode; for strip, a file that carries EXIF, XMP or IPTC is re-encoded by sharp
 * (losslessly) without them, keeping its ICC profile.
 */
import sharp from 'sharp';
import type { OutputRecord, RunDetail } from '../../../../shared/domain';
import type { StyleVersion, TemplateVersion } from '../../../../shared/library-contract';
import { PROVENANCE_PNG_KEYWORD } from '../../../../shared/provenance';
import { AppError } from '../../../../shared/result';
import type { EmbedMetadata, MetadataMode, OutgoingImage } from '../out';
import { formatInfotext } from './a1111-infotext';
import { exifBlock } from './exif';
import { exifOnlyResolution, MAX_JPEG_XMP_BYTES, writeJpegMetadata } from './jpeg';
import { type PngText, writePngText } from './png';
import { buildProvenance } from './provenance';
import { infotextFromRun, madeBy, type ProviderFacts } from './run-parameters';
import { writeWebpMetadata } from './webp';
import { fitProvenanceXmp } from './xmp';

export { formatInfotext, type InfotextParameters, quoteInfotextValue } from './a1111-infotext';
export { exifWithUserComment } from './exif';
export type { ProviderFacts } from './run-parameters';

export interface MetadataEmbedderDeps {
  /** The run an output belongs to, or null when there is no such output. */
  runOfOutput(outputId: number): number | null;
  runs: { get(id: number): RunDetail | null };
  library: {
    getVersion(versionId: number): StyleVersion;
    templateVersion(versionId: number): TemplateVersion;
  };
  providers: ProviderFacts;
  atelierVersion: string;
}

/** What an output's file says about it: the A1111 text, and the provenance record as JSON. */
export interface OutgoingText {
  parameters: string;
  provenance: string;
  /** The API graph a ComfyUI run queued (ComfyUI writes it as the `prompt` chunk), or null. */
  comfyGraph: string | null;
}

/** Reads a library version, or null when it is gone (a run keeps pointing at versions that may be purged). */
function orNull<T>(read: () => T): T | null {
  try {
    return read();
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return null;
    throw error;
  }
}

export function createOutgoingText(deps: MetadataEmbedderDeps) {
  return function outgoingText(outputId: number): {
    text: OutgoingText;
    run: RunDetail;
    output: OutputRecord;
  } {
    const runId = deps.runOfOutput(outputId);
    const run = runId === null ? null : deps.runs.get(runId);
    const output = run?.outputs.find((o) => o.id === outputId);
    if (!run || !output) throw new AppError('not_found', `There is no image ${outputId}.`);
    const provenance = buildProvenance(run, output, {
      atelierVersion: deps.atelierVersion,
      styleVersion: (id) => orNull(() => deps.library.getVersion(id)),
      templateVersion: (id) => orNull(() => deps.library.templateVersion(id)),
    });
    const attempt = madeBy(run);
    const graph = attempt?.provider === 'comfyui' ? attempt.requestSent.prompt : undefined;
    return {
      run,
      output,
      text: {
        parameters: formatInfotext(infotextFromRun(run, output, deps.providers)),
        provenance: JSON.stringify(provenance),
        comfyGraph: graph && typeof graph === 'object' ? JSON.stringify(graph) : null,
      },
    };
  };
}

/** Writes `text` (or nothing, for strip) into the image's container per `mode`. */
export async function embedText(
  image: OutgoingImage,
  text: OutgoingText | null,
  mode: MetadataMode,
  creatorTool: string,
): Promise<Buffer> {
  const full = mode === 'full' && text !== null;
  const parameters = mode !== 'strip' && text !== null ? text.parameters : null;
  switch (image.format) {
    case 'png': {
      const texts: PngText[] = [];
      if (parameters !== null) texts.push({ keyword: 'parameters', text: parameters });
      if (full) {
        texts.push({ keyword: PROVENANCE_PNG_KEYWORD, text: text.provenance, international: true });
        if (text.comfyGraph) texts.push({ keyword: 'prompt', text: text.comfyGraph });
      }
      return writePngText(image.bytes, texts, mode === 'strip');
    }
    case 'jpeg':
    case 'webp': {
      // libvips writes a CMYK JPEG's DPI into EXIF only (no JFIF header): it is carried over in the new EXIF, or,
      // under strip (no EXIF at all), in a JFIF header.
      const dpi = image.format === 'jpeg' ? exifOnlyResolution(image.bytes) : null;
      const resolution = mode !== 'strip' ? dpi : null;
      const metadata = {
        ...(mode === 'strip' && dpi !== null ? { jfifDensity: dpi } : {}),
        ...(parameters !== null || resolution !== null
          ? { exif: exifBlock({ userComment: parameters, resolution }) }
          : {}),
        // One JPEG APP1 segment holds 64 KB; WebP chunks have no such limit, the same cap keeps both alike.
        ...(full ? { xmp: fitProvenanceXmp(text.provenance, creatorTool, MAX_JPEG_XMP_BYTES) } : {}),
      };
      return image.format === 'jpeg'
        ? writeJpegMetadata(image.bytes, metadata, mode === 'strip')
        : writeWebpMetadata(image.bytes, metadata);
    }
    case 'avif':
    case 'tiff':
      return mode === 'strip' ? reencodeWithoutMetadata(image) : image.bytes;
  }
}

async function reencodeWithoutMetadata(image: OutgoingImage): Promise<Buffer> {
  const info = await sharp(image.bytes).metadata();
  if (!info.exif && !info.xmp && !info.iptc) return image.bytes;
  const pipeline = sharp(image.bytes).keepIccProfile();
  return image.format === 'avif'
    ? pipeline.avif({ lossless: true }).toBuffer()
    : pipeline.tiff({ compression: 'lzw' }).toBuffer();
}

export function createMetadataEmbedder(deps: MetadataEmbedderDeps): EmbedMetadata {
  const outgoingText = createOutgoingText(deps);
  const creatorTool = `Atelier ${deps.atelierVersion}`;
  return async (image, outputId, mode) => {
    // Strip needs nothing from the run; the other modes fail for an unknown output rather than write nothing.
    const text = mode === 'strip' ? null : outgoingText(outputId).text;
    return embedText(image, text, mode, creatorTool);
  };
}
