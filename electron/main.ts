// The Electron shell: window, media protocol, IPC registration and OS key sealing. Everything else is the core.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, net, protocol, safeStorage, session, shell } from 'electron';
import { IPC_EVENT_CHANNEL } from '../shared/bridge';
import { readLaunchConfig } from './config';
import { type Core, createCore } from './core';
import { consoleLogger } from './core/ports';
import { loadCatalog } from './core/providers/catalog';
import { MEDIA_SCHEME } from './csp';
import { registerIpcHandlers } from './ipc';
import { createSafeStorageVault } from './safe-storage-vault';

declare const __ATELIER_VERSION__: string;

const log = consoleLogger('main');
const appRoot = path.resolve(import.meta.dirname, '..');
const rendererIndex = path.join(appRoot, 'dist', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).toString();

protocol.registerSchemesAsPrivileged([
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

if (!app.requestSingleInstanceLock()) app.quit();

let core: Core | null = null;
let mainWindow: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 1024,
    minHeight: 680,
    title: 'Atelier',
    backgroundColor: '#111214',
    show: false,
    webPreferences: {
      preload: path.join(import.meta.dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(rendererIndex);
  return win;
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links to provider dashboards open in the user's browser; nothing opens inside the app.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

app.on('second-instance', () => {
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.focus();
});

app.whenReady().then(() => {
  const catalog = loadCatalog(path.join(appRoot, 'resources', 'providers'));
  const config = readLaunchConfig(process.env, catalog, app.getPath('userData'));
  const activeCore = createCore({
    dataDir: config.dataDir,
    vault: createSafeStorageVault(safeStorage, process.platform),
    log,
    mode: 'desktop',
    version: __ATELIER_VERSION__,
    catalog,
    environmentKeys: config.environmentKeys,
    endpoints: config.endpoints,
  });
  core = activeCore;

  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(permission === 'clipboard-sanitized-write'),
  );
  protocol.handle(MEDIA_SCHEME, (request) => {
    const relative = decodeURIComponent(new URL(request.url).pathname.replace(/^\/+/, ''));
    const file = activeCore.resolveMedia(relative);
    if (!file) return new Response('Not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });

  mainWindow = createWindow();
  registerIpcHandlers(ipcMain, activeCore.invoke, (frame, event) => {
    // The renderer keeps its view in the fragment; the document itself must be our own file.
    return (
      mainWindow !== null &&
      event.sender === mainWindow.webContents &&
      frame?.url.split('#')[0] === rendererUrl
    );
  });
  activeCore.events.subscribe((name, payload) => {
    if (mainWindow && !mainWindow.isDestroyed())
      mainWindow.webContents.send(IPC_EVENT_CHANNEL, { name, payload });
  });

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let closing = false;
app.on('before-quit', (event) => {
  if (!core || closing) return;
  // Let in-flight runs record their cancellation before the database closes.
  event.preventDefault();
  closing = true;
  core
    .close()
    .catch((error: unknown) => log.error('shutdown failed', { error: String(error) }))
    .finally(() => app.quit());
});
