import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Real databases, real SMTP, a real browser, real server processes: generous limits (a safety
    // cap against a hang, not a performance target: files run in parallel on two cores), and files
    // in parallel processes.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
