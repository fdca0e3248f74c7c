/** How the IMAP watcher groups a mailbox's mails for one FETCH each: by count and by bytes. */
import { describe, expect, it } from 'vitest';
import { chunksOf } from '../../src/mail/inbound/imap.js';

const mails = (...sizes: number[]) => sizes.map((size, i) => ({ uid: i + 1, size }));

describe('chunksOf', () => {
  it.each<[string, { uid: number; size: number }[], number, number, number[][]]>([
    ['nothing', [], 3, 100, []],
    ['small mails: by count', mails(1, 1, 1, 1, 1), 2, 100, [[1, 2], [3, 4], [5]]],
    ['by bytes before count', mails(40, 40, 40, 10), 10, 100, [[1, 2], [3, 4]]],
    ['exactly the byte limit fits', mails(50, 50, 1), 10, 100, [[1, 2], [3]]],
    ['a mail over the limit alone, the others around it', mails(10, 500, 10), 10, 100, [[1], [2], [3]]],
    ['two mails over the limit: one each', mails(300, 300), 10, 100, [[1], [2]]],
  ])('%s', (_what, list, maxMails, maxBytes, expected) => {
    expect(chunksOf(list, maxMails, maxBytes)).toEqual(expected);
  });
});
