/** Rule 7 of the email channel (SPEC §10), table by table: src/core/inboundCap.ts. */
import { describe, expect, it } from 'vitest';
import { capRefusals, senderCapReason } from '../../src/core/inboundCap.js';

describe('senderCapReason (rule 7)', () => {
  it.each([
    [0, 3, null],
    [2, 3, null],
    [3, 3, 'This sender created 3 tickets within the last hour (the limit is 3).'],
    [5, 3, 'This sender created 5 tickets within the last hour (the limit is 3).'],
    [0, 0, 'This sender created 0 tickets within the last hour (the limit is 0).'],
  ])('%i tickets, cap %i: %s', (created, cap, reason) => {
    expect(senderCapReason(created, cap)).toBe(reason);
  });
});

describe('capRefusals: rule 7 read again in the writing transaction', () => {
  const mail = (address: string, created: number, ticketsPerHour = 3) => ({ address, created, ticketsPerHour });
  it.each([
    { name: 'nothing to read', mails: [], refused: [] },
    { name: 'under the cap', mails: [mail('a@x.example', 2)], refused: [false] },
    { name: 'at the cap (another process wrote the third meanwhile)', mails: [mail('a@x.example', 3)], refused: [true] },
    { name: 'the mails of one sender in one batch count those before them it lets through', mails: [mail('a@x.example', 1), mail('a@x.example', 1), mail('a@x.example', 1)], refused: [false, false, true] },
    { name: 'in any letter case', mails: [mail('a@x.example', 2), mail('A@X.example', 2)], refused: [false, true] },
    { name: 'a refused mail counts for nobody after it', mails: [mail('a@x.example', 1, 2), mail('a@x.example', 1, 1), mail('a@x.example', 1, 3)], refused: [false, true, false] },
    { name: 'other senders are counted apart', mails: [mail('a@x.example', 2), mail('b@x.example', 2), mail('a@x.example', 2)], refused: [false, false, true] },
  ])('$name', ({ mails, refused }) => {
    expect(capRefusals(mails).map((reason) => reason !== null)).toEqual(refused);
  });

  it('gives the count it refused at, earlier mails of the batch included', () => {
    expect(capRefusals([mail('a@x.example', 2), mail('a@x.example', 2)])[1]).toBe('This sender created 3 tickets within the last hour (the limit is 3).');
  });
});
