/** The quoted history the reply parser leaves (core/quotedHistory.ts), told apart by form in any language. */
import { describe, expect, it } from 'vitest';
import { holdsQuotedMail, withLongLinesStoodIn, withoutLeftoverHistory } from '../../src/core/quotedHistory.js';

const SWEDISH = 'Från: Helpdesk <support@helpdesk.test>\nSkickat: den 1 december 2026 10:00\nTill: Carla <carla@example.com>\nÄmne: [HD-5] Printer\n\nWe received your request.';

describe('withoutLeftoverHistory', () => {
  it.each<[string, string, string]>([
    ['a Swedish Outlook block quoting our email', `Fortfarande trasig.\n\n${SWEDISH}`, 'Fortfarande trasig.'],
    ['with the rule Outlook draws above it', `Fortfarande trasig.\n\n________________________________\n${SWEDISH}`, 'Fortfarande trasig.'],
    ['with a localised marker line above it', `Rota.\n\n-----Messaggio originale-----\nDa: Helpdesk <support@helpdesk.test>\nInviato: martedì 1 dicembre 2026 10:00\nA: carla@example.com\nOggetto: R: [HD-5] Printer\n\nold`, 'Rota.'],
    ['Japanese labels and full-width colons', 'まだ。\n\n差出人： Helpdesk <support@helpdesk.test>\n送信日時： 2026年12月1日 10:00\n宛先： carla@example.com\n件名： [HD-5] Printer\n\nold', 'まだ。'],
    ['a block not naming our ticket (a forwarded mail of someone else) stays', 'See below.\n\nFrån: Dan <dan@example.com>\nSkickat: måndag\nTill: Carla <carla@example.com>\nÄmne: Printer quote\n\nold', 'See below.\n\nFrån: Dan <dan@example.com>\nSkickat: måndag\nTill: Carla <carla@example.com>\nÄmne: Printer quote\n\nold'],
    ['the customer\'s own details naming the ticket stay (no address first)', 'Thanks.\n\nTicket: [HD-5]\nName: Carla\nEmail: carla@example.com\nPhone: 555 1234', 'Thanks.\n\nTicket: [HD-5]\nName: Carla\nEmail: carla@example.com\nPhone: 555 1234'],
    ['three lines are not a quoted header', 'Hi.\n\nFrom: Helpdesk <support@helpdesk.test>\nTo: carla@example.com\nSubject: [HD-5] Printer', 'Hi.\n\nFrom: Helpdesk <support@helpdesk.test>\nTo: carla@example.com\nSubject: [HD-5] Printer'],
    ['nothing above the block: unchanged', SWEDISH, SWEDISH],
    ['an attribution line left at the end', 'まだ。\n\n2026年12月1日(火) 10:00 Helpdesk <support@helpdesk.test>:\n', 'まだ。'],
    ['a Polish one', 'Nadal.\n\nwt., 1 gru 2026 o 10:00 Helpdesk <support@helpdesk.test> napisał(a):', 'Nadal.'],
    ['a last line with an address not ending in a colon stays', 'Write to me at carla@example.com', 'Write to me at carla@example.com'],
    ['a last line ending in a colon without an address stays', 'Thanks.\n\nThe steps were:', 'Thanks.\n\nThe steps were:'],
    ['only an attribution line: unchanged', 'Helpdesk <support@helpdesk.test> wrote:', 'Helpdesk <support@helpdesk.test> wrote:'],
    ['no block at all', 'Just text.\nKey: value', 'Just text.\nKey: value'],
  ])('%s', (_name, text, reply) => {
    expect(withoutLeftoverHistory(text)).toBe(reply);
  });
});

describe('holdsQuotedMail', () => {
  it.each<[string, string, boolean]>([
    ['an attribution line', '\nOn Tue, 1 Dec 2026 Helpdesk <support@helpdesk.test> wrote:\n> old', true],
    ['an attribution line quoted itself (iPhone)', 'Sent from my iPhone\n\n> On 1 Dec 2026, at 10:00, Helpdesk <support@helpdesk.test> wrote:\n> old', true],
    ['a quoted header block of our email', `\n${SWEDISH}`, true],
    ['only > lines', '> only a quote\n> more', false],
    ['a signature alone', '-- \nCarla', false],
    ['an address and a colon mid-text', 'Write to carla@example.com: she knows.', false],
  ])('%s', (_name, text, holds) => {
    expect(holdsQuotedMail(text)).toBe(holds);
  });
});

describe('withLongLinesStoodIn: long lines kept from the reply parser, and put back', () => {
  const long = (c: string) => c.repeat(12);
  it.each<[string, string, string]>([
    ['short lines stay', 'Hi.\nThanks.', 'Hi.\nThanks.'],
    ['a long line is stood in for', `Hi.\n${long('a')}\nBye.`, 'Hi.\nlongline0longline\nBye.'],
    ['a line of exactly the limit stays', 'x'.repeat(10), 'x'.repeat(10)],
    ['its quote marks stay in front', `> > ${long('q')}`, '> > longline0longline'],
    ['each its own', `${long('a')}\n${long('b')}`, 'longline0longline\nlongline1longline'],
    ['a stand-in never taken for the text\'s own words', `longline\n${long('a')}`, 'longline\nlonglinex0longlinex'],
  ])('%s', (_name, text, stood) => {
    const result = withLongLinesStoodIn(text, 10);
    expect(result.text).toBe(stood);
    expect(result.restore(result.text)).toBe(text);
  });

  it('puts back the lines of a part of the text, leaving the rest as it is', () => {
    const text = `${'a'.repeat(20)}\nlongline\n\n> ${'b'.repeat(20)}`;
    const { text: stood, restore } = withLongLinesStoodIn(text, 10);
    expect(restore(stood.split('\n\n')[0]!)).toBe(`${'a'.repeat(20)}\nlongline`);
    expect(restore('nothing of it')).toBe('nothing of it');
  });
});
