import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'tests/unit/**/*.test.ts',
      'tests/integration/**/*.test.ts',
      'tests/e2e/**/*.spec.ts',
    ],
    environment: 'node',
    globalSetup: ['tests/setup/global-setup.ts'],
    // Tests that train assert the backend a run records; pin it, so an optional tfjs-node that happens to
    // install (preferred over wasm) cannot change what they check. Spawned CLIs and workers inherit it.
    env: { LATHE_BACKEND: 'wasm' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: training tests and Chromium each want one.
    maxWorkers: 2,
  },
});
