import { expect } from 'vitest';
import { DomainError } from '../../src/core/errors.js';

/** The DomainError a call throws (fails the test when it throws nothing or something else). */
export function errorOf(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}
