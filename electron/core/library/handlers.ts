import type { libraryCalls } from '../../../shared/library-contract';
import type { HandlerTable } from '../api/invoke';
import { exportStylePack, importStylePack, type PackDeps } from './pack';
import type { StyleLibrary } from './service';

export interface LibraryHandlerDeps {
  library: StyleLibrary;
  pack: Omit<PackDeps, 'repo'>;
}

/** The library's calls that start runs; the generation service answers them (api/handlers.ts). */
type GenerationCalls = 'styles.generatePreviews';

/** The library's part of the handler table; api/handlers.ts spreads it in. */
export function createLibraryHandlers({
  library,
  pack,
}: LibraryHandlerDeps): Pick<HandlerTable, Exclude<keyof typeof libraryCalls, GenerationCalls>> {
  const packDeps: PackDeps = { ...pack, repo: library.repo };
  return {
    'styles.list': async (input) => library.list(input),
    'styles.facets': async () => library.facets(),
    'styles.get': async ({ id }) => library.get(id),
    'styles.getVersion': async ({ versionId }) => library.getVersion(versionId),
    'styles.create': async ({ fields }) => library.create(fields),
    'styles.update': async ({ id, fields, baseVersionId, note }) =>
      library.update(id, fields, note, baseVersionId),
    'styles.setStatus': async ({ id, status, deprecatedOn, successorId }) =>
      library.setStatus(id, status, deprecatedOn, successorId),
    'styles.diff': async ({ fromVersionId, toVersionId }) => library.diff(fromVersionId, toVersionId),
    'styles.revert': async ({ id, toVersionId }) => library.revert(id, toVersionId),
    'styles.exportPack': async ({ id, versions }) => exportStylePack(packDeps, id, versions),
    'styles.importPack': async (input) => {
      const report = await importStylePack(packDeps, input);
      for (const style of report.styles) library.changed('style', style.styleId);
      return report;
    },
    'templates.list': async () => library.templates(),
    'templates.get': async ({ id }) => library.template(id),
    'templates.getVersion': async ({ versionId }) => library.templateVersion(versionId),
    'templates.create': async ({ fields }) => library.createTemplate(fields),
    'templates.update': async ({ id, fields, baseVersionId, note }) =>
      library.updateTemplate(id, fields, note, baseVersionId),
    'templates.diff': async ({ fromVersionId, toVersionId }) =>
      library.diffTemplates(fromVersionId, toVersionId),
    'templates.revert': async ({ id, toVersionId }) => library.revertTemplate(id, toVersionId),
    'negatives.list': async () => ({ groups: library.negatives() }),
    'negatives.save': async (group) => library.saveNegative(group),
    'library.render': async (input) => library.render(input),
    'library.getSettings': async () => library.settings(),
    'library.setSettings': async (input) => library.setSettings(input),
  };
}
