import { defineConfig } from 'vitest/config';

// A long fuzz run (FUZZ_RUNS=10: ten times the inputs) gets its limits scaled with it, so that
// such a run on a busy machine reports what it finds, not a test stopped half-way at 120 s (whose
// requests then went on into the next test's checks).
const limitMs = 120_000 * Math.max(1, Number(process.env.FUZZ_RUNS ?? 1) || 1);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Real databases, real SMTP, a real browser, real server processes: generous limits (a safety
    // cap against a hang, not a performance target: files run in parallel on two cores), and files
    // in parallel processes.
    testTimeout: limitMs,
    hookTimeout: limitMs,
    // expect.poll waits for something to happen (a page's script after a load, a live push, a
    // background job's pass), never bounds how soon: vitest's default of 1 s ran out on a loaded CI
    // machine (45f745b). A poll still fails when the thing never happens.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // Vacuums the test server's catalogs before, during and after the run (each file's schema made
    // and dropped leaves dead catalog rows, and this machine's PostgreSQL runs without autovacuum).
    globalSetup: ['test/support/catalogs.ts'],
    // Three files at a time. Vitest's default is one fewer than the cores: a single file at a time
    // on this 2-core machine, which then sat 40 % idle (the tests wait on fsync, PostgreSQL, server
    // processes and Chromium far more than they compute). Every file has its own database, schema,
    // ports and directories, so files never share state.
    maxWorkers: 3,
    // Files that run in the same worker process share its loaded modules instead of importing the
    // whole app again per file (which took 40 % of the suite's CPU). Nothing of the product lives at
    // module level (state is passed in: ServiceContext), every file makes its own databases, apps
    // and servers and closes them, and a file that changes the environment puts it back
    // (test/support/passwordCost.ts).
    isolate: false,
    // Passwords hashed at scrypt N=2^10 instead of 2^15 (src/services/passwords.ts: honoured only
    // under vitest): the suite makes thousands of accounts and sign-ins, at 30–60 ms of a core each.
    // The tests that time a hash unset it.
    env: { HELPDESK_TEST_PASSWORD_COST: '10' },
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
