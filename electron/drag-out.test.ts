import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDragOut } from './drag-out';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('drag out', () => {
  it('writes what the core hands out (metadata included) to a temp file named as the download', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'atelier-drag-test-'));
    dirs.push(tmp);
    const asked: number[] = [];
    const dragOut = createDragOut(async (id) => {
      asked.push(id);
      return {
        bytes: Buffer.from(`embedded ${id}`),
        fileName: `atelier-run-1-${id}.png`,
        contentType: 'image/png',
      };
    }, tmp);
    const { file } = await dragOut(2);
    expect(asked).toEqual([2]);
    expect(path.basename(file)).toBe('atelier-run-1-2.png');
    expect(file.startsWith(tmp)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('embedded 2');
    // Again, after the setting changed: the file is rewritten, not reused.
    const again = createDragOut(
      async () => ({
        bytes: Buffer.from('stripped'),
        fileName: 'atelier-run-1-2.png',
        contentType: 'image/png',
      }),
      tmp,
    );
    expect(readFileSync((await again(2)).file, 'utf8')).toBe('stripped');
  });
});
