import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  NegativeArtifact,
  NegativeSlug,
  StyleFields,
  TemplateFields,
} from '../../../shared/library-contract';
import type { Clock } from '../ports';
import { findShipped } from '../resources';
import type { LibraryRepo } from '../store';
import { validateTemplate } from './render';

const STARTER_FILE = 'library/starter.json';

export const StarterLibrary = z.strictObject({
  format: z.literal('atelier.starter-library'),
  version: z.literal(1),
  negatives: z.array(
    z.strictObject({
      slug: NegativeSlug,
      artifact: NegativeArtifact,
      label: z.string().min(1),
      terms: z.array(z.string()),
    }),
  ),
  templates: z.array(z.strictObject({ key: z.string().min(1), fields: TemplateFields })),
  styles: z.array(
    z.strictObject({ key: z.string().min(1), template: z.string().nullable(), fields: StyleFields }),
  ),
});
export type StarterLibrary = z.infer<typeof StarterLibrary>;

function findStarter(): string {
  return findShipped(STARTER_FILE);
}

export function readStarterLibrary(file?: string): StarterLibrary {
  return StarterLibrary.parse(JSON.parse(readFileSync(file ?? findStarter(), 'utf8')));
}

/**
 * Loads each starter item the first time it is seen. A claimed key is never loaded again, so a user's
 * edits, renames and status changes stand; a name the user already took is left alone.
 */
export function loadStarterLibrary(
  repo: LibraryRepo,
  starter: StarterLibrary,
  clock: Clock,
): { loaded: number } {
  const now = clock.now();
  let loaded = 0;
  repo.transaction(() => {
    for (const group of starter.negatives) {
      if (!repo.claimSeed(`negative:${group.slug}`, now)) continue;
      if (repo.negativeGroup(group.slug)) continue;
      repo.saveNegativeGroup({ ...group, builtin: true }, now);
      loaded += 1;
    }
    const templateIds = new Map<string, number>();
    for (const template of starter.templates) {
      const existing = repo.templateByName(template.fields.name);
      if (!repo.claimSeed(`template:${template.key}`, now)) {
        if (existing) templateIds.set(template.key, existing.id);
        continue;
      }
      if (existing) {
        templateIds.set(template.key, existing.id);
        continue;
      }
      validateTemplate(template.fields);
      const { id } = repo.createTemplate(
        template.fields.name,
        template.fields.description,
        JSON.stringify(template.fields),
        {
          now,
          note: 'starter library',
        },
      );
      templateIds.set(template.key, id);
      loaded += 1;
    }
    for (const style of starter.styles) {
      if (!repo.claimSeed(`style:${style.key}`, now)) continue;
      if (repo.styleByName(style.fields.name)) continue;
      const fields: StyleFields = {
        ...style.fields,
        templateId: style.template === null ? null : (templateIds.get(style.template) ?? null),
      };
      repo.createStyle(
        {
          name: fields.name,
          owner: fields.owner,
          description: fields.description,
          tags: fields.tags,
          status: fields.status,
          deprecatedOn: fields.deprecatedOn,
        },
        JSON.stringify(fields),
        { now, note: 'starter library', builtin: true },
      );
      loaded += 1;
    }
  });
  return { loaded };
}
