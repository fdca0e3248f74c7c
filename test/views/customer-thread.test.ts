import { describe, expect, it } from 'vitest';
import { sizeInWords, waitingInWords } from '../../src/views/customerThread.js';

describe('the status page in the customer’s words', () => {
  it.each([
    ['agent', 'We are working on it'],
    ['customer', 'Waiting for your answer'],
    [null, null],
  ] as const)('waiting on %s reads %s', (waitingOn, words) => {
    expect(waitingInWords(waitingOn)).toBe(words);
  });

  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1023 bytes'],
    [1024, '1 KB'],
    [14 * 1024 + 300, '14 KB'],
    [1024 * 1024 - 1, '1.0 MB'],
    [1024 * 1024, '1.0 MB'],
    [2.5 * 1024 * 1024, '2.5 MB'],
  ])('%i bytes read "%s"', (bytes, words) => {
    expect(sizeInWords(bytes)).toBe(words);
  });
});
