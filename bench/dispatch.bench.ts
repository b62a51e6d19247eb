// Dispatcher speed: what the chain, the queue and the store add to a generation, how fast a 503 reaches
// the next provider, and a burst of 50 requests with failures mixed in. Providers are local HTTP servers
// answering at once, so only Atelier's own work is measured.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { type Core, createCore } from '../electron/core';
import { createMediaStore } from '../electron/core/media';
import { systemClock } from '../electron/core/ports';
import type { AttemptResult, ProviderAdapter } from '../electron/core/providers/types';
import { createSessionVault } from '../electron/core/vault/vault';
import type { RunDetail } from '../shared/domain';
import { testCatalog, testProvider, testRoutes } from '../test/support/dispatch';
import { type BenchRow, isMain, printTable } from './report';

const SAMPLES = 300;
const WARMUP = 30;
const OVERHEAD_GOAL_MS = 2;
const FALLTHROUGH_GOAL_MS = 5;
const BURST = 50;

type Answer = 'png' | '503' | '429' | 'garbage';

interface Double {
  url: string;
  /** performance.now() when each request arrived / each answer was written. */
  arrivals: number[];
  answered: number[];
  requests: number;
  close(): Promise<void>;
}

/** A provider stand-in: answers every POST at once, as `answer(n)` says for the n-th request. */
async function startDouble(name: string, png: Buffer, answer: (n: number) => Answer): Promise<Double> {
  const arrivals: number[] = [];
  const answered: number[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    arrivals.push(performance.now());
    const n = requests++;
    req.resume();
    req.on('end', () => {
      const kind = answer(n);
      // Each answer its own image, as real outputs are: content addressing must store every one.
      if (kind === 'png')
        res.writeHead(200, { 'content-type': 'image/png' }).end(uniqueVariant(png, `${name} ${n}`));
      else if (kind === 'garbage')
        res.writeHead(200, { 'content-type': 'image/png' }).end('<html>expired</html>');
      else if (kind === '429')
        res.writeHead(429, { 'content-type': 'application/json' }).end('{"error":{"message":"slow down"}}');
      else
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"overloaded"}}');
      answered.push(performance.now());
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    arrivals,
    answered,
    get requests() {
      return requests;
    },
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The thinnest real adapter: one POST, the body's bytes back, the status classified. */
function bytesAdapter(id: string): ProviderAdapter {
  return {
    id,
    async generate(call): Promise<AttemptResult> {
      const requestSent = { prompt: call.request.prompt };
      const failure = (
        outcome: 'cancelled' | 'unavailable' | 'rate_limited',
        status: number | null,
        message: string,
      ): AttemptResult => ({
        outcome,
        requestSent,
        httpStatus: status,
        warnings: [],
        providerCode: null,
        providerMessage: message,
        retryAfterMs: null,
      });
      let response: Response;
      let bytes: Uint8Array;
      try {
        response = await call.fetch(`${call.endpoint}/generate`, {
          method: 'POST',
          body: '{}',
          signal: call.signal,
        });
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        return failure(call.signal.aborted ? 'cancelled' : 'unavailable', null, String(error));
      }
      if (response.status === 429) return failure('rate_limited', 429, 'HTTP 429');
      if (response.status !== 200) return failure('unavailable', response.status, `HTTP ${response.status}`);
      return {
        outcome: 'ok',
        requestSent,
        httpStatus: 200,
        warnings: [],
        images: [{ bytes, declaredMime: 'image/png' }],
        seedUsed: call.request.seed,
        costUsd: 0.001,
        providerMessage: null,
      };
    },
    async testKey() {
      return { outcome: 'ok', message: 'ok' };
    },
  };
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const signed = (value: number) => `${value >= 0 ? '+' : '−'}${ms(Math.abs(value))}`;

function bootCore(
  dataDir: string,
  doubles: Record<string, string>,
  concurrency: Record<string, number | null>,
  policy: Parameters<typeof createCore>[0]['policy'],
): Core {
  const ids = Object.keys(doubles);
  return createCore({
    dataDir,
    vault: createSessionVault(),
    log: { info() {}, warn() {}, error() {} },
    mode: 'browser',
    version: 'bench',
    clock: systemClock,
    catalog: testCatalog(
      ...ids.map((id) => testProvider(id, { limits: { concurrency: concurrency[id] ?? null } })),
    ),
    routes: testRoutes(ids.map((provider) => ({ provider }))),
    adapters: Object.fromEntries(ids.map((id) => [id, bytesAdapter(id)])),
    endpoints: doubles,
    environmentKeys: Object.fromEntries(ids.map((id) => [id, `bench-key-${id}-000`])),
    policy,
  });
}

/** Resolves with the run when `run.completed` arrives for it. */
function completion(core: Core): (runId: number) => Promise<void> {
  const waiting = new Map<number, () => void>();
  const done = new Set<number>();
  core.events.subscribe((name, payload) => {
    if (name !== 'run.completed') return;
    const { runId } = payload as { runId: number };
    done.add(runId);
    waiting.get(runId)?.();
  });
  return (runId) =>
    done.has(runId) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(runId, resolve));
}

async function startRun(core: Core, prompt: string): Promise<number> {
  const started = await core.invoke('generation.start', { prompt });
  if (!started.ok) throw new Error(started.error.message);
  return (started.value as { runId: number }).runId;
}

export async function benchDispatch(): Promise<BenchRow[]> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-dispatch-'));
  const rows: BenchRow[] = [];
  // A 64×64 PNG: decoding and thumbnailing it costs little, so the measure is Atelier's bookkeeping.
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  const doubles: Double[] = [];
  try {
    // 1. Per-generation overhead, one at a time, against the same instant double.
    const ok = await startDouble('ok', png, () => 'png');
    doubles.push(ok);
    const plainDir = path.join(scratch, 'plain');
    await mkdir(plainDir, { recursive: true });
    const media = createMediaStore({ dataDir: path.join(scratch, 'ingest') });
    const core = bootCore(path.join(scratch, 'core'), { bench: ok.url }, {}, {});
    const completed = completion(core);
    const plain: number[] = [];
    const ingest: number[] = [];
    const full: number[] = [];
    // Interleaved, one of each per round, so disk and CPU noise (fsync, WAL checkpoints) hits all three alike.
    for (let i = 0; i < SAMPLES + WARMUP; i += 1) {
      let t0 = performance.now();
      const plainResponse = await fetch(`${ok.url}/generate`, { method: 'POST', body: '{}' });
      await writeFile(path.join(plainDir, `${i}.png`), new Uint8Array(await plainResponse.arrayBuffer()));
      const plainMs = performance.now() - t0;

      t0 = performance.now();
      const ingestResponse = await fetch(`${ok.url}/generate`, { method: 'POST', body: '{}' });
      await media.ingest(new Uint8Array(await ingestResponse.arrayBuffer()));
      const ingestMs = performance.now() - t0;

      t0 = performance.now();
      await completed(await startRun(core, `overhead ${i}`));
      const fullMs = performance.now() - t0;
      if (i < WARMUP) continue;
      plain.push(plainMs);
      ingest.push(ingestMs);
      full.push(fullMs);
    }
    await core.close();
    const plainP50 = percentile(plain, 50);
    const ingestP50 = percentile(ingest, 50);
    const fullP50 = percentile(full, 50);
    // Median of the per-round differences: steadier than a difference of medians.
    const overBare = percentile(
      full.map((f, k) => f - plain[k]!),
      50,
    );
    const overIngest = percentile(
      full.map((f, k) => f - ingest[k]!),
      50,
    );
    rows.push(
      { name: 'bare fetch + file write, p50', value: ms(plainP50) },
      {
        name: 'fetch + media ingest (decode check, hash, thumbnail, fsynced atomic writes), p50',
        value: ms(ingestP50),
      },
      {
        name: 'generation.start → run.completed through the dispatcher, p50 (p95)',
        value: `${ms(fullP50)} (${ms(percentile(full, 95))})`,
      },
      {
        name: 'dispatcher + store overhead: full path − (fetch + ingest), p50 of paired rounds',
        value: signed(overIngest),
        goal: `≤ +${OVERHEAD_GOAL_MS} ms`,
        ok: overIngest <= OVERHEAD_GOAL_MS,
      },
      {
        name: 'full path − bare fetch + file write, p50 of paired rounds (includes the media ingest)',
        value: signed(overBare),
      },
    );

    // 2. From a 503 to the next provider's request; backoff 0 and no retries, so only Atelier's own path counts.
    const failing = await startDouble('failing', png, () => '503');
    const next = await startDouble('next', png, () => 'png');
    doubles.push(failing, next);
    const chainCore = bootCore(
      path.join(scratch, 'chain'),
      { down: failing.url, up: next.url },
      {},
      {
        retryLimit: 0,
        backoffBaseMs: 0,
        breakerThreshold: 1_000_000,
      },
    );
    const chainDone = completion(chainCore);
    const gaps: number[] = [];
    for (let i = 0; i < SAMPLES + WARMUP; i += 1) {
      const runId = await startRun(chainCore, `fallthrough ${i}`);
      await chainDone(runId);
      if (i >= WARMUP) gaps.push(next.arrivals[i]! - failing.answered[i]!);
    }
    await chainCore.close();
    const gapP50 = percentile(gaps, 50);
    rows.push({
      name: '503 answered → next provider receives its request, p50 (p95); backoff 0, no retries',
      value: `${ms(gapP50)} (${ms(percentile(gaps, 95))})`,
      goal: `≤ ${FALLTHROUGH_GOAL_MS} ms + backoff`,
      ok: gapP50 <= FALLTHROUGH_GOAL_MS,
    });

    // 3. A burst: 50 at once through a chain whose first provider fails in several ways.
    const flaky = await startDouble('flaky', png, (n) =>
      n % 3 === 0 ? '503' : n % 5 === 0 ? '429' : n % 7 === 0 ? 'garbage' : 'png',
    );
    const steady = await startDouble('steady', png, () => 'png');
    doubles.push(flaky, steady);
    const burstCore = bootCore(
      path.join(scratch, 'burst'),
      { flaky: flaky.url, steady: steady.url },
      { flaky: 4, steady: 8 },
      {
        backoffBaseMs: 0,
      },
    );
    const t0 = performance.now();
    const ids = await Promise.all(Array.from({ length: BURST }, (_, i) => startRun(burstCore, `burst ${i}`)));
    await burstCore.generation.idle();
    const wall = performance.now() - t0;
    const runs: RunDetail[] = [];
    for (const id of ids) {
      const detail = await burstCore.invoke('runs.get', { id });
      if (detail.ok) runs.push(detail.value as RunDetail);
    }
    await burstCore.close();
    const settled = runs.filter((r) => r.status === 'succeeded' || r.status === 'failed').length;
    const outputs = runs.flatMap((r) => r.outputs.map((o) => o.path));
    const okAnswers = runs.flatMap((r) => r.attempts).filter((a) => a.outcome === 'ok').length;
    const succeeded = runs.filter((r) => r.status === 'succeeded').length;
    const lost = Math.abs(okAnswers - succeeded) + (BURST - settled);
    const duplicated = outputs.length - new Set(outputs).size + (ids.length - new Set(ids).size);
    rows.push(
      {
        name: `${BURST} concurrent requests, first provider failing 503/429/not-an-image`,
        value: `${runs.length} runs: ${succeeded} succeeded, ${runs.length - succeeded} failed; ${outputs.length} outputs; ${runs.flatMap((r) => r.attempts).length} attempts; ${wall.toFixed(0)} ms`,
      },
      {
        name: 'runs lost or duplicated, outputs duplicated',
        value: `${lost} lost, ${duplicated} duplicated`,
        goal: '0',
        ok: lost === 0 && duplicated === 0 && runs.length === BURST,
      },
    );
    return rows;
  } finally {
    for (const double of doubles) await double.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The PNG with a tEXt chunk carrying `n` after its header, so each answer has its own hash. */
function uniqueVariant(png: Buffer, n: string): Buffer {
  return Buffer.concat([png.subarray(0, 33), pngText(n), png.subarray(33)]);
}

/** A PNG tEXt chunk carrying `i`. */
function pngText(i: string): Buffer {
  const data = Buffer.from(`bench\0${i}`, 'latin1');
  const type = Buffer.from('tEXt', 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])));
  return Buffer.concat([length, type, data, crc]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

if (isMain(import.meta.url)) printTable('Dispatcher', await benchDispatch());
