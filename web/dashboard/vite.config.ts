/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { APP_BASE } from './src/lib/base.ts';

const backend = process.env.PARLEY_DEV_BACKEND ?? 'http://127.0.0.1:8080';

export default defineConfig({
  // The server serves dist/ under /app/ (SPA fallback to index.html).
  base: APP_BASE,
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/health': { target: backend, changeOrigin: false },
      '/widget': { target: backend, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: false,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    setupFiles: ['src/test/setup.ts'],
    testTimeout: 20_000,
  },
});
