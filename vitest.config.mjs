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
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: training tests and Chromium each want one.
    maxWorkers: 2,
  },
});
