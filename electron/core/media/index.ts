export { MEDIA_ERROR_CODES, MediaError, type MediaErrorCode } from './errors';
export { type AtomicData, resolveInside, writeFileAtomic } from './files';
export { decodeUrlPath, resolveServedMedia } from './served';
export {
  createMediaStore,
  DEFAULT_MAX_PIXELS,
  DEFAULT_THUMB_SIZE,
  type IngestedMedia,
  MEDIA_FORMATS,
  type MediaFormat,
  type MediaStore,
  type MediaStoreOptions,
} from './store';
