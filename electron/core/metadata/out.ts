// The seam for metadata on files that leave the library (download, drag out, export). The library keeps
// each original untouched; what a file carries when it leaves follows the metadata setting.
// `electron/core/metadata/write/index.ts` exports `createMetadataEmbedder`, the real implementation.

/** full: A1111 `parameters` + Atelier provenance; parameters: only the A1111 text; strip: nothing (no EXIF, GPS, XMP, text chunks). */
export const METADATA_MODES = ['full', 'parameters', 'strip'] as const;
export type MetadataMode = (typeof METADATA_MODES)[number];

export type OutgoingFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff';

export interface OutgoingImage {
  /** Encoded bytes as they will be written (already resized / converted by the caller). */
  bytes: Buffer;
  format: OutgoingFormat;
}

/** Returns the bytes to write: the same pixels, carrying the metadata of `outputId`'s run per `mode`. */
export type EmbedMetadata = (image: OutgoingImage, outputId: number, mode: MetadataMode) => Promise<Buffer>;
