import type { exportCalls } from '../../../shared/export-contract';
import type { HandlerTable } from '../api/invoke';
import type { AltTextService } from './alt-text';
import type { ExportService } from './service';

/** Export and alt text: their part of the handler table; api/handlers.ts spreads it in. */
export function createExportHandlers(
  exports: ExportService,
  altText: AltTextService,
): Pick<HandlerTable, keyof typeof exportCalls> {
  return {
    'export.presets': async () => exports.presets(),
    'export.items': async ({ source }) => exports.items(source),
    'export.plan': async (options) => exports.plan(options),
    'export.start': async (options) => exports.start(options),
    'export.cancel': async ({ id }) => exports.cancel(id),
    'export.get': async ({ id }) => exports.get(id),
    'export.list': async () => exports.list(),
    'export.showFolder': async ({ id }) => exports.showFolder(id),
    'export.cropPreview': async ({ outputId, presetId, sizeId }) =>
      exports.cropPreview(outputId, presetId, sizeId),
    'export.setCrop': async ({ outputId, presetId, sizeId, x, y }) =>
      exports.setCrop(outputId, presetId, sizeId, { x, y }),
    'altText.draft': async ({ outputId, provider }) => altText.draft(outputId, provider),
    'altText.save': async ({ outputId, text, approve, approvedBy }) =>
      altText.save(outputId, { text, approve, approvedBy }),
  };
}
