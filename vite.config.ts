import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { windowContentSecurityPolicy } from './electron/csp.ts';

/** Writes the one CSP (electron/csp.ts) into index.html as its first head element. */
export function cspMetaTag(): Plugin {
  return {
    name: 'atelier-csp',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: windowContentSecurityPolicy('meta') },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [cspMetaTag(), react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: true,
  },
  server: { host: '127.0.0.1' },
});
