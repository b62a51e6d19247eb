import type { metadataCalls } from '../../../shared/metadata-contract';
import type { HandlerTable } from '../api/invoke';
import type { MetadataService } from './service';

/** The metadata setting and the Midjourney line: their part of the handler table; api/handlers.ts spreads it in. */
export function createMetadataHandlers(
  metadata: MetadataService,
): Pick<HandlerTable, keyof typeof metadataCalls> {
  return {
    'metadata.getMode': async () => ({ mode: metadata.mode() }),
    'metadata.setMode': async ({ mode }) => metadata.setMode(mode),
    'midjourney.prompt': async (input) => metadata.midjourney(input),
  };
}
