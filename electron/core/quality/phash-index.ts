/**
 * Near-duplicate lookup over 64-bit perceptual hashes by multi-index hashing (Norouzi et al.): each hash is
 * cut into four 16-bit chunks, each chunk indexes a table. Two hashes within Hamming distance r agree within
 * ⌊r/4⌋ bits on at least one chunk (pigeonhole), so a query probes, per chunk, every key within that many
 * bits (1 + 16 + 120 keys for ⌊r/4⌋ ≤ 2) and checks the candidates' full distance. Beyond r = 11 it scans.
 * Built in memory from the stored hashes at start; 200,000 hashes take about 10 MB.
 */

export interface HashEntry {
  kind: 'output' | 'reference';
  id: number;
  runId: number | null;
}

export interface HashMatch extends HashEntry {
  distance: number;
}

const CHUNKS = 4;
const MAX_PROBE_RADIUS = 2;

/** Hex (16 digits) → two unsigned 32-bit halves. */
export function parseHash(hex: string): [number, number] {
  if (!/^[0-9a-f]{16}$/.test(hex)) throw new Error(`not a 64-bit hex hash: "${hex}"`);
  return [Number.parseInt(hex.slice(0, 8), 16) >>> 0, Number.parseInt(hex.slice(8), 16) >>> 0];
}

/** sharp-phash's 64-character bit string → 16 hex digits. */
export function bitsToHex(bits: string): string {
  if (!/^[01]{64}$/.test(bits)) throw new Error('a perceptual hash must be 64 bits');
  let hex = '';
  for (let i = 0; i < 64; i += 4) hex += Number.parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hex;
}

function popcount(x: number): number {
  let v = x >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function hammingHex(a: string, b: string): number {
  const [ah, al] = parseHash(a);
  const [bh, bl] = parseHash(b);
  return popcount(ah ^ bh) + popcount(al ^ bl);
}

function chunksOf(hi: number, lo: number): number[] {
  return [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff];
}

/** Every 16-bit key within `radius` bits of `key`. */
function neighbours(key: number, radius: number): number[] {
  const out = [key];
  if (radius >= 1) for (let i = 0; i < 16; i++) out.push(key ^ (1 << i));
  if (radius >= 2)
    for (let i = 0; i < 16; i++) for (let j = i + 1; j < 16; j++) out.push(key ^ (1 << i) ^ (1 << j));
  return out;
}

export class PhashIndex {
  private hi: number[] = [];
  private lo: number[] = [];
  private entries: Array<HashEntry | null> = [];
  private readonly slots = new Map<string, number>();
  private readonly tables: Array<Map<number, number[]>> = Array.from({ length: CHUNKS }, () => new Map());

  get size(): number {
    return this.slots.size;
  }

  /** Adds or replaces the hash of one output or reference. */
  put(entry: HashEntry, hex: string): void {
    const key = `${entry.kind}:${entry.id}`;
    if (this.slots.has(key)) this.remove(entry.kind, entry.id);
    const [hi, lo] = parseHash(hex);
    const slot = this.entries.length;
    this.hi.push(hi);
    this.lo.push(lo);
    this.entries.push({ kind: entry.kind, id: entry.id, runId: entry.runId });
    this.slots.set(key, slot);
    chunksOf(hi, lo).forEach((chunk, c) => {
      const table = this.tables[c]!;
      const list = table.get(chunk);
      if (list) list.push(slot);
      else table.set(chunk, [slot]);
    });
  }

  /** Forgets one entry (its slot stays as a tombstone). */
  remove(kind: HashEntry['kind'], id: number): void {
    const key = `${kind}:${id}`;
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.slots.delete(key);
    this.entries[slot] = null;
  }

  /**
   * The closest entry within `maxDistance` of `hex`, skipping what `skip` refuses (the output itself, its own
   * run's siblings when wanted); ties go to the oldest (lowest slot).
   */
  nearest(
    hex: string,
    maxDistance: number,
    skip: (entry: HashEntry) => boolean = () => false,
  ): HashMatch | null {
    const [hi, lo] = parseHash(hex);
    let best: HashMatch | null = null;
    let bestSlot = Number.POSITIVE_INFINITY;
    const consider = (slot: number) => {
      const entry = this.entries[slot];
      if (!entry || skip(entry)) return;
      const distance = popcount(hi ^ this.hi[slot]!) + popcount(lo ^ this.lo[slot]!);
      if (distance > maxDistance) return;
      if (!best || distance < best.distance || (distance === best.distance && slot < bestSlot)) {
        best = { ...entry, distance };
        bestSlot = slot;
      }
    };
    const radius = Math.floor(maxDistance / CHUNKS);
    if (radius > MAX_PROBE_RADIUS) {
      for (let slot = 0; slot < this.entries.length; slot++) consider(slot);
      return best;
    }
    const seen = new Set<number>();
    chunksOf(hi, lo).forEach((chunk, c) => {
      const table = this.tables[c]!;
      for (const key of neighbours(chunk, radius)) {
        const list = table.get(key);
        if (!list) continue;
        for (const slot of list) {
          if (seen.has(slot)) continue;
          seen.add(slot);
          consider(slot);
        }
      }
    });
    return best;
  }
}
