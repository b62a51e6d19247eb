import exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import {
  a1111Infotext,
  comfyTwoPassGraph,
  comfyWorkflow,
  exifBlock,
  invokeMetadata,
  jpegWithExif,
  pilText,
  pngWith,
  pngWithText,
  textChunk,
  userCommentBytes,
  webpWithExif,
} from '../../../../test/support/metadata-files';
import { parameterPairs, parseA1111 } from './a1111';
import { readImageMetadata } from './index';
import { parseMidjourney } from './midjourney';
import { decodeUserComment } from './user-comment';

const BIG_SEED = '18446744073709551615'; // 2^64 − 1, ComfyUI's largest seed

const A1111_TEXT = a1111Infotext({
  prompt: 'a "quoted" castle, at dusk\r\nsecond line <lora:add_detail:0.7>',
  negative: 'blurry, lowres',
  params: [
    ['Steps', 28],
    ['Sampler', 'DPM++ 2M'],
    ['Schedule type', 'Karras'],
    ['CFG scale', 6.5],
    ['Seed', '9007199254740993'],
    ['Size', '832x1216'],
    ['Model hash', '31e35c80fc'],
    ['Model', 'sd_xl_base_1.0'],
    ['Denoising strength', 0.4],
    ['Hires upscale', 1.5],
    ['Hires steps', 12],
    ['Hires upscaler', '4x-UltraSharp'],
    ['ADetailer model', 'face_yolov8n.pt'],
    ['ADetailer confidence', 0.3],
    ['ADetailer model 2nd', 'hand_yolov8n.pt'],
    ['ADetailer prompt 2nd', 'detailed hands, five fingers'],
    ['ADetailer version', '24.4.2'],
    ['Lora hashes', 'add_detail: 7c6bad76eb54, other lora: 0123456789ab'],
    ['Version', 'f2.0.1v1.10.1-previous-313-g8a042934'],
  ],
});

describe('A1111 infotext', () => {
  it('reads prompt, negative and every parameter, with quoting, CRLF and hires and ADetailer passes', () => {
    const p = parseA1111(A1111_TEXT);
    expect(p.prompt).toBe('a "quoted" castle, at dusk\nsecond line <lora:add_detail:0.7>');
    expect(p.negativePrompt).toBe('blurry, lowres');
    expect(p).toMatchObject({
      steps: 28,
      sampler: 'DPM++ 2M',
      scheduler: 'Karras',
      cfg: 6.5,
      seed: '9007199254740993',
      width: 832,
      height: 1216,
      model: { name: 'sd_xl_base_1.0', hash: '31e35c80fc' },
      hires: { upscale: 1.5, steps: 12, upscaler: '4x-UltraSharp', denoise: 0.4, width: null, height: null },
      tool: 'Forge f2.0.1v1.10.1-previous-313-g8a042934',
    });
    expect(p.adetailer).toEqual([
      { model: 'face_yolov8n.pt', settings: { confidence: '0.3' } },
      { model: 'hand_yolov8n.pt', settings: { prompt: 'detailed hands, five fingers' } },
    ]);
    expect(p.extra['ADetailer version']).toBe('24.4.2');
    expect(p.loras).toEqual([
      { name: 'add_detail', weight: 0.7, hash: '7c6bad76eb54' },
      { name: 'other lora', weight: null, hash: '0123456789ab' },
    ]);
  });

  it('keeps a last line with fewer than 3 pairs as prompt text, as A1111 does', () => {
    const p = parseA1111('a cat\nstyle: watercolor, mood: calm');
    expect(p.prompt).toBe('a cat\nstyle: watercolor, mood: calm');
    expect(p.steps).toBeNull();
  });

  it('unquotes JSON-quoted values holding commas, colons and escaped quotes', () => {
    expect(parameterPairs('Steps: 20, Hashes: {"vae": "x"}, Note: "a, b: \\"c\\"", Seed: 1')).toContainEqual([
      'Note',
      'a, b: "c"',
    ]);
  });

  it('reads Civitai Hashes JSON for model and LoRA hashes', () => {
    const p = parseA1111(
      a1111Infotext({
        prompt: 'x <lora:foo:1>',
        params: [
          ['Steps', 20],
          ['Seed', 5],
          ['Model', 'm'],
          ['Hashes', '{"model": "abcdef1234", "lora:foo": "99887766"}'],
        ],
      }),
    );
    expect(p.model).toEqual({ name: 'm', hash: 'abcdef1234' });
    expect(p.loras).toEqual([{ name: 'foo', weight: 1, hash: '99887766' }]);
  });
});

describe('containers and tools', () => {
  it('reads A1111 parameters from a PNG tEXt chunk, non-Latin prompts from iTXt', async () => {
    const latin = await readImageMetadata(await pngWithText([pilText('parameters', A1111_TEXT)]));
    expect(latin.source).toBe('a1111');
    expect(latin.parameters?.seed).toBe('9007199254740993');
    const japanese = a1111Infotext({
      prompt: '富士山の夜明け、桜',
      params: [
        ['Steps', 20],
        ['Seed', 7],
        ['Size', '512x512'],
      ],
    });
    const chunk = pilText('parameters', japanese);
    expect(chunk.type).toBe('iTXt');
    const read = await readImageMetadata(await pngWithText([chunk]));
    expect(read.parameters?.prompt).toBe('富士山の夜明け、桜');
    const latin1 = await readImageMetadata(
      await pngWithText([pilText('parameters', 'café crème\nSteps: 1, Seed: 2, Size: 8x8')]),
    );
    expect(latin1.parameters?.prompt).toBe('café crème');
  });

  it('reads zTXt and compressed iTXt, and chunks written after the pixels', async () => {
    const file = await pngWith(
      [textChunk({ type: 'zTXt', key: 'parameters', text: 'zipped\nSteps: 3, Seed: 4, Size: 8x8' })],
      {
        after: [textChunk({ type: 'iTXt', key: 'note', text: 'späte Notiz', compressed: true })],
      },
    );
    const read = await readImageMetadata(file);
    expect(read.parameters?.prompt).toBe('zipped');
    expect(read.raw.note).toBe('späte Notiz');
  });

  it('skips a chunk whose CRC is wrong, says so, and still reads the others', async () => {
    const file = await pngWith([
      textChunk({ type: 'tEXt', key: 'prompt', text: '{"broken": true' }, { badCrc: true }),
      textChunk(pilText('parameters', A1111_TEXT)),
    ]);
    const read = await readImageMetadata(file);
    expect(read.source).toBe('a1111');
    expect(read.raw.prompt).toBeUndefined();
    expect(read.warnings.join(' ')).toMatch(/checksum/);
  });

  it('decodes UserComment in both UTF-16 byte orders, and ASCII', () => {
    const text = 'a fox, 狐\nSteps: 20, Seed: 1, Size: 8x8';
    expect(decodeUserComment(userCommentBytes(text, 'unicode-be'))).toBe(text);
    expect(decodeUserComment(userCommentBytes(text, 'unicode-le'))).toBe(text);
    expect(decodeUserComment(userCommentBytes('plain', 'ascii'))).toBe('plain');
  });

  it.each(['unicode-be', 'unicode-le'] as const)(
    'reads A1111 from JPEG and WebP UserComment (%s)',
    async (order) => {
      const tiff = exifBlock({ userComment: userCommentBytes(A1111_TEXT, order) });
      for (const file of [await jpegWithExif(tiff), await webpWithExif(tiff)]) {
        const read = await readImageMetadata(file);
        expect(read.source).toBe('a1111');
        expect(read.parameters?.negativePrompt).toBe('blurry, lowres');
        expect(read.parameters?.seed).toBe('9007199254740993');
      }
      // An independent reader agrees the field is there.
      const independent = await exifr.parse(await jpegWithExif(tiff), { userComment: true });
      expect(decodeUserComment(independent.userComment ?? independent.UserComment)).toBe(A1111_TEXT);
    },
  );

  it('follows a ComfyUI graph with two samplers: the final pass, the first kept, seeds past 2^53 exact', async () => {
    const graph = comfyTwoPassGraph({
      seed: BIG_SEED,
      prompt: 'a lighthouse, "storm"\nwaves',
      negative: 'text, watermark',
    });
    const file = await pngWithText([
      pilText('prompt', graph),
      pilText('workflow', comfyWorkflow({ seed: 1, prompt: 'x', negative: 'y' })),
    ]);
    const read = await readImageMetadata(file);
    expect(read.source).toBe('comfyui');
    const p = read.parameters!;
    expect(p).toMatchObject({
      prompt: 'a lighthouse, "storm"\nwaves\nsharp details',
      negativePrompt: 'text, watermark',
      seed: BIG_SEED,
      steps: 12,
      cfg: 6,
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      width: 832,
      height: 1216,
      model: { name: 'sd_xl_base_1.0.safetensors', hash: null },
      loras: [{ name: 'detail_tweaker.safetensors', weight: 0.6, hash: null }],
    });
    expect(p.otherSamplers).toHaveLength(1);
    expect(p.otherSamplers[0]).toMatchObject({
      nodeId: '3',
      seed: BIG_SEED,
      steps: 20,
      prompt: 'a lighthouse, "storm"\nwaves',
    });
    expect(read.raw.prompt).toBe(graph);
  });

  it('reads the UI workflow when the API graph is missing', async () => {
    const file = await pngWithText([
      pilText('workflow', comfyWorkflow({ seed: 123456, prompt: 'a tram in fog', negative: 'people' })),
    ]);
    const p = (await readImageMetadata(file)).parameters!;
    expect(p).toMatchObject({
      source: 'comfyui',
      prompt: 'a tram in fog',
      negativePrompt: 'people',
      seed: '123456',
      steps: 25,
      cfg: 6.5,
      width: 1024,
      height: 768,
    });
    expect(p.model?.name).toBe('juggernautXL.safetensors');
  });

  it('reads ComfyUI graphs from WebP EXIF Make/Model fields', async () => {
    const graph = comfyTwoPassGraph({ seed: '42', prompt: 'webp lighthouse', negative: 'n' });
    const tiff = exifBlock({
      ifd0: {
        272: `prompt:${graph}`,
        271: `workflow:${comfyWorkflow({ seed: 1, prompt: 'x', negative: 'y' })}`,
      },
    });
    const read = await readImageMetadata(await webpWithExif(tiff));
    expect(read.source).toBe('comfyui');
    expect(read.parameters?.prompt).toBe('webp lighthouse\nsharp details');
  });

  it('reads InvokeAI metadata, older sd-metadata and Dream', async () => {
    const v4 = await readImageMetadata(
      await pngWithText([
        pilText('invokeai_metadata', invokeMetadata({ prompt: 'owl', negative: 'noise', seed: 77 })),
      ]),
    );
    expect(v4.parameters).toMatchObject({
      source: 'invokeai',
      prompt: 'owl',
      negativePrompt: 'noise',
      seed: '77',
      steps: 30,
      cfg: 6,
      scheduler: 'dpmpp_2m_k',
      model: { name: 'Juggernaut XL v9', hash: 'blake3:9f1e2d3c' },
      tool: 'InvokeAI 4.2.7',
    });
    expect(v4.parameters?.loras).toEqual([{ name: 'add-detail-xl', weight: 0.75, hash: 'blake3:abcd' }]);
    expect(v4.parameters?.hires?.denoise).toBe(0.45);
    const sd = JSON.stringify({
      model: 'stable diffusion',
      model_weights: 'stable-diffusion-1.5',
      model_hash: 'cc6cb27103',
      app_id: 'invoke-ai/InvokeAI',
      app_version: '2.3.0',
      image: {
        prompt: [{ prompt: 'a cabin [fog, people]', weight: 1 }],
        steps: 50,
        cfg_scale: 7.5,
        height: 512,
        width: 768,
        seed: 3141,
        sampler: 'k_lms',
        type: 'txt2img',
      },
    });
    const v2 = await readImageMetadata(
      await pngWithText([
        pilText('sd-metadata', sd),
        pilText('Dream', '"a cabin [fog, people]" -s 50 -S 3141'),
      ]),
    );
    expect(v2.parameters).toMatchObject({
      prompt: 'a cabin',
      negativePrompt: 'fog, people',
      seed: '3141',
      steps: 50,
      width: 768,
      sampler: 'k_lms',
      model: { name: 'stable-diffusion-1.5', hash: 'cc6cb27103' },
    });
    const dream = await readImageMetadata(
      await pngWithText([
        pilText('Dream', '"an \\"old\\" mill [rain]" -s 40 -S 99 -W 640 -H 448 -C 8.5 -A k_euler_a'),
      ]),
    );
    expect(dream.parameters).toMatchObject({
      prompt: 'an "old" mill',
      negativePrompt: 'rain',
      steps: 40,
      seed: '99',
      width: 640,
      height: 448,
      cfg: 8.5,
      sampler: 'k_euler_a',
    });
  });

  it('reads NovelAI, Fooocus (both schemes) and SwarmUI', async () => {
    const nai = await readImageMetadata(
      await pngWithText([
        pilText('Title', 'NovelAI generated image'),
        pilText('Description', 'a knight, cherry blossoms'),
        pilText('Software', 'NovelAI'),
        pilText('Source', 'NovelAI Diffusion V4.5 4BDE2A90'),
        pilText(
          'Comment',
          JSON.stringify({
            prompt: 'a knight, cherry blossoms',
            steps: 28,
            height: 1216,
            width: 832,
            scale: 5,
            seed: 2718281828,
            sampler: 'k_euler_ancestral',
            noise_schedule: 'karras',
            uc: 'lowres, bad anatomy',
            cfg_rescale: 0,
          }),
        ),
      ]),
    );
    expect(nai.parameters).toMatchObject({
      source: 'novelai',
      prompt: 'a knight, cherry blossoms',
      negativePrompt: 'lowres, bad anatomy',
      seed: '2718281828',
      cfg: 5,
      width: 832,
      model: { hash: '4BDE2A90' },
    });
    const fooocusJson = JSON.stringify({
      prompt: 'a bowl of ramen',
      negative_prompt: '',
      styles: "['Fooocus V2', 'Fooocus Enhance']",
      performance: 'Speed',
      steps: 30,
      resolution: '(1152, 896)',
      guidance_scale: 4,
      sharpness: 2,
      base_model: 'juggernautXL_v8Rundiffusion',
      base_model_hash: 'aeb7e9e689',
      sampler: 'dpmpp_2m_sde_gpu',
      scheduler: 'karras',
      seed: '1234567890123',
      lora_combined_1: 'sd_xl_offset_example-lora_1.0.safetensors : 0.1',
      version: 'Fooocus v2.5.5',
    });
    const fooocus = await readImageMetadata(
      await pngWithText([pilText('parameters', fooocusJson), pilText('fooocus_scheme', 'fooocus')]),
    );
    expect(fooocus.parameters).toMatchObject({
      source: 'fooocus',
      prompt: 'a bowl of ramen',
      seed: '1234567890123',
      width: 1152,
      height: 896,
      cfg: 4,
      tool: 'Fooocus v2.5.5',
      model: { name: 'juggernautXL_v8Rundiffusion', hash: 'aeb7e9e689' },
    });
    expect(fooocus.parameters?.loras).toEqual([
      { name: 'sd_xl_offset_example-lora_1.0.safetensors', weight: 0.1, hash: null },
    ]);
    const fooocusA1111 = await readImageMetadata(
      await pngWithText([
        pilText('parameters', 'ramen\nSteps: 30, Seed: 5, Size: 8x8, Version: Fooocus v2.5.5'),
        pilText('fooocus_scheme', 'a1111'),
      ]),
    );
    expect(fooocusA1111.parameters).toMatchObject({
      source: 'fooocus',
      prompt: 'ramen',
      tool: 'Fooocus v2.5.5',
    });
    const swarm = JSON.stringify({
      sui_image_params: {
        prompt: 'a paper boat',
        negativeprompt: 'blur',
        model: 'OfficialStableDiffusion/sd_xl_base_1.0',
        seed: 1765,
        steps: 20,
        cfgscale: 7,
        aspectratio: '1:1',
        width: 1024,
        height: 1024,
        sampler: 'euler',
        scheduler: 'normal',
        loras: ['detail'],
        loraweights: ['0.8'],
        swarm_version: '0.9.4.0',
      },
      sui_models: [{ name: 'detail.safetensors', param: 'loras', hash: '0xabc' }],
    });
    const sw = await readImageMetadata(await pngWithText([pilText('parameters', swarm)]));
    expect(sw.parameters).toMatchObject({
      source: 'swarmui',
      prompt: 'a paper boat',
      negativePrompt: 'blur',
      seed: '1765',
      cfg: 7,
      tool: 'SwarmUI 0.9.4.0',
      loras: [{ name: 'detail', weight: 0.8, hash: '0xabc' }],
    });
  });

  it("reads Atelier's own provenance record (PNG iTXt and XMP) and tolerates fields it does not know", async () => {
    const record = {
      schema: 'atelier.provenance',
      version: 2,
      atelierVersion: '0.1.0',
      run: { id: 12, provider: 'openai', model: 'gpt-image-1', seed: 77 },
      request: { prompt: 'a teal chair', negativePrompt: 'people', steps: 30, guidance: 4 },
      futureField: { x: 1 },
    };
    const png = await readImageMetadata(
      await pngWithText([
        pilText('parameters', 'a teal chair\nSteps: 30, Seed: 77, Size: 64x64'),
        { type: 'iTXt', key: 'atelier', text: JSON.stringify(record) },
      ]),
    );
    expect(png.parameters).toMatchObject({
      source: 'atelier',
      prompt: 'a teal chair',
      negativePrompt: 'people',
      seed: '77',
      steps: 30,
      cfg: 4,
      model: { name: 'gpt-image-1' },
      tool: 'Atelier 0.1.0',
    });
    expect(png.parameters?.width).toBe(64);
  });

  it('answers plain for a photo without parameters, and a warning (never a throw) for a broken EXIF block', async () => {
    const plain = await readImageMetadata(await pngWithText([]));
    expect(plain).toMatchObject({ source: 'plain', parameters: null });
    const broken = await readImageMetadata(
      await jpegWithExif(Buffer.from('II*\0\xff\xff\xff\xff garbage', 'latin1')),
    );
    expect(broken.source).toBe('plain');
  });
});

describe('Midjourney prompt lines', () => {
  it('parses the flags into the run and keeps the prompt', () => {
    const p = parseMidjourney(
      '/imagine prompt: a red fox, studio light --ar 3:2 --s 250 --c 10 --v 6.1 --seed 42 --no text, logo --sref https://s.mj.run/abc 123456 --cref https://x.y/c.png --cw 50 --style raw --q 2 --tile',
    );
    expect(p).toMatchObject({
      source: 'midjourney',
      prompt: 'a red fox, studio light',
      negativePrompt: 'text, logo',
      seed: '42',
    });
    expect(p.midjourney).toMatchObject({
      aspectRatio: '3:2',
      stylize: 250,
      chaos: 10,
      version: '6.1',
      styleRaw: true,
      quality: 2,
      tile: true,
      sref: ['https://s.mj.run/abc', '123456'],
      cref: ['https://x.y/c.png'],
      other: { cw: '50' },
    });
    expect(parseMidjourney('castle —ar 16:9 --niji 6 --stylize 100 --chaos 5').midjourney).toMatchObject({
      aspectRatio: '16:9',
      niji: '6',
      stylize: 100,
      chaos: 5,
    });
  });
});
