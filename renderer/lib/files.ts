// Files picked or dropped by the user, read for the main process (base64 over the same call channel).

const IMAGE_EXT = /\.(png|jpe?g|webp|gif|avif|tiff?|bmp|heic|heif)$/i;

export function isImageName(name: string): boolean {
  return IMAGE_EXT.test(name);
}

/** Base64 of a file's bytes, without the `data:` prefix. */
export async function fileToBase64(file: Blob): Promise<string> {
  const buffer = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < buffer.length; i += chunk) {
    binary += String.fromCharCode(...buffer.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/** A file with the path it had inside a dropped or picked folder ('' when it came alone). */
export interface PickedFile {
  file: File;
  relativePath: string;
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, into: PickedFile[], depth: number): Promise<void> {
  if (entry.isFile) {
    const file = await entryFile(entry as FileSystemFileEntry);
    into.push({ file, relativePath: entry.fullPath.replace(/^\//, '') });
    return;
  }
  if (!entry.isDirectory || depth > 8) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches until it returns an empty one.
  for (;;) {
    const batch = await readEntries(reader);
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, into, depth + 1);
  }
}

/** Everything in a drop: loose files and the contents of dropped folders, recursively. */
export async function filesFromDrop(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length > 0 && entries.every((entry) => entry !== null)) {
    const out: PickedFile[] = [];
    for (const entry of entries) await walk(entry!, out, 0);
    return out;
  }
  return [...data.files].map((file) => ({ file, relativePath: '' }));
}

export function filesFromInput(list: FileList | null): PickedFile[] {
  return [...(list ?? [])].map((file) => ({ file, relativePath: file.webkitRelativePath ?? '' }));
}

/** Starts a download of a URL under a file name (the browser's own download flow). */
export function downloadUrl(url: string, fileName: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}
