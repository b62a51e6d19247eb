import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../shared/domain';
import { fakeClock } from '../../test/support/clocks';
import { createTestCore } from '../../test/support/core';
import { type Core, DATABASE_FILE } from '.';
import { createSessionVault } from './vault/vault';

const KEY = 'sk-proj-Zx81QmT4vLp0aB7cN2dE5fG9hJ3kW6';
const b64 = (text: string, form: 'base64' | 'base64url' = 'base64') => Buffer.from(text).toString(form);

/** How a careless gateway echoes the key it was given. */
const ECHOES: Record<string, (key: string) => string> = {
  upper: (key) => key.toUpperCase(),
  base64: (key) => b64(key),
  basic: (key) => b64(`gateway-user:${key}`),
  basicUrl: (key) => b64(`me:${key}`, 'base64url'),
  truncated: (key) => key.slice(0, -1),
  middle: (key) => key.slice(4, 30),
  hex: (key) => Buffer.from(key).toString('hex'),
  url: (key) => encodeURIComponent(key),
};

/** Every run of 8 characters of the key's encodings (lower-cased): base64 in each of its three alignments. */
function keyRuns(): string[] {
  const forms = [KEY, Buffer.from(KEY).toString('hex'), encodeURIComponent(KEY)];
  for (const prefix of ['', 'a', 'ab']) {
    for (const form of ['base64', 'base64url'] as const) {
      // Characters that also carry the prefix's bits, or the padding's, are not the key's.
      forms.push(b64(prefix + KEY, form).slice(Math.ceil((prefix.length * 8) / 6) + 1, -3));
    }
  }
  const runs = new Set<string>();
  for (const form of forms) {
    for (let i = 0; i + 8 <= form.length; i += 1) runs.add(form.slice(i, i + 8).toLowerCase());
  }
  return [...runs];
}
function leaks(text: string): string[] {
  const lower = text.toLowerCase();
  return keyRuns().filter((run) => lower.includes(run));
}

/** An OpenAI-style gateway that refuses every call and quotes the bearer token back in every encoding. */
async function startEchoingGateway(echo: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const message = `Gateway rejected credentials ${ECHOES[echo]!(token)} (${'padding '.repeat(600)})`;
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', code: 'invalid_api_key' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('a key echoed by a gateway never reaches the library, runs.get or events', () => {
  let dataDir: string;
  let core: Core | null = null;
  let server: Server | null = null;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'atelier-redaction-'));
  });
  afterEach(async () => {
    await core?.close();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(Object.keys(ECHOES))('echoed as %s', async (echo) => {
    const gateway = await startEchoingGateway(echo);
    server = gateway.server;
    const emitted: string[] = [];
    core = createTestCore({
      dataDir,
      vault: createSessionVault(),
      log: { info() {}, warn() {}, error() {} },
      mode: 'browser',
      version: '0.0.0-test',
      endpoints: { openai: gateway.url },
      clock: fakeClock(),
    });
    core.events.subscribe((name, payload) => emitted.push(`${name} ${JSON.stringify(payload)}`));
    expect(await core.invoke('keys.set', { provider: 'openai', secret: KEY })).toMatchObject({ ok: true });

    const started = await core.invoke('generation.start', { prompt: 'a red chair', provider: 'openai' });
    const runId = (started as { ok: true; value: { runId: number } }).value.runId;
    await core.generation.idle();
    const got = await core.invoke('runs.get', { id: runId });
    const run = (got as { ok: true; value: RunDetail }).value;
    expect(run.attempts[0]).toMatchObject({ outcome: 'auth_failed', httpStatus: 401 });
    // The gateway's words are kept, as a bounded excerpt.
    // (A Basic header's user name is not secret: its base64 may stay in front of the key's.)
    expect(run.attempts[0]!.providerMessage).toMatch(
      /^Gateway rejected credentials \S{0,24}\[redacted key\]/,
    );
    expect(run.attempts[0]!.providerMessage!.length).toBeLessThanOrEqual(520);
    expect(leaks(JSON.stringify(got))).toEqual([]);

    const tested = await core.invoke('keys.test', { provider: 'openai' });
    expect(tested).toMatchObject({ ok: true, value: { ok: false, outcome: 'auth_failed' } });
    expect(leaks(JSON.stringify(tested))).toEqual([]);
    expect(leaks(JSON.stringify(await core.invoke('keys.list', {})))).toEqual([]);

    expect(emitted.length).toBeGreaterThan(0);
    expect(leaks(emitted.join('\n'))).toEqual([]);

    await core.close();
    core = null;
    const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      const stored = JSON.stringify([
        db.prepare('SELECT * FROM attempts').all(),
        db.prepare('SELECT * FROM runs').all(),
        db.prepare('SELECT * FROM settings').all(),
      ]);
      expect(stored).toContain('Gateway rejected credentials');
      expect(leaks(stored)).toEqual([]);
    } finally {
      db.close();
    }
  });
});
