// "Show in folder": a desktop-only power the shell lends the core. The core checks the path is one of the
// library's stored files (never a way to reveal anything else) before it asks the shell.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testCatalog, testProvider, testRoutes } from '../../test/support/dispatch';
import { type Harness, makeHarness } from '../../test/support/harness';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

type Answer =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; error: { code: string; message: string } };

function setup(shown: string[] | null): Harness {
  const h = makeHarness({
    catalog: testCatalog(testProvider('pa')),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: {},
    keys: [],
    extra: shown === null ? {} : { mode: 'desktop', desktop: { showInFolder: (file) => shown.push(file) } },
  });
  open.push(h);
  fs.mkdirSync(path.join(h.dataDir, 'media', 'ab'), { recursive: true });
  fs.writeFileSync(path.join(h.dataDir, 'media', 'ab', 'abc.png'), 'png');
  return h;
}

describe('media.showInFolder', () => {
  it('asks the desktop shell to reveal a stored file, by its real path', async () => {
    const shown: string[] = [];
    const h = setup(shown);
    const info = (await h.core.invoke('app.info', {})) as Answer;
    expect(info.ok && info.value.canShowInFolder).toBe(true);
    expect(((await h.core.invoke('media.showInFolder', { path: 'media/ab/abc.png' })) as Answer).ok).toBe(
      true,
    );
    expect(shown).toEqual([fs.realpathSync(path.join(h.dataDir, 'media', 'ab', 'abc.png'))]);
  });

  it('refuses a path that is not a stored file, naming the field, and reveals nothing', async () => {
    const shown: string[] = [];
    const h = setup(shown);
    for (const bad of ['atelier.db', 'media/../atelier.db', 'media/ab/missing.png', '/etc/passwd']) {
      const answer = (await h.core.invoke('media.showInFolder', { path: bad })) as Answer;
      expect(answer.ok ? null : answer.error, bad).toMatchObject({
        code: 'invalid_input',
        message: expect.stringMatching(/^path: /),
      });
    }
    expect(shown).toEqual([]);
  });

  it('is unavailable when served to a browser, and app.info says so', async () => {
    const h = setup(null);
    const info = (await h.core.invoke('app.info', {})) as Answer;
    expect(info.ok && info.value.canShowInFolder).toBe(false);
    const answer = (await h.core.invoke('media.showInFolder', { path: 'media/ab/abc.png' })) as Answer;
    expect(answer.ok ? null : answer.error.code).toBe('unavailable');
  });
});
