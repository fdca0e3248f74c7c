import { afterAll, beforeAll } from 'vitest';

/**
 * For a file whose tests time a password hash: hashes at the real cost while the file runs
 * (vitest.config.ts lowers it for the rest of the suite), and the lower cost back afterwards, since
 * files run one after another in the same worker process (`isolate: false`).
 */
export function atRealPasswordCost(): void {
  const asked = process.env.HELPDESK_TEST_PASSWORD_COST;
  beforeAll(() => {
    delete process.env.HELPDESK_TEST_PASSWORD_COST;
  });
  afterAll(() => {
    if (asked === undefined) delete process.env.HELPDESK_TEST_PASSWORD_COST;
    else process.env.HELPDESK_TEST_PASSWORD_COST = asked;
  });
}
