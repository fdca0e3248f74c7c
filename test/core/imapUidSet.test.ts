/** The UID sets the IMAP watcher sends: consecutive UIDs as ranges, so the command stays short. */
import { describe, expect, it } from 'vitest';
import { uidSet } from '../../src/core/imapUidSet.js';

describe('uidSet', () => {
  it.each<[string, number[], string]>([
    ['nothing', [], ''],
    ['one', [7], '7'],
    ['two apart', [3, 5], '3,5'],
    ['two in a row', [3, 4], '3:4'],
    ['runs and singles', [1, 2, 3, 7, 9, 10], '1:3,7,9:10'],
    ['out of order, repeated', [10, 9, 1, 3, 2, 2, 7], '1:3,7,9:10'],
    ['large UIDs', [4294967294, 4294967295], '4294967294:4294967295'],
  ])('%s', (_what, uids, expected) => {
    expect(uidSet(uids)).toBe(expected);
  });

  it('fourteen thousand consecutive UIDs are one range', () => {
    expect(uidSet(Array.from({ length: 14_000 }, (_, i) => i + 1))).toBe('1:14000');
  });
});
