// `npm start`: build, then open the Electron app. Where Electron cannot be had, say so in one line.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const fail = (line) => {
  process.stderr.write(`${line}\n`);
  process.exit(1);
};

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  fail(`Atelier needs Node.js 22.12 or newer (this is ${process.versions.node}); see .nvmrc.`);
}

function electronBinary() {
  const pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = path.join(pkgDir, 'path.txt');
  const resolve = () => {
    if (!existsSync(pathFile)) return null;
    const binary = path.join(pkgDir, 'dist', readFileSync(pathFile, 'utf8'));
    return existsSync(binary) ? binary : null;
  };
  if (resolve()) return resolve();
  // First start after `npm install`: Electron fetches its binary on demand; keep its noise out of the way.
  process.stdout.write('Fetching the Electron runtime (first start only)...\n');
  const install = spawnSync(process.execPath, [path.join(pkgDir, 'install.js')], {
    stdio: 'pipe',
    timeout: 300_000,
  });
  return install.status === 0 ? resolve() : null;
}

const binary = electronBinary();
if (!binary) {
  fail(
    'Atelier: the Electron runtime is not installed and could not be downloaded here; run `npm run serve` to use Atelier in your browser instead.',
  );
}

const built = spawnSync('npm', ['run', 'build', '--silent'], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (built.status !== 0) fail('Atelier: the build failed (see above).');

const child = spawn(binary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
