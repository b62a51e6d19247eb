// Where the built app's quality gate finds its worker and its models: beside the bundle in dist-electron/.
// ATELIER_QUALITY_MODELS names another models module (or `none`: the NSFW and text checks record "not run").

/** The quality gate's worker script and models module, for `createCore({ quality })`. */
export function qualityModules(env: Record<string, string | undefined>): {
  worker: URL;
  modelsModule: string | null;
} {
  const override = env.ATELIER_QUALITY_MODELS;
  const modelsModule =
    override === 'none'
      ? null
      : override
        ? new URL(override, `file://${process.cwd()}/`).href
        : new URL('./quality-models.mjs', import.meta.url).href;
  return { worker: new URL('./quality-worker.mjs', import.meta.url), modelsModule };
}
