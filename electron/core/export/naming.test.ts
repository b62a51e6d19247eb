import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NAME_TEMPLATE } from '../../../shared/export-contract';
import {
  createNameBook,
  insideFolder,
  MAX_PATH_CHARS,
  MAX_SEGMENT_CHARS,
  type NameValues,
  numbered,
  parseTemplate,
  promptSlug,
  renderPath,
  sanitizeSegment,
} from './naming';

const values = (over: Partial<NameValues> = {}): NameValues => ({
  board: 'Spring brief',
  style: 'Gouache Dusk',
  slug: 'a-lighthouse-at-dusk',
  seed: 77,
  width: 1080,
  height: 1350,
  ext: 'webp',
  preset: 'meta-feed',
  size: 'feed-1080x1350',
  run: 12,
  output: 31,
  index: 1,
  provider: 'openai',
  model: 'gpt-image-1',
  date: '2026-11-16',
  aspect: '16x9',
  batch: 3,
  ...over,
});

const render = (template: string, over: Partial<NameValues> = {}) =>
  renderPath(parseTemplate(template), values(over));

describe('naming template', () => {
  it('fills the fields, the template slashes making folders', () => {
    expect(render('{board}/{style}/{slug}-{seed}-{width}x{height}.{ext}')).toBe(
      'Spring brief/Gouache Dusk/a-lighthouse-at-dusk-77-1080x1350.webp',
    );
    expect(render(DEFAULT_NAME_TEMPLATE)).toBe('meta-feed/a-lighthouse-at-dusk-77-1080x1350.webp');
    expect(render('batch-{batch}/{slug}-{seed}-{aspect}')).toBe('batch-3/a-lighthouse-at-dusk-77-16x9.webp');
    expect(render('{batch}/{slug}', { batch: null })).toBe('no-batch/a-lighthouse-at-dusk.webp');
  });

  it('adds the extension when the template has none, and names missing values', () => {
    expect(render('{run}-{index}')).toBe('12-1.webp');
    expect(render('{board}/{seed}', { board: null, seed: null })).toBe('no-board/no-seed.webp');
  });

  it('refuses an unknown or unclosed field, naming the template', () => {
    expect(() => parseTemplate('{slug}-{colour}.{ext}')).toThrow(/template: has no field \{colour\}/);
    expect(() => parseTemplate('{slug.{ext}')).toThrow(/template/);
  });

  it('never leaves the folder: .. segments, absolute paths, drive letters and values with slashes', () => {
    const root = path.join(os.tmpdir(), 'atelier-export-root');
    for (const template of [
      '../../etc/{slug}.{ext}',
      '/etc/passwd',
      'C:\\Windows\\{slug}',
      '..\\..\\{slug}',
      './../{slug}',
    ]) {
      const relative = render(template);
      const resolved = insideFolder(root, relative);
      expect(resolved.startsWith(root + path.sep), `${template} → ${relative}`).toBe(true);
      expect(relative.split('/')).not.toContain('..');
    }
    // A value never makes a folder of its own.
    expect(render('{board}/{slug}.{ext}', { board: '../../../tmp', slug: '..' })).toBe('__-..-..-tmp/_.webp');
    expect(() => insideFolder(root, '../x.png')).toThrow(/outside the chosen folder/);
  });

  it('renames reserved Windows names, also with an extension, and strips reserved characters', () => {
    expect(render('{slug}.{ext}', { slug: 'CON' })).not.toMatch(/^CON\.webp$/i);
    expect(render('{slug}.{ext}', { slug: 'nul', ext: 'png' }).toLowerCase()).not.toBe('nul.png');
    expect(render('{board}/x.{ext}', { board: 'com1' }).split('/')[0]?.toLowerCase()).not.toBe('com1');
    expect(sanitizeSegment('a<b>c:d"e|f?g*h')).toBe('a_b_c_d_e_f_g_h');
    expect(sanitizeSegment('name. . ')).toBe('name');
    expect(sanitizeSegment('')).toBe('_');
    expect(sanitizeSegment('.hidden')).toBe('_hidden');
  });

  it('writes unicode as NFC and keeps it', () => {
    const decomposed = 'Cafe\u0301 Ü';
    const out = render('{board}/{slug}.{ext}', { board: decomposed });
    expect(out.split('/')[0]).toBe('Café Ü');
    expect(out.normalize('NFC')).toBe(out);
    expect(promptSlug('Crème brûlée — 東京 at night')).toMatch(/^creme-brulee/);
    expect(promptSlug('')).toBe('image');
  });

  it('keeps segments and the whole path short, the extension intact', () => {
    const long = render('{board}/{slug}.{ext}', { board: 'b'.repeat(400), slug: 's'.repeat(400) });
    const [folder, file] = long.split('/');
    expect(folder?.length).toBeLessThanOrEqual(MAX_SEGMENT_CHARS);
    expect(file?.length).toBeLessThanOrEqual(MAX_SEGMENT_CHARS);
    expect(file?.endsWith('.webp')).toBe(true);
    const deep = render('{board}/{board}/{board}/{slug}.{ext}', { board: 'x'.repeat(120) });
    expect(deep.length).toBeLessThanOrEqual(MAX_PATH_CHARS);
    expect(deep.endsWith('.webp')).toBe(true);
  });
});

describe('collisions', () => {
  it('numbers the second file with one name, case and normalization folded', () => {
    const book = createNameBook();
    expect(book.take('a/x.png')).toBe('a/x.png');
    expect(book.take('a/X.png')).toBe('a/X-2.png');
    expect(book.take('a/x.png')).toBe('a/x-3.png');
    expect(book.take('Cafe\u0301.png')).toBe('Cafe\u0301.png');
    expect(book.take('Café.png')).toBe('Café-2.png');
  });

  it('skips names that are taken on disk', () => {
    const book = createNameBook();
    const onDisk = new Set(['x.png', 'x-2.png']);
    expect(book.take('x.png', (c) => !onDisk.has(c))).toBe('x-3.png');
    expect(numbered('dir/archive.tar', 4)).toBe('dir/archive-4.tar');
    expect(numbered('noext', 2)).toBe('noext-2');
  });
});
