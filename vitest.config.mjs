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
    // expect.poll waits on UI state; its default of 1 s is a wall-clock bet that a loaded CI machine loses.
    expect: { poll: { timeout: 30_000 } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: training tests and Chromium each want one.
    maxWorkers: 2,
  },
});
