// Desktop drag out: an output's original, written with its metadata (per the setting) to a temp file the OS drag
// carries. One folder per launch under the system temp folder; the file name is the download's name, so what
// lands on the desktop is named as a download would be. The library's own file is never handed out.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './core/media';
import type { OutgoingFile } from './core/metadata/service';

export function createDragOut(
  outgoing: (outputId: number) => Promise<OutgoingFile>,
  tempRoot: string,
): (outputId: number) => Promise<{ file: string; bytes: Buffer }> {
  const folder = path.join(tempRoot, `atelier-drag-${process.pid}`);
  return async (outputId) => {
    const out = await outgoing(outputId);
    await mkdir(folder, { recursive: true });
    const file = path.join(folder, path.basename(out.fileName));
    await writeFileAtomic(file, out.bytes);
    return { file, bytes: out.bytes };
  };
}
