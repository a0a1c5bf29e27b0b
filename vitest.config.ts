import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure code, fakes allowed, golden CLI tests) and `integration` (real Kafka and
// ClickHouse on 127.0.0.1, brought up by the integration global setup when they are not listening).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**'],
          globalSetup: ['test/setup/build.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/build.ts', 'test/integration/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
