/**
 * Image files carrying metadata as each tool's writer lays it out, for the import tests, the e2e folder
 * and the bench. Pixels come from sharp; the metadata is put in byte for byte here, the way PIL (A1111,
 * ComfyUI, Fooocus, InvokeAI, NovelAI all save through PIL), piexif and libwebpmux write it.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export type PngTextChunk =
  | { type: 'tEXt'; key: string; text: string }
  | { type: 'zTXt'; key: string; text: string }
  | { type: 'iTXt'; key: string; text: string; compressed?: boolean };

function chunk(type: string, data: Buffer, options: { badCrc?: boolean } = {}): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(options.badCrc ? (crc32(body) ^ 0xffff) >>> 0 : crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** PIL's PngInfo: `add_text` writes tEXt for Latin-1 text and iTXt otherwise; `add_itxt` for iTXt. */
export function textChunk(entry: PngTextChunk, options: { badCrc?: boolean } = {}): Buffer {
  const key = Buffer.from(entry.key, 'latin1');
  if (entry.type === 'tEXt') {
    return chunk('tEXt', Buffer.concat([key, Buffer.from([0]), Buffer.from(entry.text, 'latin1')]), options);
  }
  if (entry.type === 'zTXt') {
    const packed = deflateSync(Buffer.from(entry.text, 'latin1'));
    return chunk('zTXt', Buffer.concat([key, Buffer.from([0, 0]), packed]), options);
  }
  const utf8 = Buffer.from(entry.text, 'utf8');
  const body = entry.compressed ? deflateSync(utf8) : utf8;
  return chunk(
    'iTXt',
    Buffer.concat([key, Buffer.from([0, entry.compressed ? 1 : 0, 0, 0, 0]), body]),
    options,
  );
}

/** PIL's choice for `add_text(key, value)`: tEXt when the text is Latin-1, iTXt otherwise. */
export function pilText(key: string, text: string): PngTextChunk {
  return [...text].every((c) => c.charCodeAt(0) <= 0xff)
    ? { type: 'tEXt', key, text }
    : { type: 'iTXt', key, text };
}

export async function plainPng(width = 32, height = 24, seed = 1): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 1) raw[i] = (i * 31 + seed * 97) % 251;
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** A PNG with text chunks before IDAT (as PIL writes them); `after` go between the last IDAT and IEND. */
export async function pngWith(
  chunks: readonly Buffer[],
  options: { after?: readonly Buffer[]; width?: number; height?: number; seed?: number; base?: Buffer } = {},
): Promise<Buffer> {
  const png = options.base ?? (await plainPng(options.width, options.height, options.seed));
  const ihdrEnd = 8 + 12 + 13;
  const iendAt = png.length - 12;
  return Buffer.concat([
    png.subarray(0, ihdrEnd),
    ...chunks,
    png.subarray(ihdrEnd, iendAt),
    ...(options.after ?? []),
    png.subarray(iendAt),
  ]);
}

export async function pngWithText(
  entries: readonly PngTextChunk[],
  seed = 1,
  base?: Buffer,
): Promise<Buffer> {
  return pngWith(
    entries.map((e) => textChunk(e)),
    { seed, base },
  );
}

/** EXIF UserComment bytes: the 8-byte charset code then the text (piexif's `UserComment.dump`). */
export function userCommentBytes(
  text: string,
  encoding: 'unicode-be' | 'unicode-le' | 'ascii' | 'undefined',
): Buffer {
  if (encoding === 'ascii')
    return Buffer.concat([Buffer.from('ASCII\0\0\0', 'latin1'), Buffer.from(text, 'latin1')]);
  if (encoding === 'undefined') return Buffer.concat([Buffer.alloc(8), Buffer.from(text, 'utf8')]);
  const le = Buffer.from(text, 'utf16le');
  if (encoding === 'unicode-be') le.swap16();
  return Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), le]);
}

interface IfdEntry {
  tag: number;
  type: 2 | 7; // ASCII, UNDEFINED
  data: Buffer;
}

/** A little-endian TIFF block: IFD0 (with `ifd0` ASCII fields) and an Exif IFD holding UserComment. */
export function exifBlock(fields: { ifd0?: Record<number, string>; userComment?: Buffer }): Buffer {
  const ifd0: IfdEntry[] = Object.entries(fields.ifd0 ?? {}).map(([tag, text]) => ({
    tag: Number(tag),
    type: 2,
    data: Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]),
  }));
  const exif: IfdEntry[] = fields.userComment ? [{ tag: 0x9286, type: 7, data: fields.userComment }] : [];
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]);
  const ifdSize = (n: number) => 2 + n * 12 + 4;
  const ifd0Count = ifd0.length + (exif.length > 0 ? 1 : 0);
  const ifd0Start = 8;
  const exifStart = ifd0Start + ifdSize(ifd0Count);
  let dataAt = exifStart + (exif.length > 0 ? ifdSize(exif.length) : 0);
  const blobs: Buffer[] = [];
  const write = (entries: IfdEntry[], extra: Array<{ tag: number; value: number }>) => {
    const all = [
      ...entries.map((e) => ({ ...e, pointer: null as number | null })),
      ...extra.map((x) => ({ tag: x.tag, type: 4 as const, data: Buffer.alloc(0), pointer: x.value })),
    ].sort((a, b) => a.tag - b.tag);
    const out = Buffer.alloc(ifdSize(all.length));
    out.writeUInt16LE(all.length, 0);
    all.forEach((e, i) => {
      const at = 2 + i * 12;
      out.writeUInt16LE(e.tag, at);
      out.writeUInt16LE(e.type, at + 2);
      if (e.pointer !== null) {
        out.writeUInt32LE(1, at + 4);
        out.writeUInt32LE(e.pointer, at + 8);
      } else {
        out.writeUInt32LE(e.data.length, at + 4);
        if (e.data.length <= 4) e.data.copy(out, at + 8);
        else {
          out.writeUInt32LE(dataAt, at + 8);
          const padded = e.data.length % 2 ? Buffer.concat([e.data, Buffer.from([0])]) : e.data;
          blobs.push(padded);
          dataAt += padded.length;
        }
      }
    });
    out.writeUInt32LE(0, out.length - 4);
    return out;
  };
  const first = write(ifd0, exif.length > 0 ? [{ tag: 0x8769, value: exifStart }] : []);
  const second = exif.length > 0 ? write(exif, []) : Buffer.alloc(0);
  return Buffer.concat([header, first, second, ...blobs]);
}

/** A JPEG with an APP1 Exif segment right after SOI, as piexif.insert places it. */
export async function jpegWithExif(tiff: Buffer, seed = 1): Promise<Buffer> {
  const jpeg = await sharp(await plainPng(32, 24, seed))
    .jpeg({ quality: 80 })
    .toBuffer();
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

/** An extended WebP (VP8X) with an EXIF chunk, as libwebpmux (PIL's `exif=`) writes it. */
export async function webpWithExif(tiff: Buffer, seed = 1): Promise<Buffer> {
  const webp = await sharp(await plainPng(32, 24, seed))
    .webp({ quality: 80 })
    .toBuffer();
  // sharp writes a simple (VP8 only) file: RIFF size WEBP, then the VP8 chunk.
  const image = webp.subarray(12);
  const vp8x = Buffer.alloc(18);
  vp8x.write('VP8X', 0, 'latin1');
  vp8x.writeUInt32LE(10, 4);
  vp8x[8] = 0x08; // EXIF present
  vp8x.writeUIntLE(32 - 1, 12, 3);
  vp8x.writeUIntLE(24 - 1, 15, 3);
  const exifHeader = Buffer.alloc(8);
  exifHeader.write('EXIF', 0, 'latin1');
  exifHeader.writeUInt32LE(tiff.length, 4);
  const pad = tiff.length % 2 ? Buffer.from([0]) : Buffer.alloc(0);
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), vp8x, image, exifHeader, tiff, pad]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

// ---- Each tool's metadata as its writer produces it ----

/** A1111's `create_infotext`: prompt, `Negative prompt: …`, then the parameter line (values quoted by `quote`). */
export function a1111Infotext(fields: {
  prompt: string;
  negative?: string;
  params: Array<[string, string | number]>;
}): string {
  const quote = (v: string | number) => {
    const s = String(v);
    return s.includes(',') || s.includes('\n') || s.includes(':') ? JSON.stringify(s) : s;
  };
  const line = fields.params.map(([k, v]) => `${k}: ${quote(v)}`).join(', ');
  const negative = fields.negative ? `\nNegative prompt: ${fields.negative}` : '';
  return `${fields.prompt}${negative}\n${line}`;
}

/** A ComfyUI API graph with two samplers (base pass, then a latent-upscaled refine pass), as SaveImage stores it. */
export function comfyTwoPassGraph(options: { seed: string; prompt: string; negative: string }): string {
  const graph = `{"3": {"inputs": {"seed": ${options.seed}, "steps": 20, "cfg": 7.5, "sampler_name": "euler", "scheduler": "normal", "denoise": 1, "model": ["10", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}, "class_type": "KSampler", "_meta": {"title": "KSampler"}}, "4": {"inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}, "class_type": "CheckpointLoaderSimple"}, "5": {"inputs": {"width": 832, "height": 1216, "batch_size": 1}, "class_type": "EmptyLatentImage"}, "6": {"inputs": {"text": ${JSON.stringify(options.prompt)}, "clip": ["10", 1]}, "class_type": "CLIPTextEncode"}, "7": {"inputs": {"text": ${JSON.stringify(options.negative)}, "clip": ["10", 1]}, "class_type": "CLIPTextEncode"}, "10": {"inputs": {"lora_name": "detail_tweaker.safetensors", "strength_model": 0.6, "strength_clip": 0.6, "model": ["4", 0], "clip": ["4", 1]}, "class_type": "LoraLoader"}, "11": {"inputs": {"upscale_method": "nearest-exact", "scale_by": 1.5, "samples": ["3", 0]}, "class_type": "LatentUpscaleBy"}, "12": {"inputs": {"seed": ["20", 0], "steps": 12, "cfg": 6, "sampler_name": "dpmpp_2m", "scheduler": "karras", "denoise": 0.45, "model": ["10", 0], "positive": ["13", 0], "negative": ["7", 0], "latent_image": ["11", 0]}, "class_type": "KSampler"}, "13": {"inputs": {"conditioning_1": ["6", 0], "conditioning_2": ["14", 0]}, "class_type": "ConditioningCombine"}, "14": {"inputs": {"text": "sharp details", "clip": ["10", 1]}, "class_type": "CLIPTextEncode"}, "20": {"inputs": {"seed": ${options.seed}}, "class_type": "Seed (rgthree)"}, "8": {"inputs": {"samples": ["12", 0], "vae": ["4", 2]}, "class_type": "VAEDecode"}, "9": {"inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}, "class_type": "SaveImage"}}`;
  return graph;
}

/** The UI graph ComfyUI stores beside it (`workflow`): a minimal one-sampler graph. */
export function comfyWorkflow(options: { seed: number; prompt: string; negative: string }): string {
  return JSON.stringify({
    last_node_id: 9,
    last_link_id: 9,
    nodes: [
      {
        id: 3,
        type: 'KSampler',
        inputs: [
          { name: 'model', type: 'MODEL', link: 1 },
          { name: 'positive', type: 'CONDITIONING', link: 4 },
          { name: 'negative', type: 'CONDITIONING', link: 6 },
          { name: 'latent_image', type: 'LATENT', link: 2 },
        ],
        widgets_values: [options.seed, 'fixed', 25, 6.5, 'dpmpp_2m', 'karras', 1],
      },
      { id: 4, type: 'CheckpointLoaderSimple', inputs: [], widgets_values: ['juggernautXL.safetensors'] },
      { id: 5, type: 'EmptyLatentImage', inputs: [], widgets_values: [1024, 768, 1] },
      {
        id: 6,
        type: 'CLIPTextEncode',
        inputs: [{ name: 'clip', type: 'CLIP', link: 3 }],
        widgets_values: [options.prompt],
      },
      {
        id: 7,
        type: 'CLIPTextEncode',
        inputs: [{ name: 'clip', type: 'CLIP', link: 5 }],
        widgets_values: [options.negative],
      },
      {
        id: 9,
        type: 'SaveImage',
        inputs: [{ name: 'images', type: 'IMAGE', link: 9 }],
        widgets_values: ['ComfyUI'],
      },
    ],
    links: [
      [1, 4, 0, 3, 0, 'MODEL'],
      [2, 5, 0, 3, 3, 'LATENT'],
      [3, 4, 1, 6, 0, 'CLIP'],
      [4, 6, 0, 3, 1, 'CONDITIONING'],
      [5, 4, 1, 7, 0, 'CLIP'],
      [6, 7, 0, 3, 2, 'CONDITIONING'],
    ],
    version: 0.4,
  });
}

/** InvokeAI 4.x `invokeai_metadata` (CoreMetadata, json.dumps of the model). */
export function invokeMetadata(options: { prompt: string; negative: string; seed: number }): string {
  return JSON.stringify({
    generation_mode: 'sdxl_txt2img',
    positive_prompt: options.prompt,
    negative_prompt: options.negative,
    width: 1024,
    height: 1024,
    seed: options.seed,
    rand_device: 'cpu',
    cfg_scale: 6,
    cfg_rescale_multiplier: 0,
    steps: 30,
    scheduler: 'dpmpp_2m_k',
    model: { key: 'a1b2', hash: 'blake3:9f1e2d3c', name: 'Juggernaut XL v9', base: 'sdxl', type: 'main' },
    loras: [
      {
        model: { key: 'c3', hash: 'blake3:abcd', name: 'add-detail-xl', base: 'sdxl', type: 'lora' },
        weight: 0.75,
      },
    ],
    hrf_enabled: true,
    hrf_strength: 0.45,
    hrf_method: 'ESRGAN',
    app_version: '4.2.7',
  });
}

/** A one-sampler API graph the ComfyUI double accepts (core nodes only), as SaveImage stores it. */
export function comfySimpleGraph(options: { seed: string; prompt: string; negative: string }): string {
  return `{"3": {"inputs": {"seed": ${options.seed}, "steps": 12, "cfg": 6.5, "sampler_name": "euler", "scheduler": "karras", "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}, "class_type": "KSampler"}, "4": {"inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}, "class_type": "CheckpointLoaderSimple"}, "5": {"inputs": {"width": 64, "height": 48, "batch_size": 1}, "class_type": "EmptyLatentImage"}, "6": {"inputs": {"text": ${JSON.stringify(options.prompt)}, "clip": ["4", 1]}, "class_type": "CLIPTextEncode"}, "7": {"inputs": {"text": ${JSON.stringify(options.negative)}, "clip": ["4", 1]}, "class_type": "CLIPTextEncode"}, "8": {"inputs": {"samples": ["3", 0], "vae": ["4", 2]}, "class_type": "VAEDecode"}, "9": {"inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}, "class_type": "SaveImage"}}`;
}

/**
 * A mixed folder as a designer's archive holds it: A1111 (PNG and JPEG), ComfyUI, InvokeAI, a plain photo, a
 * corrupt file, a text file (not an image: not imported), one of them in a sub-folder.
 */
export async function mixedFolderFiles(): Promise<Array<{ name: string; bytes: Buffer }>> {
  const a1111 = a1111Infotext({
    prompt: 'a copper kettle on a windowsill, morning light',
    negative: 'blurry, lowres',
    params: [
      ['Steps', 24],
      ['Sampler', 'DPM++ 2M'],
      ['Schedule type', 'Karras'],
      ['CFG scale', 7],
      ['Seed', 1234567],
      ['Size', '512x768'],
      ['Model hash', '31e35c80fc'],
      ['Model', 'sd_xl_base_1.0'],
    ],
  });
  const jpegA1111 = a1111Infotext({
    prompt: 'a paper crane on black velvet',
    params: [
      ['Steps', 20],
      ['Seed', 42],
      ['Size', '512x512'],
    ],
  });
  const comfy = comfySimpleGraph({
    seed: '18446744073709551614',
    prompt: 'a glass lighthouse in a storm',
    negative: 'text',
  });
  const corrupt = (await plainPng(40, 30, 9)).subarray(0, 300);
  return [
    { name: 'a1111/kettle.png', bytes: await pngWithText([pilText('parameters', a1111)], 2) },
    {
      name: 'a1111/crane.jpg',
      bytes: await jpegWithExif(exifBlock({ userComment: userCommentBytes(jpegA1111, 'unicode-be') }), 3),
    },
    {
      name: 'comfy/ComfyUI_00001_.png',
      bytes: await pngWithText(
        [
          pilText('prompt', comfy),
          pilText('workflow', comfyWorkflow({ seed: 1, prompt: 'x', negative: 'y' })),
        ],
        4,
      ),
    },
    {
      name: 'invoke/owl.png',
      bytes: await pngWithText(
        [
          pilText(
            'invokeai_metadata',
            invokeMetadata({ prompt: 'a snowy owl portrait', negative: 'noise', seed: 77 }),
          ),
        ],
        5,
      ),
    },
    {
      name: 'photo.jpg',
      bytes: await sharp(await plainPng(48, 32, 6))
        .jpeg()
        .toBuffer(),
    },
    { name: 'broken.png', bytes: Buffer.from(corrupt) },
    { name: 'notes.txt', bytes: Buffer.from('not an image') },
  ];
}
