import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedEdits,
  candidateRange,
  correctedText,
  correctionAttempts,
  correctionsFound,
  correctQuery,
  editDistance,
  holdsWord,
  type KnownWord,
  MAX_ATTEMPTS,
  rankCorrections,
  typoWords,
} from '../../src/core/searchTypos.js';
import { searchQuery } from '../support/search.js';

const query = searchQuery;

const known = (...words: Array<string | [string, number]>): KnownWord[] => words.map((w) => (typeof w === 'string' ? { word: w, weight: 1 } : { word: w[0], weight: w[1] }));

describe('editDistance', () => {
  it.each<[string, string, string, number]>([
    ['same word', 'printer', 'printer', 0],
    ['one letter replaced', 'printer', 'prinder', 1],
    ['one letter missing', 'priter', 'printer', 1],
    ['one letter too many', 'printtter', 'printer', 2],
    ['two neighbours swapped count once', 'pritner', 'printer', 1],
    ['a swap and a replacement', 'pirntar', 'printer', 2],
    ['letters are code points, not UTF-16 units', 'caf😀', 'cafe', 1],
    ['accents are letters of their own', 'café', 'cafe', 1],
    ['from nothing', '', 'abc', 3],
  ])('%s: %s → %s = %i', (_, a, b, expected) => {
    expect(editDistance(a, b, 5)).toBe(expected);
    expect(editDistance(b, a, 5)).toBe(expected);
  });

  it.each<[string, string, number]>([
    ['printer', 'scanner', 2],
    ['printer', 'pr', 2],
    ['abcdefgh', 'badcfehg', 2],
  ])('stops at max + 1 once it is sure: %s → %s with max %i', (a, b, max) => {
    expect(editDistance(a, b, max)).toBe(max + 1);
  });

  it('with a bound agrees with the full distance whenever that is within the bound', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 8 });
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 3 }), (a, b, max) => {
        const full = editDistance(a, b, 20);
        expect(editDistance(a, b, max)).toBe(Math.min(full, max + 1));
      }),
    );
  });
});

describe('typoWords: which words may be misspelt', () => {
  it.each<[string, string, string[]]>([
    ['a long word', 'pritner', ['pritner']],
    ['four letters and more only', 'jam tonr', ['tonr']],
    ['not a phrase', '"pritner jam" scaner', ['scaner']],
    ['not an excluded word', 'scaner -pritner', ['scaner']],
    ['not emails or references', 'ada@example.com HD-12 scaner', ['scaner']],
    ['not words with digits or punctuation', 'job123 e-mail scaner', ['scaner']],
    ['letters of any script', 'drücker', ['drücker']],
  ])('%s: %s', (_, raw, expected) => {
    expect(typoWords(query(raw))).toEqual(expected);
  });
});

describe('candidateRange', () => {
  it.each<[string, ReturnType<typeof candidateRange>]>([
    ['tonr', { from: 't', to: 'u', minLength: 3, maxLength: 5 }],
    ['pritner', { from: 'p', to: 'q', minLength: 5, maxLength: 9 }],
    ['ärger', { from: 'ä', to: 'å', minLength: 4, maxLength: 6 }],
  ])('%s', (word, expected) => {
    expect(candidateRange(word)).toEqual(expected);
  });

  it('allows one edit up to five letters, two from six', () => {
    expect([allowedEdits('tonr'), allowedEdits('scanr'), allowedEdits('pritner')]).toEqual([1, 1, 2]);
  });
});

describe('rankCorrections', () => {
  it.each<[string, string, KnownWord[], string[]]>([
    ['the closest word', 'pritner', known('printer', 'painter', 'pointer'), ['printer', 'painter', 'pointer']],
    ['fewer edits first, then the more common', 'prnter', known(['painter', 50], ['printer', 1], ['prater', 9]), ['prater', 'printer', 'painter']],
    ['alphabetical when as close and as common', 'bsll', known('ball', 'bell', 'bill'), ['ball', 'bell', 'bill']],
    ['none when the word is known (nothing to correct)', 'printer', known('printer', 'printers'), []],
    ['none too far away', 'pritner', known('promise', 'pattern'), []],
    ['one edit only for short words', 'tonr', known('toner', 'tenor'), ['toner']],
    ['the first letter must be right', 'rpinter', known('printer'), []],
    ['words with digits are never offered', 'jobb', known('job1'), []],
    ['at most MAX_ATTEMPTS', 'caat', known('cat', 'cart', 'chat', 'coat', 'cast'), ['cart', 'cast', 'cat'].slice(0, MAX_ATTEMPTS)],
    ['a word listed twice counts once, with its best weight', 'pritner', known(['printer', 1], ['printer', 7], ['printers', 3]), ['printer', 'printers']],
  ])('%s', (_, word, candidates, expected) => {
    expect(rankCorrections(word, candidates)).toEqual(expected);
  });
});

describe('correctionAttempts', () => {
  it.each<[string, Array<[string, string[]]>, Array<Array<[string, string]>>]>([
    ['nothing to try without candidates', [['pritner', []]], []],
    ['one per candidate', [['pritner', ['printer', 'painter']]], [[['pritner', 'printer']], [['pritner', 'painter']]]],
    [
      'words with fewer candidates keep their last one; words without stay as typed',
      [
        ['pritner', ['printer', 'painter']],
        ['tonr', ['toner']],
        ['zzzz', []],
      ],
      [
        [
          ['pritner', 'printer'],
          ['tonr', 'toner'],
        ],
        [
          ['pritner', 'painter'],
          ['tonr', 'toner'],
        ],
      ],
    ],
  ])('%s', (_, ranked, expected) => {
    expect(correctionAttempts(new Map(ranked)).map((c) => [...c])).toEqual(expected);
  });
});

describe('correcting', () => {
  it('replaces only included plain words in the query', () => {
    const corrected = correctQuery(query('pritner "pritner jam" -pritner tonr'), new Map([['pritner', 'printer']]));
    expect(corrected.terms).toEqual(query('printer "pritner jam" -pritner tonr').terms);
  });

  it.each<[string, string, Array<[string, string]>, string]>([
    ['in the letter case typed, anywhere', 'Pritner jam PRITNER', [['pritner', 'printer']], 'printer jam printer'],
    ['whole words only', 'pritners pritner', [['pritner', 'printer']], 'pritners printer'],
    ['several words', 'pritner tonr', [['pritner', 'printer'], ['tonr', 'toner']], 'printer toner'],
    ['letters of any script', 'Drücer', [['drücer', 'drücker']], 'drücker'],
    // The typed word is read as parseSearch reads it: İ as I, accents composed. The corrected text
    // is also what the next pages search ("More results"), so a word left uncorrected there made
    // them search the misspelling: nothing found.
    ['a Turkish dotted capital İ typed', 'İnternt yok', [['internt', 'internet']], 'internet yok'],
    ['accents typed decomposed', 'Dru\u0308cer', [['drücer', 'drücker']], 'drücker'],
  ])('correctedText: %s', (_, q, corrections, expected) => {
    expect(correctedText(q, new Map(corrections))).toBe(expected);
  });
});

describe('holdsWord: a whole word, not part of a longer one', () => {
  it.each<[string, string, string, boolean]>([
    ['alone', 'zanzibarite', 'zanzibarite', true],
    ['between punctuation', 'Re: (zanzibarite)!', 'zanzibarite', true],
    ['in any letter case', 'ZANZIBARITE shipment', 'zanzibarite', true],
    ['at the end of a longer word', 'the zanzibarites', 'zanzibarite', false],
    ['at the start of a longer word', 'prezanzibarite', 'zanzibarite', false],
    ['next to a digit', 'zanzibarite2', 'zanzibarite', false],
    ['a later whole occurrence after one inside a word', 'zanzibarites and zanzibarite', 'zanzibarite', true],
    ['accents as the known words drop them', 'Café crème', 'cafe', true],
    ['a letter beyond the BMP next to it', '𝒜zanzibarite', 'zanzibarite', false],
    ['a file name', 'quarterly-report.pdf', 'quarterly', true],
    ['nothing', '', 'zanzibarite', false],
  ])('%s: %s / %s', (_, text, word, expected) => {
    expect(holdsWord(text, word)).toBe(expected);
  });

  it.each<[string, string[], Array<[string, string]>, boolean]>([
    ['every word whole in some text', ['printer jams', 'paper'], [['pritner', 'printer'], ['papr', 'paper']], true],
    ['one word only inside a longer one', ['printers jam'], [['pritner', 'printer']], false],
    ['no texts', [], [['pritner', 'printer']], false],
  ])('correctionsFound: %s', (_, texts, corrections, expected) => {
    expect(correctionsFound(new Map(corrections), texts)).toBe(expected);
  });
});
