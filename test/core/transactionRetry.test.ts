import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { retriesTransaction, TRANSACTION_ATTEMPTS, transactionRetryWaitMs } from '../../src/core/transactionRetry.js';

const coded = (code: unknown, message = 'x') => Object.assign(new Error(message), { code });

describe('retriesTransaction', () => {
  const table: [string, unknown, number, boolean][] = [
    ['pg deadlock, first try', coded('40P01', 'deadlock detected'), 1, true],
    ['pg serialization failure, second try', coded('40001'), 2, true],
    ['pg deadlock on the last try', coded('40P01'), TRANSACTION_ATTEMPTS, false],
    ['SQLite stale snapshot', coded('SQLITE_BUSY_SNAPSHOT'), 1, true],
    ['SQLite busy past its lock wait (already waited)', coded('SQLITE_BUSY'), 1, false],
    ['lost connection (maybe during COMMIT)', new Error('Connection terminated unexpectedly'), 1, false],
    ['socket reset (maybe during COMMIT)', coded('ECONNRESET'), 1, false],
    ['pg connection failure (class 08)', coded('08006'), 1, false],
    ['pg statement completion unknown', coded('40003'), 1, false],
    ['pg lock_timeout', coded('55P03'), 1, false],
    ['pg statement_timeout / cancel', coded('57014'), 1, false],
    ['pg unique violation', coded('23505'), 1, false],
    ['SQLite constraint', coded('SQLITE_CONSTRAINT_UNIQUE'), 1, false],
    ['a domain error of ours', new DomainError('conflict', 'closed'), 1, false],
    ['a numeric code', coded(40001), 1, false],
    ['not an object', '40P01', 1, false],
    ['null', null, 1, false],
  ];
  it.each(table)('%s', (_, error, attempt, expected) => {
    expect(retriesTransaction(error, attempt)).toBe(expected);
  });

  it('stops at the given number of attempts', () => {
    expect(retriesTransaction(coded('40P01'), 1, 1)).toBe(false);
    expect(retriesTransaction(coded('40P01'), 4, 5)).toBe(true);
  });
});

describe('transactionRetryWaitMs', () => {
  const table: [number, number, number][] = [
    [1, 0, 1],
    [1, 0.999, 20],
    [2, 0.5, 21],
    [3, 0.999, 60],
    [0, 0.5, 11],
  ];
  it.each(table)('attempt %i, random %f: %i ms', (attempt, random, expected) => {
    expect(transactionRetryWaitMs(attempt, random)).toBe(expected);
  });
});
