// File names from a naming template: fields substituted, every path segment sanitized (unicode NFC, reserved
// characters and Windows names, length), never a path outside the chosen folder, collisions told apart.
import path from 'node:path';
import slugify from '@sindresorhus/slugify';
import filenamify from 'filenamify';
import { NAME_FIELDS, type NameField } from '../../../shared/export-contract';
import { fieldError } from '../../../shared/result';

/** Longest segment (folder or file name) in characters; the whole relative path stays under MAX_PATH_CHARS. */
export const MAX_SEGMENT_CHARS = 120;
export const MAX_PATH_CHARS = 240;
const SLUG_WORDS = 8;

export type NameValues = Record<NameField, string | number | null>;

type Part = { text: string } | { field: NameField };

const FIELD = /\{([^{}]*)\}/g;

/** Splits a template into text and fields; an unknown or unclosed field is refused naming the template. */
export function parseTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of template.matchAll(FIELD)) {
    const name = match[1] ?? '';
    if (!(NAME_FIELDS as readonly string[]).includes(name)) {
      throw fieldError(
        ['template'],
        `has no field {${name}}; the fields are ${NAME_FIELDS.map((f) => `{${f}}`).join(', ')}`,
      );
    }
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    parts.push({ field: name as NameField });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  if (parts.some((p) => 'text' in p && /[{}]/.test(p.text))) {
    throw fieldError(['template'], 'has a { or } that does not close a field');
  }
  if (!parts.some((p) => 'field' in p && p.field === 'ext')) parts.push({ text: '.' }, { field: 'ext' });
  return parts;
}

/** The prompt's first words as a lowercase ASCII slug (transliterated), or `image`. */
export function promptSlug(prompt: string): string {
  const words = prompt.normalize('NFC').split(/\s+/).filter(Boolean).slice(0, SLUG_WORDS).join(' ');
  return slugify(words).slice(0, 60).replace(/-+$/, '') || 'image';
}

/** One folder or file name, safe on Windows, macOS and Linux: never empty, `.` or `..`. */
export function sanitizeSegment(segment: string): string {
  const nfc = segment.normalize('NFC').trim();
  const safe = filenamify(nfc, { replacement: '_', maxLength: MAX_SEGMENT_CHARS })
    .replace(/^\.+/, (dots) => '_'.repeat(dots.length))
    .replace(/[. ]+$/, '');
  return safe === '' ? '_' : safe;
}

/**
 * The relative path (`/`-separated) a template gives for these values. A value never adds a folder (its
 * slashes become dashes); the template's own slashes do. Refuses a result that would leave the folder.
 */
export function renderPath(parts: readonly Part[], values: NameValues): string {
  const text = parts
    .map((part) => {
      if ('text' in part) return part.text;
      const value = values[part.field];
      if (value === null || value === '') return `no-${part.field}`;
      const text = String(value).replace(/[/\\]/g, '-');
      return /^\.+$/.test(text) ? '_' : text;
    })
    .join('');
  const segments = text
    .split(/[/\\]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '.')
    .map(sanitizeSegment);
  if (segments.length === 0) throw fieldError(['template'], 'gives an empty file name');
  let joined = segments.join('/');
  if (joined.length > MAX_PATH_CHARS) {
    const name = segments.at(-1) ?? '_';
    const folders = segments
      .slice(0, -1)
      .join('/')
      .slice(0, Math.max(0, MAX_PATH_CHARS - name.length - 1));
    joined = folders === '' ? name : `${folders.replace(/[/. ]+$/, '')}/${name}`;
  }
  return joined;
}

/** The absolute path of `relative` inside `root`; throws when it would resolve anywhere else. */
export function insideFolder(root: string, relative: string): string {
  const base = path.resolve(root);
  const resolved = path.resolve(base, ...relative.split('/'));
  const back = path.relative(base, resolved);
  if (back === '' || back.startsWith('..') || path.isAbsolute(back)) {
    throw fieldError(['template'], `gives "${relative}", which is outside the chosen folder`);
  }
  return resolved;
}

/** `name-2.ext`, `name-3.ext`, …: the n-th alternative to a taken name. */
export function numbered(relative: string, n: number): string {
  const slash = relative.lastIndexOf('/');
  const dir = slash === -1 ? '' : relative.slice(0, slash + 1);
  const file = relative.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  const stem = dot <= 0 ? file : file.slice(0, dot);
  const ext = dot <= 0 ? '' : file.slice(dot);
  return `${dir}${stem}-${n}${ext}`;
}

/** Case-insensitive, NFC: two names that one file system would take for one file share this key. */
export function collisionKey(relative: string): string {
  return relative.normalize('NFC').toLowerCase();
}

/** Hands out names that no earlier file of the same export has taken (`-2`, `-3`… on a clash). */
export function createNameBook() {
  const taken = new Set<string>();
  return {
    has: (relative: string) => taken.has(collisionKey(relative)),
    /** Takes `relative`, or its first numbered alternative for which `free` also holds. */
    take(relative: string, free: (candidate: string) => boolean = () => true): string {
      let candidate = relative;
      for (let n = 2; taken.has(collisionKey(candidate)) || !free(candidate); n += 1) {
        candidate = numbered(relative, n);
      }
      taken.add(collisionKey(candidate));
      return candidate;
    },
  };
}
