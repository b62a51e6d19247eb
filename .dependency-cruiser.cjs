// The architecture check (`npm run lint:arch`, and a stage of `npm test`): the arrows of docs/ARCHITECTURE.md,
// enforced. Paths are relative to the project root. A rule that names a folder must keep matching it: the
// test in scripts/arch.test.ts cruises a small tree that breaks each rule once and expects each to fire.

/** Files that exist for tests only: they may use test support, and product code may not use them. */
const TEST_CODE = ['\\.test\\.tsx?$', '\\.type-test\\.ts$', '\\.bench\\.ts$', '^test/', '^e2e/', '^bench/'];

/** The renderer's shared layers; every other folder under renderer/ is a feature. */
const RENDERER_LAYERS = '(app|components|lib|public)';
const FEATURE = `^renderer/(?!${RENDERER_LAYERS}/)[^/]+/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-no-electron',
      comment:
        'The core runs in plain Node (tests, serve): Electron stays in electron/main.ts, preload.ts and ipc.ts.',
      severity: 'error',
      from: { path: '^electron/core/' },
      to: { path: '(^|/)node_modules/electron/' },
    },
    {
      name: 'core-no-ui',
      comment: 'The core never imports React, the renderer or its libraries.',
      severity: 'error',
      from: { path: '^electron/core/' },
      to: { path: ['^renderer/', '(^|/)node_modules/(react|react-dom|zustand|@tanstack/[^/]+)/'] },
    },
    {
      name: 'core-no-shell',
      comment:
        'The core is below the transports: electron/main.ts, ipc.ts, serve.ts and transports/ call it, never the reverse.',
      severity: 'error',
      from: { path: '^electron/core/' },
      to: { path: '^electron/(?!core/)' },
    },
    {
      name: 'shared-stands-alone',
      comment: 'shared/ is the contract both sides import: it imports neither side, nor Electron or React.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: ['^(electron|renderer)/', '(^|/)node_modules/(electron|react|react-dom|zustand)/'] },
    },
    {
      name: 'renderer-no-main-process',
      comment:
        'The renderer talks to the main process only through renderer/api.ts and the contract in shared/.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: ['^electron/', '(^|/)node_modules/electron/'] },
    },
    {
      name: 'renderer-no-node',
      comment: 'The renderer runs in a sandboxed page: no Node built-ins outside its tests.',
      severity: 'error',
      from: { path: '^renderer/', pathNot: TEST_CODE },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'feature-no-other-feature',
      comment:
        'A renderer feature imports only components/, lib/, app/, api.ts and shared/. To act in another feature, ' +
        'send an intent through renderer/app/actions.ts; to share a widget, move it to components/.',
      severity: 'error',
      from: { path: '^renderer/([^/]+)/', pathNot: `^renderer/${RENDERER_LAYERS}/` },
      to: { path: FEATURE, pathNot: '^renderer/$1/' },
    },
    {
      name: 'app-mounts-features-in-one-place',
      comment:
        'app/ holds what every feature shares (navigation, catalog, routes, actions). Only app/App.tsx, which ' +
        'mounts the screens and starts each feature, may import a feature.',
      severity: 'error',
      from: { path: '^renderer/app/', pathNot: '^renderer/app/App\\.tsx$' },
      to: { path: FEATURE },
    },
    {
      name: 'components-are-generic',
      comment: 'components/ is the design system: it imports lib/ and shared/ only, never app/ or a feature.',
      severity: 'error',
      from: { path: '^renderer/components/' },
      to: { path: '^renderer/(?!(components|lib)/)[^/]+/' },
    },
    {
      name: 'lib-is-a-leaf',
      comment:
        'lib/ holds plain helpers: it imports shared/ (and api.ts), never components/, app/ or a feature.',
      severity: 'error',
      from: { path: '^renderer/lib/' },
      to: { path: '^renderer/(?!lib/)[^/]+/' },
    },
    {
      name: 'sql-only-in-store',
      comment:
        'SQL lives in electron/core/store/ (one repository per aggregate). scripts/check-sql.mjs also looks for SQL ' +
        'text outside it.',
      severity: 'error',
      from: { path: '^(electron|shared|renderer)/', pathNot: ['^electron/core/store/', ...TEST_CODE] },
      to: { path: '(^|/)node_modules/better-sqlite3/' },
    },
    {
      name: 'product-no-test-support',
      comment: 'Product code never imports test support: test/, e2e/, doubles, vitest or Playwright.',
      severity: 'error',
      from: { path: '^(electron|shared|renderer)/', pathNot: TEST_CODE },
      to: { path: [...TEST_CODE, '(^|/)node_modules/(vitest|@vitest/[^/]+|@playwright/test)/'] },
    },
    {
      name: 'no-circular',
      comment:
        'No import cycles: a cycle means two modules cannot be understood (or tested) one without the other. ' +
        'Break it with an intent (renderer/app/actions.ts), a port, or by moving the shared part down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves: a path the check cannot follow is a path it cannot judge.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API, so TypeScript is parsed with swc.
    parser: 'swc',
    doNotFollow: { path: ['(^|/)node_modules/'] },
    // Not node_modules: an excluded module's arrows vanish, and the rules about packages with them.
    exclude: { path: ['^dist', '^\\.tmp/'] },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
