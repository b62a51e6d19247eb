// The export's shipped data: presets (resources/export-presets.json), licence notes per provider
// (resources/export-licences.json) and the vision models that draft alt text (resources/alt-text.json).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ExportPreset, VisionProvider } from '../../../shared/export-contract';
import { describeZodError } from '../../../shared/result';
import { findShipped } from '../resources';

function readResource<T extends z.ZodType>(name: string, schema: T): z.output<T> {
  const file = findShipped(name);
  const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${name} is not valid: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

const PresetsFile = z
  .object({ version: z.literal(1), presets: z.array(ExportPreset).min(1) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.presets.forEach((preset, i) => {
      if (seen.has(preset.id))
        ctx.addIssue({ code: 'custom', path: ['presets', i, 'id'], message: 'is used twice' });
      seen.add(preset.id);
      preset.sizes.forEach((size, j) => {
        const free = size.width === null || size.height === null;
        if (size.fit === 'cover' && free) {
          ctx.addIssue({
            code: 'custom',
            path: ['presets', i, 'sizes', j],
            message: 'cover needs a width and a height',
          });
        }
      });
    });
  });

export function loadPresets(): ExportPreset[] {
  return readResource('export-presets.json', PresetsFile).presets;
}

const LicencesFile = z.object({
  version: z.literal(1),
  note: z.string(),
  providers: z.record(z.string(), z.string()),
  imported: z.string(),
  unknown: z.string(),
});
export type LicenceNotes = z.infer<typeof LicencesFile>;

export function loadLicenceNotes(): LicenceNotes {
  return readResource('export-licences.json', LicencesFile);
}

/** The licence line for an output: its provider's, the imported note, or the unknown note. */
export function licenceNote(notes: LicenceNotes, provider: string, importedFrom: string | null): string {
  if (importedFrom !== null && importedFrom !== 'atelier') return notes.imported;
  return notes.providers[provider] ?? notes.unknown;
}

const AltTextFile = z.object({
  version: z.literal(1),
  prompt: z.string().min(1),
  maxChars: z.number().int().positive(),
  providers: z.record(
    VisionProvider,
    z.object({ model: z.string().min(1), maxOutputTokens: z.number().int().positive() }),
  ),
  order: z.array(VisionProvider).min(1),
});
export type AltTextSettings = z.infer<typeof AltTextFile>;

export function loadAltTextSettings(): AltTextSettings {
  return readResource('alt-text.json', AltTextFile);
}
