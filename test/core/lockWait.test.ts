import { describe, expect, it } from 'vitest';
import { isLockBusy, lockRetryDelayMs } from '../../src/core/lockWait.js';

describe('lockRetryDelayMs', () => {
  it.each([
    [0, 0],
    [1, 1],
    [2, 1],
    [3, 2],
    [5, 5],
    [7, 10],
    [9, 20],
    [10, 20],
    [1_000, 20],
    [-1, 0],
  ])('after try %i pauses %i ms', (attempt, ms) => {
    expect(lockRetryDelayMs(attempt)).toBe(ms);
  });
});

describe('isLockBusy', () => {
  it.each([
    ['SQLITE_BUSY', true],
    ['SQLITE_BUSY_RECOVERY', true],
    ['SQLITE_BUSY_TIMEOUT', true],
    ['SQLITE_BUSY_SNAPSHOT', false],
    ['SQLITE_LOCKED', false],
    ['SQLITE_CONSTRAINT_UNIQUE', false],
    [undefined, false],
    [5, false],
  ])('%s → %s', (code, busy) => {
    expect(isLockBusy(code)).toBe(busy);
  });
});
