// Atelier writes (metadata/write), Atelier reads back (metadata/read): the same values, PNG and JPEG.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PROVENANCE_PNG_KEYWORD, PROVENANCE_SCHEMA, PROVENANCE_VERSION } from '../../../../shared/provenance';
import { exifWithUserComment, formatInfotext } from '../write';
import { writeJpegMetadata } from '../write/jpeg';
import { writePngText } from '../write/png';
import { provenanceXmp } from '../write/xmp';
import { readImageMetadata } from '.';

const infotext = formatInfotext({
  prompt: 'a teal chair, "mid-century", 東京',
  negativePrompt: 'people, text',
  steps: 30,
  sampler: 'DPM++ 2M',
  scheduleType: 'Karras',
  cfgScale: 4.5,
  seed: 4_000_000_001,
  width: 1024,
  height: 768,
  model: 'gpt-image-1',
});
const provenance = JSON.stringify({
  schema: PROVENANCE_SCHEMA,
  version: PROVENANCE_VERSION,
  atelierVersion: '0.1.0',
  run: { id: 12, provider: 'openai', model: 'gpt-image-1', seed: 4_000_000_001 },
  request: {
    prompt: 'a teal chair, "mid-century", 東京',
    negativePrompt: 'people, text',
    steps: 30,
    guidance: 4.5,
    size: { width: 1024, height: 768 },
  },
});

describe('what Atelier writes, Atelier reads back', () => {
  it('PNG: parameters text and the atelier iTXt record', async () => {
    const png = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#088' } })
      .png()
      .toBuffer();
    const out = writePngText(
      png,
      [
        { keyword: 'parameters', text: infotext },
        { keyword: PROVENANCE_PNG_KEYWORD, text: provenance, international: true },
      ],
      true,
    );
    const read = await readImageMetadata(out);
    expect(read.source).toBe('atelier');
    expect(read.parameters).toMatchObject({
      prompt: 'a teal chair, "mid-century", 東京',
      negativePrompt: 'people, text',
      seed: '4000000001',
      steps: 30,
      cfg: 4.5,
      sampler: 'DPM++ 2M',
      scheduler: 'Karras',
      width: 1024,
      height: 768,
      model: { name: 'gpt-image-1' },
      tool: 'Atelier 0.1.0',
    });
  });

  it('JPEG: UserComment (UTF-16, UNICODE prefix) and the XMP record', async () => {
    const jpeg = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#088' } })
      .jpeg()
      .toBuffer();
    const out = writeJpegMetadata(
      jpeg,
      { exif: exifWithUserComment(infotext), xmp: provenanceXmp(provenance, 'Atelier 0.1.0') },
      true,
    );
    const read = await readImageMetadata(out);
    expect(read.source).toBe('atelier');
    expect(read.parameters).toMatchObject({
      prompt: 'a teal chair, "mid-century", 東京',
      seed: '4000000001',
      scheduler: 'Karras',
    });
    expect(read.raw.UserComment).toBe(infotext);
  });
});
