// The container writers, read back by independent readers: a plain PNG chunk reader (CRCs checked with zlib),
// exifr for EXIF and XMP in JPEG (and in WebP's EXIF chunk), sharp for what libvips sees. Pixels are never touched.
import { crc32 } from 'node:zlib';
import exifr from 'exifr';
import { encode as encodeText } from 'png-chunk-text';
import encodeChunks from 'png-chunks-encode';
import extractChunks from 'png-chunks-extract';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { embedText } from '.';
import { exifBlock, exifWithUserComment, USER_COMMENT_UNICODE } from './exif';
import { writeJpegMetadata } from './jpeg';
import { writePngText } from './png';
import { writeWebpMetadata } from './webp';
import { provenanceXmp } from './xmp';

interface RawChunk {
  name: string;
  data: Buffer;
}

/** A plain PNG chunk reader: every CRC must match. */
function pngChunks(png: Buffer): RawChunk[] {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const out: RawChunk[] = [];
  let at = 8;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData));
    out.push({ name: typeAndData.toString('latin1', 0, 4), data: Buffer.from(typeAndData.subarray(4)) });
    at += 12 + length;
  }
  return out;
}

/** The text chunks as keyword → text (tEXt Latin-1, iTXt UTF-8 uncompressed). */
function pngTexts(png: Buffer): Record<string, { type: string; text: string }> {
  const out: Record<string, { type: string; text: string }> = {};
  for (const c of pngChunks(png)) {
    if (c.name === 'tEXt') {
      const nul = c.data.indexOf(0);
      out[c.data.toString('latin1', 0, nul)] = { type: 'tEXt', text: c.data.toString('latin1', nul + 1) };
    }
    if (c.name === 'iTXt') {
      const nul = c.data.indexOf(0);
      const keyword = c.data.toString('latin1', 0, nul);
      expect(c.data[nul + 1]).toBe(0); // uncompressed
      const lang = c.data.indexOf(0, nul + 3);
      const translated = c.data.indexOf(0, lang + 1);
      out[keyword] = { type: 'iTXt', text: c.data.toString('utf8', translated + 1) };
    }
  }
  return out;
}

const IMAGE = { create: { width: 24, height: 16, channels: 3 as const, background: '#3070b0' } };
const PARAMS =
  'a café, "warm" light\nNegative prompt: blur\nSteps: 20, Sampler: Euler a, Seed: 7, Size: 24x16';
const NON_LATIN = '東京の夜, neon\nSeed: 1, Size: 24x16, Model: m';
const PROVENANCE = JSON.stringify({ schema: 'atelier.provenance', version: 1, note: '<&> 東京' });

describe('PNG', () => {
  it('writes parameters as tEXt (iTXt when not Latin-1) and atelier as iTXt, before IDAT, IDAT untouched', async () => {
    const png = await sharp(IMAGE).png().toBuffer();
    const out = writePngText(
      png,
      [
        { keyword: 'parameters', text: PARAMS },
        { keyword: 'atelier', text: PROVENANCE, international: true },
      ],
      false,
    );
    const chunks = pngChunks(out);
    const names = chunks.map((c) => c.name);
    expect(names.indexOf('tEXt')).toBeLessThan(names.indexOf('IDAT'));
    expect(names.indexOf('iTXt')).toBeLessThan(names.indexOf('IDAT'));
    expect(pngTexts(out)).toEqual({
      parameters: { type: 'tEXt', text: PARAMS },
      atelier: { type: 'iTXt', text: PROVENANCE },
    });
    const idat = (b: Buffer) =>
      Buffer.concat(
        pngChunks(b)
          .filter((c) => c.name === 'IDAT')
          .map((c) => c.data),
      );
    expect(idat(out).equals(idat(png))).toBe(true);
    expect((await sharp(out).raw().toBuffer()).equals(await sharp(png).raw().toBuffer())).toBe(true);

    const japanese = pngTexts(writePngText(png, [{ keyword: 'parameters', text: NON_LATIN }], false));
    expect(japanese.parameters).toEqual({ type: 'iTXt', text: NON_LATIN });
  });

  it('replaces what the file carried; strip leaves no text, eXIf or C2PA chunk but keeps the colour profile', async () => {
    // A file as another tool left it: a colour profile, EXIF, and text chunks of its own.
    const chunks = extractChunks(
      await sharp(IMAGE)
        .withIccProfile('p3')
        .withExif({ IFD0: { Artist: 'someone' } })
        .png()
        .toBuffer(),
    );
    chunks.splice(1, 0, encodeText('parameters', 'old'), encodeText('Comment', 'from a camera'));
    const tagged = Buffer.from(encodeChunks(chunks));
    expect(pngChunks(tagged).map((c) => c.name)).toEqual(expect.arrayContaining(['iCCP', 'eXIf', 'tEXt']));
    const replaced = writePngText(tagged, [{ keyword: 'parameters', text: 'new' }], false);
    expect(pngTexts(replaced)).toEqual({ parameters: { type: 'tEXt', text: 'new' } });
    const stripped = pngChunks(writePngText(tagged, [], true)).map((c) => c.name);
    expect(stripped).not.toEqual(expect.arrayContaining(['tEXt']));
    expect(stripped.filter((n) => ['tEXt', 'iTXt', 'zTXt', 'eXIf', 'tIME', 'caBX'].includes(n))).toEqual([]);
    expect(stripped).toContain('iCCP');
  });

  it('refuses a PNG with a broken CRC rather than write a broken file', async () => {
    const png = await sharp(IMAGE).png().toBuffer();
    png.writeUInt8(png.readUInt8(png.length - 20) ^ 0xff, png.length - 20); // inside IDAT
    expect(() => writePngText(png, [], false)).toThrow();
  });
});

describe('EXIF UserComment', () => {
  it('is what piexif writes for A1111: big-endian TIFF, UNICODE\\0 + UTF-16BE', () => {
    const tiff = exifWithUserComment('A,東');
    expect(tiff.subarray(0, 4).toString('latin1')).toBe('MM\0*');
    const comment = tiff.subarray(tiff.length - 14);
    expect(comment.subarray(0, 8)).toEqual(USER_COMMENT_UNICODE);
    expect(comment.subarray(8)).toEqual(Buffer.from([0x00, 0x41, 0x00, 0x2c, 0x67, 0x71]));
  });
});

/** exifr's UserComment: the raw value (prefix + UTF-16BE) decoded here, as A1111's readers decode it. */
async function userComment(file: Buffer): Promise<string | null> {
  const tags = await exifr.parse(file, { userComment: true, tiff: true, xmp: false, mergeOutput: true });
  const raw = (tags?.userComment ?? tags?.UserComment) as Uint8Array | string | undefined;
  if (raw === undefined) return null;
  if (typeof raw === 'string') return raw;
  const bytes = Buffer.from(raw);
  expect(bytes.subarray(0, 8)).toEqual(USER_COMMENT_UNICODE);
  return bytes.subarray(8).swap16().toString('utf16le');
}

async function xmpProvenance(file: Buffer): Promise<unknown> {
  const xmp = await exifr.parse(file, { xmp: true, tiff: false, mergeOutput: false });
  return xmp?.atelier?.provenance;
}

/** The JPEG's header segments as [marker, payload start] (up to the scan). */
function jpegSegments(jpeg: Buffer): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let at = 2;
  while (jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
    const length = jpeg.readUInt16BE(at + 2);
    out.push([jpeg[at + 1]!, jpeg.toString('latin1', at + 4, at + 4 + Math.min(length - 2, 29))]);
    at += 2 + length;
  }
  return out;
}

describe('JPEG', () => {
  it('replaces the EXIF and XMP a file carried (GPS included) instead of adding beside them', async () => {
    const jpeg = await sharp(IMAGE)
      .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' } })
      .withXmp(provenanceXmp('{"old":true}', 'camera'))
      .jpeg()
      .toBuffer();
    const out = writeJpegMetadata(
      jpeg,
      { exif: exifWithUserComment(PARAMS), xmp: provenanceXmp(PROVENANCE, 'Atelier 1.0') },
      false,
    );
    const app1 = jpegSegments(out).filter(([marker]) => marker === 0xe1);
    expect(app1.map(([, head]) => head.slice(0, 4))).toEqual(['Exif', 'http']);
    expect(await exifr.gps(out)).toBeUndefined();
  });

  it('carries the parameters as EXIF UserComment and the provenance as XMP; the scan is copied as it is', async () => {
    const jpeg = await sharp(IMAGE).jpeg().toBuffer();
    const out = writeJpegMetadata(
      jpeg,
      { exif: exifWithUserComment(NON_LATIN), xmp: provenanceXmp(PROVENANCE, 'Atelier 1.0') },
      false,
    );
    expect(await userComment(out)).toBe(NON_LATIN);
    expect(JSON.parse(String(await xmpProvenance(out)))).toEqual(JSON.parse(PROVENANCE));
    const heads = (b: Buffer, n: number) =>
      jpegSegments(b)
        .slice(0, n)
        .map(([, head]) => head.slice(0, 4));
    expect(heads(out, 2)).toEqual(['Exif', 'http']);
    // With a JFIF header (APP0), EXIF comes right after it, where readers look first.
    const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    const jfif = Buffer.concat([jpeg.subarray(0, 2), app0, jpeg.subarray(2)]);
    const withJfif = writeJpegMetadata(jfif, { exif: exifWithUserComment(NON_LATIN) }, false);
    expect(heads(withJfif, 2)).toEqual(['JFIF', 'Exif']);
    expect(await userComment(withJfif)).toBe(NON_LATIN);
    const sos = (b: Buffer) => b.subarray(b.indexOf(Buffer.from([0xff, 0xda])));
    expect(sos(out).equals(sos(jpeg))).toBe(true);
    expect((await sharp(out).raw().toBuffer()).equals(await sharp(jpeg).raw().toBuffer())).toBe(true);
  });

  it('strip removes EXIF with GPS, XMP and comments, and keeps the ICC profile', async () => {
    const jpeg = await sharp(IMAGE)
      .withIccProfile('p3')
      .withExif({
        IFD0: { Artist: 'photographer' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '48/1 51/1 24/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '2/1 21/1 3/1',
        },
      })
      .withXmp(provenanceXmp('{"who":"me"}', 'camera'))
      .jpeg()
      .toBuffer();
    const before = await exifr.parse(jpeg, { gps: true });
    expect(before.latitude).toBeCloseTo(48.8567, 3);
    const stripped = writeJpegMetadata(jpeg, {}, true);
    expect(await exifr.parse(stripped, { gps: true, xmp: true, tiff: true, icc: false })).toBeUndefined();
    const meta = await sharp(stripped).metadata();
    expect([meta.exif, meta.xmp, meta.iptc]).toEqual([undefined, undefined, undefined]);
    expect(meta.icc).toBeDefined();
  });
});

/** The EXIF and XMP chunks of a WebP, as libvips reads them. */
async function webpMetadata(file: Buffer) {
  const meta = await sharp(file).metadata();
  const exif = meta.exif ? Buffer.from(meta.exif) : undefined;
  // libvips hands EXIF back with the `Exif\0\0` APP1 header in front; exifr reads the TIFF that follows.
  const tiff = exif && exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  return { meta, tiff, xmp: meta.xmp?.toString('utf8') };
}

describe('WebP', () => {
  for (const [label, encode] of [
    ['lossy, simple format', (s: Sharp) => s.webp({ quality: 80 })],
    ['lossless with alpha', (s: Sharp) => s.ensureAlpha(0.5).webp({ lossless: true })],
    ['with an ICC profile (extended format)', (s: Sharp) => s.withIccProfile('p3').webp()],
  ] as const) {
    it(`carries EXIF UserComment and XMP (${label}); the image decodes to the same pixels`, async () => {
      const webp = await encode(sharp(IMAGE)).toBuffer();
      const out = writeWebpMetadata(webp, {
        exif: exifWithUserComment(PARAMS),
        xmp: provenanceXmp(PROVENANCE, 'Atelier 1.0'),
      });
      const { meta, tiff, xmp } = await webpMetadata(out);
      expect(tiff && (await userComment(tiff))).toBe(PARAMS);
      // exifr does not read WebP; the packet libvips found is the one written, its record parses back.
      const record = /<atelier:provenance>(.*)<\/atelier:provenance>/.exec(xmp ?? '')?.[1];
      expect(JSON.parse(record ?? 'null')).toEqual(JSON.parse(PROVENANCE));
      expect([meta.width, meta.height]).toEqual([24, 16]);
      expect((await sharp(out).raw().toBuffer()).equals(await sharp(webp).raw().toBuffer())).toBe(true);

      const stripped = await webpMetadata(writeWebpMetadata(out, {}));
      expect([stripped.meta.exif, stripped.meta.xmp]).toEqual([undefined, undefined]);
    });
  }
});

describe('modes', () => {
  const text = { parameters: PARAMS, provenance: PROVENANCE, comfyGraph: '{"3":{"class_type":"KSampler"}}' };

  it('PNG: full writes parameters, atelier and the ComfyUI graph; parameters mode only the A1111 text', async () => {
    const png = await sharp(IMAGE).png().toBuffer();
    const full = pngTexts(await embedText({ bytes: png, format: 'png' }, text, 'full', 'Atelier 1'));
    expect(Object.keys(full)).toEqual(['parameters', 'atelier', 'prompt']);
    const params = pngTexts(await embedText({ bytes: png, format: 'png' }, text, 'parameters', 'Atelier 1'));
    expect(params).toEqual({ parameters: { type: 'tEXt', text: PARAMS } });
  });

  it('JPEG: parameters mode has the UserComment and no XMP', async () => {
    const jpeg = await sharp(IMAGE).jpeg().toBuffer();
    const out = await embedText({ bytes: jpeg, format: 'jpeg' }, text, 'parameters', 'Atelier 1');
    expect(await userComment(out)).toBe(PARAMS);
    expect((await sharp(out).metadata()).xmp).toBeUndefined();
  });

  it('a JPEG keeps its DPI (libvips puts it in EXIF, no JFIF) beside the UserComment; strip moves it to JFIF', async () => {
    const cmyk = await sharp(IMAGE)
      .withExif({ IFD0: { Artist: 'someone' } })
      .toColourspace('cmyk')
      .withIccProfile('cmyk')
      .withDensity(300)
      .jpeg()
      .toBuffer();
    expect(await sharp(cmyk).metadata()).toMatchObject({ space: 'cmyk', density: 300 });
    for (const mode of ['full', 'parameters'] as const) {
      const out = await embedText({ bytes: cmyk, format: 'jpeg' }, text, mode, 'A 1');
      const meta = await sharp(out).metadata();
      expect({ mode, space: meta.space, density: meta.density, icc: meta.icc !== undefined }).toEqual({
        mode,
        space: 'cmyk',
        density: 300,
        icc: true,
      });
      const tags = await exifr.parse(out, { tiff: true, xmp: false, icc: false, mergeOutput: true });
      expect(tags.Artist).toBeUndefined();
      expect([tags.XResolution, tags.YResolution, tags.ResolutionUnit]).toEqual([300, 300, 'inches']);
      expect(await userComment(out)).toBe(PARAMS);
    }
    // Strip leaves no EXIF, so the DPI goes into a JFIF header, right after SOI; pixels and colours untouched.
    const strippedBytes = await embedText({ bytes: cmyk, format: 'jpeg' }, null, 'strip', 'A 1');
    const stripped = await sharp(strippedBytes).metadata();
    expect({
      space: stripped.space,
      exif: stripped.exif,
      density: stripped.density,
      icc: stripped.icc !== undefined,
    }).toEqual({ space: 'cmyk', exif: undefined, density: 300, icc: true });
    expect(strippedBytes.subarray(2, 4)).toEqual(Buffer.from([0xff, 0xe0]));
    expect(strippedBytes.subarray(6, 11).toString('latin1')).toBe('JFIF\0');
    expect(await exifr.parse(strippedBytes, { tiff: true, xmp: true, icc: false })).toBeUndefined();
    expect(await sharp(strippedBytes).raw().toBuffer()).toEqual(await sharp(cmyk).raw().toBuffer());
    // A resolution in dots per centimetre stays in centimetres (JFIF units 2): 118 per cm is 300 per inch.
    const perCm = writeJpegMetadata(
      cmyk,
      { exif: exifBlock({ userComment: null, resolution: { x: [118, 1], y: [118, 1], unit: 3 } }) },
      false,
    );
    const perCmStripped = await embedText({ bytes: perCm, format: 'jpeg' }, null, 'strip', 'A 1');
    expect(perCmStripped[13]).toBe(2);
    expect((await sharp(perCmStripped).metadata()).density).toBe(300);
    // A JFIF header keeps its own density (APP0 stays in every mode).
    const app0 = Buffer.from([
      0xff,
      0xe0,
      0x00,
      0x10,
      ...Buffer.from('JFIF\0'),
      1,
      1,
      1,
      0,
      150,
      0,
      150,
      0,
      0,
    ]);
    const plain = await sharp(IMAGE).jpeg().toBuffer();
    const jfif = Buffer.concat([plain.subarray(0, 2), app0, plain.subarray(2)]);
    const kept = await sharp(
      await embedText({ bytes: jfif, format: 'jpeg' }, null, 'strip', 'A 1'),
    ).metadata();
    expect([kept.density, kept.exif]).toEqual([150, undefined]);
  });

  it('AVIF and TIFF: strip re-encodes only a file that carries EXIF or XMP, keeping its size', async () => {
    const tiff = await sharp(IMAGE).withXmp(provenanceXmp('{}', 'x')).tiff().toBuffer();
    expect((await sharp(tiff).metadata()).xmp).toBeDefined();
    const stripped = await embedText({ bytes: tiff, format: 'tiff' }, null, 'strip', 'Atelier 1');
    const meta = await sharp(stripped).metadata();
    expect([meta.xmp, meta.exif, meta.width, meta.height]).toEqual([undefined, undefined, 24, 16]);
    const clean = await sharp(IMAGE).tiff().toBuffer();
    expect(await embedText({ bytes: clean, format: 'tiff' }, null, 'strip', 'Atelier 1')).toBe(clean);
  });
});

describe('a provenance record larger than a JPEG segment', () => {
  it('leaves out the template values, then the prompt, says so, and still writes a readable file', async () => {
    const record = {
      schema: 'atelier.provenance',
      request: { prompt: 'p'.repeat(4000), negativePrompt: 'n' },
      template: {
        versionId: 1,
        values: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`v${i}`, '東'.repeat(2000)])),
      },
    };
    const jpeg = await sharp(IMAGE).jpeg().toBuffer();
    const text = { parameters: PARAMS, provenance: JSON.stringify(record), comfyGraph: null };
    const out = await embedText({ bytes: jpeg, format: 'jpeg' }, text, 'full', 'Atelier 1');
    const read = JSON.parse(String(await xmpProvenance(out)));
    expect(read.omitted).toEqual(['template.values']);
    expect(read.template.values).toEqual({});
    expect(read.request.prompt).toBe(record.request.prompt);
    expect(await userComment(out)).toBe(PARAMS);
  });
});
