// How many bytes of JSON each call may send, declared next to the contract. Transports enforce it
// before (Content-Length) and while (byte count) they read a body, so a large body is never buffered.
import type { CallName } from './contract';
import { IMPORT_LIMITS } from './import-contract';
import { REFERENCE_LIMITS } from './references-contract';
import { err, type Result } from './result';

const KIB = 1024;
const MIB = 1024 * KIB;

/** Characters of base64 that `bytes` bytes become. */
export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** The largest style pack file `styles.importPack` accepts (decoded). */
export const MAX_PACK_FILE_BYTES = 64 * MIB;

/** Every call that is not listed below: settings, ids, prompts, a ComfyUI workflow. */
export const DEFAULT_CALL_BODY_BYTES = 1 * MIB;

/**
 * The calls where images travel (as base64 inside the JSON) and how much each may carry: the largest
 * payload the contract allows, plus room for names, tags and JSON punctuation.
 */
export const LARGE_CALL_BODY_BYTES = {
  /** One batch of references; a single file may be as large as REFERENCE_LIMITS.maxFileBytes. */
  'references.import': base64Length(REFERENCE_LIMITS.maxFileBytes) + 1 * MIB,
  'styles.importPack': base64Length(MAX_PACK_FILE_BYTES) + 64 * KIB,
  /** One batch of an image import: the browser sends batches of at most one file's worth of bytes (or one larger file). */
  'imports.addFiles': base64Length(IMPORT_LIMITS.maxFileBytes) + 1 * MIB,
} as const satisfies Partial<Record<CallName, number>>;

/** The body limit in bytes for a call name (an unknown name gets the default). */
export function callBodyLimit(name: string): number {
  return Object.hasOwn(LARGE_CALL_BODY_BYTES, name)
    ? LARGE_CALL_BODY_BYTES[name as keyof typeof LARGE_CALL_BODY_BYTES]
    : DEFAULT_CALL_BODY_BYTES;
}

/** "1 MB", "65 MB": limits as a person reads them. */
export function formatLimit(bytes: number): string {
  return bytes >= MIB ? `${Math.ceil(bytes / MIB)} MB` : `${Math.ceil(bytes / KIB)} KB`;
}

/** The refusal every transport sends for a body past its call's limit (HTTP status 413). */
export function bodyTooLarge(name: string, limit: number): Result<never> {
  return err(
    'invalid_input',
    `body: the request is larger than the ${formatLimit(limit)} this call accepts.`,
    {
      issues: [
        {
          path: ['body'],
          message: `the request is larger than the ${formatLimit(limit)} this call accepts.`,
        },
      ],
      details: { call: name, limit: 'body_bytes', limitBytes: limit },
    },
  );
}

/**
 * About the size `value` would have as JSON (characters, not bytes), counted without serializing it
 * and stopping early once past `stopAfter`. For transports that receive decoded values (Electron IPC).
 */
export function approximateJsonSize(value: unknown, stopAfter: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && size <= stopAfter) {
    const item = stack.pop();
    if (typeof item === 'string') size += item.length + 2;
    else if (typeof item === 'number' || typeof item === 'boolean') size += String(item).length;
    else if (item === null || item === undefined) size += 4;
    else if (Array.isArray(item)) {
      size += 2 + item.length;
      for (const element of item) stack.push(element);
    } else if (typeof item === 'object') {
      const entries = Object.entries(item);
      size += 2 + entries.length;
      for (const [key, element] of entries) {
        size += key.length + 3;
        stack.push(element);
      }
    }
  }
  return size;
}
