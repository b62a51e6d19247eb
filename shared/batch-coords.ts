// How a batch item's coordinates read on screen, free of zod so History's cards label batch runs without
// loading the batch contract's schemas (./batches-contract.ts re-exports it).

/** Coordinates as a reader names them, in their order: `variant 2 · 16:9 · subject=fox · style v12`. */
export function coordsLabel(coords: Readonly<Record<string, string | number>>): string {
  return Object.entries(coords)
    .map(([key, value]) =>
      key === 'variant'
        ? `variant ${value}`
        : key === 'aspectRatio'
          ? String(value)
          : key === 'style'
            ? `style version ${value}`
            : `${key.replace(/^var:/, '')}=${value}`,
    )
    .join(' · ');
}
