import { describe, expect, it } from 'vitest';
import { GRANTED_PERMISSIONS, permissionGranted } from './permissions';

const app = 'file:///opt/Atelier/resources/app.asar/dist/renderer/index.html';

describe('window permissions', () => {
  it('grant writing to the clipboard to our own page, whatever view its fragment shows', () => {
    expect(permissionGranted('clipboard-sanitized-write', app, app)).toBe(true);
    expect(permissionGranted('clipboard-sanitized-write', `${app}#/history`, app)).toBe(true);
  });

  it('deny everything else by default, including permissions Electron may add later', () => {
    for (const permission of [
      'media',
      'display-capture',
      'geolocation',
      'notifications',
      'clipboard-read',
      'fullscreen',
      'openExternal',
      'hid',
      'serial',
      'usb',
      'midiSysex',
      'pointerLock',
      'window-management',
      'fileSystem',
      'unknown',
      'some-future-permission',
    ]) {
      expect(permissionGranted(permission, app, app), permission).toBe(false);
    }
    expect([...GRANTED_PERMISSIONS]).toEqual(['clipboard-sanitized-write']);
  });

  it('deny even the clipboard to any other page or an unknown requester', () => {
    expect(permissionGranted('clipboard-sanitized-write', 'https://evil.example/', app)).toBe(false);
    expect(permissionGranted('clipboard-sanitized-write', 'file:///tmp/other.html', app)).toBe(false);
    expect(permissionGranted('clipboard-sanitized-write', null, app)).toBe(false);
  });
});
