import { describe, expect, it } from 'vitest';
import { sizeInWords } from '../../src/core/fileSize.js';

describe('sizeInWords', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [812, '812 bytes'],
    [1023, '1023 bytes'],
    [1024, '1 kB'],
    [14 * 1024 + 300, '14 kB'],
    [14 * 1024 + 700, '15 kB'],
    [20_000, '20 kB'],
    [1024 * 1024 - 513, '1023 kB'],
    // Rounds to 1024 kB: written as the megabyte it is.
    [1024 * 1024 - 1, '1 MB'],
    [1024 * 1024, '1 MB'],
    [2.5 * 1024 * 1024, '2.5 MB'],
    [6 * 1024 * 1024, '6 MB'],
    [Math.round(9.84 * 1024 * 1024), '9.8 MB'],
    [1234.5 * 1024 * 1024, '1,234.5 MB'],
  ])('%i bytes read "%s"', (bytes, words) => {
    expect(sizeInWords(bytes)).toBe(words);
  });
});
