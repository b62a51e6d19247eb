// The Electron shell: window, media protocol, IPC registration and OS key sealing. Everything else is the core.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  app,
  BrowserWindow,
  ipcMain,
  nativeImage,
  net,
  protocol,
  safeStorage,
  session,
  shell,
} from 'electron';
import { IPC_DRAG_OUT_CHANNEL, IPC_EVENT_CHANNEL } from '../shared/bridge';
import { AppError } from '../shared/result';
import { readLaunchConfig } from './config';
import { type Core, createCore } from './core';
import { decodeUrlPath } from './core/media';
import { consoleLogger } from './core/ports';
import { loadCatalog } from './core/providers/catalog';
import { MEDIA_SCHEME, windowContentSecurityPolicy, withContentSecurityPolicy } from './csp';
import { createDragOut } from './drag-out';
import { externalLinkOrigins, externalUrlAllowed } from './external-links';
import { registerIpcHandlers } from './ipc';
import { permissionGranted } from './permissions';
import { qualityModules } from './quality-modules';
import { createSafeStorageVault } from './safe-storage-vault';

declare const __ATELIER_VERSION__: string;

const log = consoleLogger('main');
const appRoot = path.resolve(import.meta.dirname, '..');
const rendererIndex = path.join(appRoot, 'dist', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).toString();
const policy = windowContentSecurityPolicy();

protocol.registerSchemesAsPrivileged([
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

if (!app.requestSingleInstanceLock()) app.quit();

let core: Core | null = null;
let mainWindow: BrowserWindow | null = null;
/** The sites the app links to (provider key pages); filled from the catalog once it is loaded. */
let externalOrigins: ReadonlySet<string> = new Set();

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
    // Links to the sites the app links to open in the user's browser; nothing opens inside the app.
    if (externalUrlAllowed(url, externalOrigins)) void shell.openExternal(url);
    else log.warn('link not opened: not a site Atelier links to', { origin: URL.parse(url)?.origin ?? null });
    return { action: 'deny' };
  });
});

app.on('second-instance', () => {
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.focus();
});

app.whenReady().then(() => {
  const catalog = loadCatalog(path.join(appRoot, 'resources', 'providers'));
  externalOrigins = externalLinkOrigins(catalog.providers);
  const config = readLaunchConfig(process.env, catalog, app.getPath('userData'));
  const activeCore = createCore({
    dataDir: config.dataDir,
    vault: createSafeStorageVault(safeStorage, process.platform),
    log,
    mode: 'desktop',
    desktop: { showInFolder: (file) => shell.showItemInFolder(file) },
    version: __ATELIER_VERSION__,
    catalog,
    environmentKeys: config.environmentKeys,
    endpoints: config.endpoints,
    quality: qualityModules(process.env),
    // Unpacked beside the asar (electron-builder.yml): a worker thread loads its script from disk.
    historySnapshotWorker: {
      script: path
        .join(import.meta.dirname, 'snapshot-worker.mjs')
        .replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`),
    },
  });
  core = activeCore;

  const ses = session.defaultSession;
  // Deny by default: only what the renderer uses, asked for by our own page.
  ses.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionGranted(permission, details.requestingUrl, rendererUrl)),
  );
  ses.setPermissionCheckHandler((_contents, permission, _origin, details) =>
    permissionGranted(permission, details.requestingUrl ?? null, rendererUrl),
  );
  ses.setDevicePermissionHandler(() => false);
  // The page itself loads from file://, where the build-time meta tag carries the policy; every
  // response that has headers carries it too.
  ses.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders, policy) }),
  );
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const relative = decodeUrlPath(new URL(request.url).pathname.replace(/^\/+/, ''));
    if (relative === null) return new Response('Bad request: malformed percent-encoding', { status: 400 });
    // Download of an original: written with its metadata per the setting (the library's file is only read).
    const download = /^download\/output\/([1-9][0-9]{0,15})$/.exec(relative);
    if (download) {
      try {
        const file = await activeCore.outgoingOriginal(Number(download[1]));
        return new Response(new Uint8Array(file.bytes), {
          headers: {
            'Content-Type': file.contentType,
            'Content-Disposition': `attachment; filename="${file.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
            'Cache-Control': 'no-store',
            'Content-Security-Policy': policy,
            'X-Content-Type-Options': 'nosniff',
          },
        });
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found')
          return new Response('Not found', { status: 404 });
        throw error;
      }
    }
    // The real path, once links are followed, must lie inside the data folder.
    const file = await activeCore.resolveMedia(relative);
    if (!file) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', policy);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
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
  // Drag out: the renderer prevents its own drag and asks for the OS one; the file carries its metadata.
  const dragOut = createDragOut(activeCore.outgoingOriginal, app.getPath('temp'));
  ipcMain.on(IPC_DRAG_OUT_CHANNEL, (event, outputId: unknown) => {
    if (
      !mainWindow ||
      event.sender !== mainWindow.webContents ||
      event.senderFrame?.url.split('#')[0] !== rendererUrl
    )
      return;
    if (!Number.isInteger(outputId) || (outputId as number) <= 0) return;
    dragOut(outputId as number).then(
      ({ file, bytes }) => {
        // nativeImage reads PNG and JPEG; any other format drags with a plain square (macOS refuses an empty icon).
        const image = nativeImage.createFromBuffer(bytes);
        const icon = image.isEmpty()
          ? nativeImage.createFromBitmap(Buffer.alloc(32 * 32 * 4, 0x80), { width: 32, height: 32 })
          : image.resize({ width: 96 });
        event.sender.startDrag({ file, icon });
      },
      (error: unknown) =>
        log.warn('drag out failed', { error: error instanceof Error ? error.message : String(error) }),
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
