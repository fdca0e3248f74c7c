/**
 * The test suite hashes passwords cheaply (HELPDESK_TEST_PASSWORD_COST in vitest.config.ts), but
 * only under vitest: a server with the variable in its environment still hashes at the real cost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/services/passwords.js';

const costOf = (hash: string) => Number(hash.split('$')[1]);

describe('the test-only password cost', () => {
  const vitest = process.env.VITEST;
  afterEach(() => {
    process.env.VITEST = vitest;
    process.env.HELPDESK_TEST_PASSWORD_COST = '10';
  });

  it('is used under vitest, and the hash verifies', async () => {
    const hash = await hashPassword('correct horse');
    expect(costOf(hash)).toBe(1 << 10);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
  });

  it('is ignored outside vitest: N = 2^15 whatever the variable says', async () => {
    delete process.env.VITEST;
    const hash = await hashPassword('correct horse');
    expect(costOf(hash)).toBe(1 << 15);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
  });

  it('never goes below 2^10 or to a value that is not a whole number', async () => {
    for (const asked of ['4', '9', '10.5', 'low', '']) {
      process.env.HELPDESK_TEST_PASSWORD_COST = asked;
      expect(costOf(await hashPassword('x')), asked).toBe(1 << 15);
    }
  });
});
