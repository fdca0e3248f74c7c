import { describe, expect, it } from 'vitest';
import { CSAT_CHANGE_DAYS, csatFigure, csatTotal, deletedTeamsCsat, MAX_CSAT_COMMENT, parseCsatScore, ratingChangeableUntil, ratingDecision, type RatingInput, type RatingState, ratingWrite, validateRating } from '../../src/core/csat.js';
import { DomainError } from '../../src/core/errors.js';

const DAY = 86_400_000;
const CLOSED_AT = 1_000_000;
const WINDOW = CSAT_CHANGE_DAYS * DAY;

function ticket(over: Partial<RatingState> = {}): RatingState {
  return { status: 'closed', closed_at: CLOSED_AT, csat_score: null, ...over };
}

describe(`ratingDecision (closed at ${CLOSED_AT}, changeable ${CSAT_CHANGE_DAYS} days)`, () => {
  it.each<[string, RatingState, number, ReturnType<typeof ratingDecision>]>([
    ['an open ticket cannot be rated', ticket({ status: 'open', closed_at: null }), CLOSED_AT, { kind: 'refused', reason: 'open' }],
    ['an open ticket cannot be rated, whatever its columns say', ticket({ status: 'open', csat_score: 'good' }), CLOSED_AT, { kind: 'refused', reason: 'open' }],
    ['the first rating right at the close', ticket(), CLOSED_AT, { kind: 'first' }],
    ['the first rating within the window', ticket(), CLOSED_AT + DAY, { kind: 'first' }],
    ['a first rating after the window is still taken (a late answer is an answer)', ticket(), CLOSED_AT + 90 * DAY, { kind: 'first' }],
    ['a change the instant after the close', ticket({ csat_score: 'good' }), CLOSED_AT + 1, { kind: 'change' }],
    ['a change on the last instant of the window', ticket({ csat_score: 'bad' }), CLOSED_AT + WINDOW, { kind: 'change' }],
    ['a change 1 ms after the window is refused', ticket({ csat_score: 'bad' }), CLOSED_AT + WINDOW + 1, { kind: 'refused', reason: 'settled' }],
    ['a change long after is refused', ticket({ csat_score: 'good' }), CLOSED_AT + 365 * DAY, { kind: 'refused', reason: 'settled' }],
    ['a closed row without closed_at (hand-written) stays changeable', ticket({ closed_at: null, csat_score: 'good' }), CLOSED_AT + 365 * DAY, { kind: 'change' }],
  ])('%s', (_, t, now, expected) => expect(ratingDecision(t, now)).toEqual(expected));

  it('the change deadline is the close plus the window', () => {
    expect(ratingChangeableUntil(CLOSED_AT)).toBe(CLOSED_AT + WINDOW);
    expect(ratingChangeableUntil(null)).toBeNull();
  });
});

describe('ratingWrite: the rating already recorded, sent again, is unchanged (nothing written, nothing announced)', () => {
  const rated = (score: 'good' | 'bad' | null, comment: string | null) => ({ ...ticket({ csat_score: score }), csat_comment: comment });
  it.each<[string, ReturnType<typeof rated>, RatingInput, number, ReturnType<typeof ratingWrite>]>([
    ['the same score and comment', rated('good', 'Fast.'), { score: 'good', comment: 'Fast.' }, CLOSED_AT + DAY, { kind: 'unchanged' }],
    ['the same score, both without a comment', rated('bad', null), { score: 'bad', comment: null }, CLOSED_AT + DAY, { kind: 'unchanged' }],
    ['the same rating on the last instant of the window', rated('good', null), { score: 'good', comment: null }, CLOSED_AT + WINDOW, { kind: 'unchanged' }],
    ['another score', rated('good', 'Fast.'), { score: 'bad', comment: 'Fast.' }, CLOSED_AT + DAY, { kind: 'change' }],
    ['another comment', rated('good', 'Fast.'), { score: 'good', comment: 'Fast!' }, CLOSED_AT + DAY, { kind: 'change' }],
    ['a comment added', rated('good', null), { score: 'good', comment: 'Fast.' }, CLOSED_AT + DAY, { kind: 'change' }],
    ['the comment dropped', rated('good', 'Fast.'), { score: 'good', comment: null }, CLOSED_AT + DAY, { kind: 'change' }],
    ['a comment differing only in letter case is another comment', rated('good', 'fast.'), { score: 'good', comment: 'Fast.' }, CLOSED_AT + DAY, { kind: 'change' }],
    ['the first rating', rated(null, null), { score: 'good', comment: null }, CLOSED_AT + DAY, { kind: 'first' }],
    ['the same rating after the window is refused like any change', rated('good', 'Fast.'), { score: 'good', comment: 'Fast.' }, CLOSED_AT + WINDOW + 1, { kind: 'refused', reason: 'settled' }],
    ['an open ticket is refused whatever is sent', { ...rated('good', null), status: 'open' as const }, { score: 'good', comment: null }, CLOSED_AT, { kind: 'refused', reason: 'open' }],
  ])('%s', (_, t, input, now, expected) => expect(ratingWrite(t, input, now)).toEqual(expected));
});

describe('parseCsatScore', () => {
  it.each<[unknown, ReturnType<typeof parseCsatScore>]>([
    ['good', 'good'],
    ['bad', 'bad'],
    [' GOOD ', 'good'],
    ['Bad', 'bad'],
    ['', null],
    ['excellent', null],
    ['goodbad', null],
    [undefined, null],
    [['good'], null],
    [1, null],
  ])('%j → %j', (raw, expected) => expect(parseCsatScore(raw)).toBe(expected));
});

describe('validateRating', () => {
  it.each<[string, Record<string, unknown>, ReturnType<typeof validateRating>]>([
    ['a score alone', { score: 'good' }, { score: 'good', comment: null }],
    ['an empty comment is none', { score: 'bad', comment: '   \n ' }, { score: 'bad', comment: null }],
    // Staff would read an empty quote, and webhooks a comment of nothing: it is no comment.
    ['a comment that shows nothing (zero-width and direction marks) is none', { score: 'bad', comment: '\u200b\u200f \u2060\ufeff' }, { score: 'bad', comment: null }],
    ['visible text with a zero-width joiner is kept whole', { score: 'good', comment: '👩\u200d💻 great' }, { score: 'good', comment: '👩\u200d💻 great' }],
    ['a comment trimmed, line breaks normalised', { score: 'bad', comment: ' Slow.\r\nBut kind. ' }, { score: 'bad', comment: 'Slow.\nBut kind.' }],
    ['a comment of exactly the limit', { score: 'good', comment: 'x'.repeat(MAX_CSAT_COMMENT) }, { score: 'good', comment: 'x'.repeat(MAX_CSAT_COMMENT) }],
    ['the limit counts characters, not UTF-16 units', { score: 'good', comment: '😀'.repeat(MAX_CSAT_COMMENT) }, { score: 'good', comment: '😀'.repeat(MAX_CSAT_COMMENT) }],
    ['tabs and line breaks are text', { score: 'good', comment: 'a\tb\r\nc' }, { score: 'good', comment: 'a\tb\nc' }],
  ])('takes %s', (_, fields, expected) => expect(validateRating(fields)).toEqual(expected));

  it.each<[string, Record<string, unknown>, Record<string, string>]>([
    ['no score', {}, { score: 'Rating: choose good or bad.' }],
    ['an unknown score', { score: 'meh' }, { score: 'Rating: choose good or bad.' }],
    ['two scores', { score: ['good', 'bad'] }, { score: 'Rating: choose good or bad.' }],
    ['a comment over the limit', { score: 'good', comment: 'x'.repeat(MAX_CSAT_COMMENT + 1) }, { comment: `Comment: the comment is too long: at most ${MAX_CSAT_COMMENT} characters.` }],
    ['a comment that is not text', { score: 'good', comment: ['a', 'b'] }, { comment: 'Comment: the comment must be text.' }],
    // The same characters a message refuses (core/conversation.ts): no person types them.
    ['a comment with an escape sequence', { score: 'bad', comment: 'slow \u001b[31mred' }, { comment: 'Comment: the comment holds characters that are not text.' }],
    ['a comment with a bell', { score: 'good', comment: 'ding\u0007' }, { comment: 'Comment: the comment holds characters that are not text.' }],
    ['a comment with DEL', { score: 'good', comment: 'x\u007f' }, { comment: 'Comment: the comment holds characters that are not text.' }],
    ['a comment with a C1 control', { score: 'good', comment: 'x\u009b31m' }, { comment: 'Comment: the comment holds characters that are not text.' }],
    ['both at once', { score: 'x', comment: 'x'.repeat(MAX_CSAT_COMMENT + 1) }, { score: 'Rating: choose good or bad.', comment: `Comment: the comment is too long: at most ${MAX_CSAT_COMMENT} characters.` }],
  ])('refuses %s naming the field', (_, fields, expected) => {
    let error: unknown;
    try {
      validateRating(fields);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('invalid_input');
    expect((error as DomainError).fields).toEqual(expected);
  });
});

describe('csatFigure', () => {
  it.each<[number, number, ReturnType<typeof csatFigure>]>([
    [0, 0, { rated: 0, good: 0, score: null }],
    [1, 1, { rated: 1, good: 1, score: 1 }],
    [4, 1, { rated: 4, good: 1, score: 0.25 }],
    [3, 2, { rated: 3, good: 2, score: 0.6667 }],
    [3, 0, { rated: 3, good: 0, score: 0 }],
  ])('rated %i, good %i', (rated, good, expected) => expect(csatFigure(rated, good)).toEqual(expected));
});

describe('csatTotal', () => {
  it('sums counts, a missing one as none', () => {
    expect(csatTotal([{ rated: 2, good: 1 }, undefined, { rated: 1, good: 1 }])).toEqual({ rated: 3, good: 2, score: 0.6667 });
    expect(csatTotal([])).toEqual({ rated: 0, good: 0, score: null });
  });
});

describe('deletedTeamsCsat', () => {
  const counts = new Map([
    [1, { rated: 3, good: 2 }],
    [7, { rated: 2, good: 1 }],
    [9, { rated: 1, good: 1 }],
  ]);
  const cases: [string, number[], ReturnType<typeof deletedTeamsCsat>][] = [
    ['every rated team still exists: none', [1, 7, 9, 10], null],
    ['the ratings of teams no longer there, together', [1], { rated: 3, good: 2, score: 0.6667 }],
    ['one deleted team', [1, 9], { rated: 2, good: 1, score: 0.5 }],
    ['no team left at all', [], { rated: 6, good: 4, score: 0.6667 }],
  ];
  for (const [name, existing, expected] of cases) {
    it(name, () => expect(deletedTeamsCsat(counts, existing)).toEqual(expected));
  }

  it('a deleted team without ratings in the window is no row', () => {
    expect(deletedTeamsCsat(new Map([[4, { rated: 0, good: 0 }]]), [])).toBeNull();
  });

  it('with the existing teams’ rows it adds up to the total', () => {
    const existing = [1, 9];
    const rows = existing.map((id) => csatTotal([counts.get(id)]));
    const deleted = deletedTeamsCsat(counts, existing)!;
    const total = csatTotal(counts.values());
    expect(rows.reduce((sum, r) => sum + r.rated, deleted.rated)).toBe(total.rated);
    expect(rows.reduce((sum, r) => sum + r.good, deleted.good)).toBe(total.good);
  });
});
