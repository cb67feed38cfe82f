// The console is served by the server under /app: assets are asked for at /app/assets/….
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/app/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    target: ['es2022', 'chrome100', 'firefox100', 'safari15.4'],
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      // Radix marks its modules "use client" for server components; a browser bundle has no use for it.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
