// The built app served to a browser, as the end-to-end tests and the browser benchmarks start it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ServedApp {
  /** The launch URL with the token in its fragment, as `npm run serve` prints it. */
  launchUrl: string;
  origin: string;
  dataDir: string;
  output: () => string;
}

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * Starts the built browser-mode server (`npm run build` first) on a free port. Its data directory is a new
 * temp folder, removed on stop; or `options.dataDir`, an existing library that is kept.
 */
export async function startServedApp(
  env: Record<string, string>,
  options: { dataDir?: string } = {},
): Promise<ServedApp & { stop(): Promise<void> }> {
  const owned = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'atelier-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['dist-electron/serve.mjs', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, ATELIER_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const launchUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in time:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Atelier is running at (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
  return {
    launchUrl,
    origin: new URL(launchUrl).origin,
    dataDir,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      if (owned) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls the served app's API as the page does (the launch token as a bearer); throws with the error when refused. */
export async function callApi<T = unknown>(app: ServedApp, name: string, input: unknown): Promise<T> {
  const token = new URL(app.launchUrl).hash.replace(/^#token=/, '');
  const response = await fetch(`${app.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const result = (await response.json()) as { ok: boolean; value?: unknown; error?: unknown };
  if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.error)}`);
  return result.value as T;
}
