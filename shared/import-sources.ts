// Where an imported image was made, and what each source is called on screen. Kept apart from the import
// contract (./import-contract.ts) and free of zod: History's first screen names sources without loading the
// schemas (test/renderer/first-screen.test.ts).

/** The tools whose metadata Atelier reads; `plain` is an image that carries no readable parameters. */
export const IMPORT_SOURCES = [
  'a1111',
  'comfyui',
  'invokeai',
  'novelai',
  'fooocus',
  'swarmui',
  'midjourney',
  'atelier',
  'plain',
] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];

/** What each source is called on screen; never its id. */
export const IMPORT_SOURCE_NAMES: Record<ImportSource, string> = {
  a1111: 'AUTOMATIC1111 / Forge',
  comfyui: 'ComfyUI',
  invokeai: 'InvokeAI',
  novelai: 'NovelAI',
  fooocus: 'Fooocus',
  swarmui: 'SwarmUI',
  midjourney: 'Midjourney',
  atelier: 'Atelier',
  plain: 'No parameters',
};
