/**
 * Names in the order a file manager shows them: case and accents aside, and runs of digits by their value, so
 * "Board 2" comes before "Board 10" (SQLite's NOCASE puts "Board 10" first). Ties keep the older first.
 */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}

export function byNaturalName(a: { name: string; id: number }, b: { name: string; id: number }): number {
  return collator.compare(a.name, b.name) || a.id - b.id;
}
