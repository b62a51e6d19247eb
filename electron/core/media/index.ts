export { MEDIA_ERROR_CODES, MediaError, type MediaErrorCode } from './errors';
export { type AtomicData, claimExisting, resolveInside, writeFileAtomic } from './files';
export {
  base64Bytes,
  createImageIntake,
  decodeBase64Strict,
  type ImageIntake,
  type IntakeRefusal,
  IntakeRefused,
  jpegWithoutMetadata,
  pngWithoutMetadata,
  sha256Of,
  type TakenImage,
} from './intake';
export { createServedMedia, decodeUrlPath, resolveServedMedia, type ServedMedia } from './served';
export {
  createMediaStore,
  DEFAULT_MAX_PIXELS,
  DEFAULT_THUMB_SIZE,
  type IngestedMedia,
  MEDIA_FORMATS,
  type MediaFormat,
  type MediaStore,
  type MediaStoreOptions,
  smallThumbnailOf,
} from './store';
export { DEFAULT_SWEEP_GRACE_MS, type SweepReport, sweepDataDir } from './sweep';
