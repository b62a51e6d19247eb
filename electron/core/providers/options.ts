/**
 * `call.options`, the per-provider escape hatch: merged into the body last, limited to what the endpoint
 * documents where the API is strict, and never over the fields the adapter owns. Each key left out is
 * named in a warning.
 */

export interface OptionRules {
  /** Keys the endpoint documents; null takes any key (a lenient API, or a model Atelier has no list for). */
  documented: readonly string[] | ReadonlySet<string> | null;
  /** The warning for a key outside `documented` (or one whose value it cannot carry). */
  undocumented?(key: string): string;
  /** The warning for a key an option may not set (owned by Atelier, the safety switch, a file part), or null. */
  refused?(key: string): string | null;
  /** Values the endpoint can carry (a multipart form takes scalars only); others count as undocumented. */
  accepts?(value: unknown): boolean;
}

/** The options an adapter may send, in their order; what was left out is in `warnings`. */
export function documentedOptions(
  options: Record<string, unknown>,
  rules: OptionRules,
  warnings: string[],
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  const documented = rules.documented === null ? null : new Set(rules.documented);
  const listed = (key: string) => documented === null || documented.has(key);
  for (const [key, value] of Object.entries(options)) {
    const refusal = rules.refused?.(key) ?? null;
    if (refusal !== null) warnings.push(refusal);
    else if (!listed(key) || (rules.accepts && !rules.accepts(value)))
      warnings.push(rules.undocumented?.(key) ?? `Option "${key}" was not sent`);
    else kept[key] = value;
  }
  return kept;
}

/** The refusal for fields the adapter sets itself (the seed, the input image, the safety switch). */
export function ownedBy(keys: readonly string[], provider: string): (key: string) => string | null {
  return (key) =>
    keys.includes(key) ? `Option "${key}" is set by Atelier for ${provider}; the option was ignored` : null;
}
