export const MEDIA_ERROR_CODES = ['not_an_image', 'too_large', 'unsupported_format'] as const;
export type MediaErrorCode = (typeof MEDIA_ERROR_CODES)[number];

/** Bytes that cannot become a library image; the message is written for the person who sees the run. */
export class MediaError extends Error {
  readonly code: MediaErrorCode;
  constructor(code: MediaErrorCode, message: string) {
    super(message);
    this.name = 'MediaError';
    this.code = code;
  }
}
