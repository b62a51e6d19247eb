import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  approximateJsonSize,
  base64Length,
  callBodyLimit,
  DEFAULT_CALL_BODY_BYTES,
  formatLimit,
  LARGE_CALL_BODY_BYTES,
  MAX_PACK_FILE_BYTES,
} from './body-limits';
import { CALL_NAMES, calls } from './contract';
import { IMPORT_LIMITS } from './import-contract';
import { REFERENCE_LIMITS } from './references-contract';

/** True when a call's input can carry base64 bytes (a `…Base64` field anywhere in it). */
function carriesBase64(name: (typeof CALL_NAMES)[number]): boolean {
  const schema = z.toJSONSchema(calls[name].input, { io: 'input', unrepresentable: 'any' });
  return /Base64"/.test(JSON.stringify(schema));
}

describe('call body limits', () => {
  it('are large exactly for the calls where images travel, small for every other', () => {
    const large = CALL_NAMES.filter(carriesBase64).sort();
    expect(large).toEqual(['imports.addFiles', 'references.import', 'styles.importPack']);
    expect(Object.keys(LARGE_CALL_BODY_BYTES).sort()).toEqual(large);
    for (const name of CALL_NAMES.filter((n) => !large.includes(n))) {
      expect(callBodyLimit(name), name).toBe(DEFAULT_CALL_BODY_BYTES);
    }
    expect(DEFAULT_CALL_BODY_BYTES).toBeLessThanOrEqual(1024 * 1024);
  });

  it('leave room for the largest file each image call accepts, and not much more', () => {
    const file = base64Length(REFERENCE_LIMITS.maxFileBytes);
    expect(callBodyLimit('references.import')).toBeGreaterThan(file);
    expect(callBodyLimit('references.import')).toBeLessThan(file * 1.1);
    const pack = base64Length(MAX_PACK_FILE_BYTES);
    expect(callBodyLimit('styles.importPack')).toBeGreaterThan(pack);
    expect(callBodyLimit('styles.importPack')).toBeLessThan(pack * 1.1);
    const imported = base64Length(IMPORT_LIMITS.maxFileBytes);
    expect(callBodyLimit('imports.addFiles')).toBeGreaterThan(imported);
    expect(callBodyLimit('imports.addFiles')).toBeLessThan(imported * 1.1);
  });

  it('give an unknown call name the default', () => {
    expect(callBodyLimit('nope.nothing')).toBe(DEFAULT_CALL_BODY_BYTES);
    expect(callBodyLimit('hasOwnProperty')).toBe(DEFAULT_CALL_BODY_BYTES);
  });

  it('read as a person reads sizes', () => {
    expect(formatLimit(DEFAULT_CALL_BODY_BYTES)).toBe('1 MB');
    expect(formatLimit(256 * 1024)).toBe('256 KB');
  });
});

describe('approximateJsonSize', () => {
  it('is close to the JSON length of a typical input', () => {
    const input = {
      prompt: 'a heron standing in reeds',
      seed: 424242,
      options: { steps: 30, tags: ['a', 'b'], nested: [{ x: null, y: true }] },
    };
    const exact = JSON.stringify(input).length;
    const approx = approximateJsonSize(input, Number.POSITIVE_INFINITY);
    expect(Math.abs(approx - exact)).toBeLessThanOrEqual(exact * 0.1);
  });

  it('stops counting soon after passing the limit', () => {
    const many = Array.from({ length: 100_000 }, () => 'x'.repeat(100));
    const size = approximateJsonSize(many, 1000);
    expect(size).toBeGreaterThan(1000);
    expect(size).toBeLessThan(1000 + 100_000 + 200);
  });
});
