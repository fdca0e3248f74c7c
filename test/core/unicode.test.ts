import { describe, expect, it } from 'vitest';
import { showsNothing, trimInvisible } from '../../src/core/unicode.js';

describe('trimInvisible and showsNothing (text drawn as nothing)', () => {
  it.each<[string, string, string]>([
    ['plain text is kept', 'Support', 'Support'],
    ['whitespace at the ends goes, as with trim', '  Support\n', 'Support'],
    ['a zero-width space and a mark of direction at the ends go', '\u200bSupport\u200f', 'Support'],
    ['a soft hyphen, a BOM, a word joiner at the ends go', '\u00adGeneral\ufeff\u2060', 'General'],
    ['inside, they stay: the text is as typed', 'Sup\u200bport', 'Sup\u200bport'],
    ['an emoji joined by zero-width joiners stays whole', '👩\u200d💻 Team', '👩\u200d💻 Team'],
    ['Hebrew keeps its letters', '\u200fשלום', 'שלום'],
    ['only invisible characters: nothing', '\u200b \u3164\u2800\u115f', ''],
  ])('%s', (_title, text, expected) => {
    expect(trimInvisible(text)).toBe(expected);
    expect(showsNothing(text)).toBe(expected === '');
  });
});
