import { describe, expect, it } from 'vitest';
import { waitingInWords } from '../../src/views/customerThread.js';

describe('the status page in the customer’s words', () => {
  it.each([
    ['agent', 'We are working on it'],
    ['customer', 'Waiting for your answer'],
    [null, null],
  ] as const)('waiting on %s reads %s', (waitingOn, words) => {
    expect(waitingInWords(waitingOn)).toBe(words);
  });
});
