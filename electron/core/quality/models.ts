// The seam between the quality gate (checks, policy, worker) and the offline models it runs.
// `electron/core/quality/models/index.ts` exports `createQualityModels`, the real implementation
// (NSFW classifier and OCR loaded from node_modules, no network); tests plant their own `QualityModels`.

/** One image as stored: the encoded bytes of the original (PNG, JPEG, WebP…). */
export type EncodedImage = Buffer;

/**
 * One image decoded once by the gate for all its checks: 8-bit sRGB pixels, interleaved, with alpha when the
 * image has it, already turned upright (EXIF orientation applied).
 */
export interface DecodedImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** What a model is handed: the decoded pixels (the gate) or encoded bytes (tools, tests). */
export type ModelImage = EncodedImage | DecodedImage;

export interface NsfwModel {
  /** Names the model and its package version, recorded with every result ("nsfwjs-mobilenet_v2@4.4.0"). */
  readonly version: string;
  /** Categories this model scores, each probability 0..1 (e.g. drawing, hentai, neutral, porn, sexy). */
  readonly categories: readonly string[];
  classify(image: ModelImage): Promise<Record<string, number>>;
}

export interface OcrLine {
  /** The characters read. The gap between two words is not always seen: compare with whitespace left out. */
  text: string;
  /** 0..1, the recogniser's mean confidence for the line. */
  confidence: number;
}

export interface OcrModel {
  readonly version: string;
  /** Lines of text read from the image, top to bottom. */
  read(image: ModelImage): Promise<OcrLine[]>;
}

/**
 * Loads each model lazily, once. A model that cannot load (files missing, runtime error) rejects with an
 * `AppError('model_unavailable', …)` naming the model and the cause, and keeps rejecting the same way: the
 * gate then records the check as "not run" and sends the output to review (fail closed).
 */
export interface QualityModels {
  nsfw(): Promise<NsfwModel>;
  ocr(): Promise<OcrModel>;
  /** Frees native sessions (worker shutdown). */
  dispose(): Promise<void>;
}

export interface QualityModelOptions {
  /** Threads each model may use (the gate's worker passes 1). Default 1. */
  threads?: number;
  /** Where OCR runs: `cpu` (default, everywhere) or `cuda` (needs onnxruntime-node's CUDA files, see README). */
  ocrDevice?: 'cpu' | 'cuda';
  /** Model files elsewhere than node_modules (tests, a packaged app's own copy); each is optional. */
  files?: {
    /** nsfwjs's MobileNetV2 folder (`model.min.js`, `group1-shard1of1.min.js`). */
    nsfwModelDir?: string;
    ocrDetection?: string;
    ocrRecognition?: string;
    ocrDictionary?: string;
  };
}

export type CreateQualityModels = (options?: QualityModelOptions) => QualityModels;
