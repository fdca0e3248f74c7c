import { describe, expect, it } from 'vitest';
import { showsNothing, trimInvisible, withoutBidiOverrides } from '../../src/core/unicode.js';

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

describe('withoutBidiOverrides (header text that cannot be made to read reversed)', () => {
  it.each<[string, string, string]>([
    ['plain text is kept', 'Printer on fire', 'Printer on fire'],
    ['a right-to-left override goes', 'Invoice \u202Efdp.exe', 'Invoice fdp.exe'],
    ['embeddings, overrides and their pop go', '\u202Aa\u202Bb\u202Cc\u202Dd\u202Ee', 'abcde'],
    ['isolates and their pop go', '\u2066a\u2067b\u2068c\u2069', 'abc'],
    ['marks of direction stay: they reorder nothing beyond their neighbours', 'HD \u200fשלום\u200e ok', 'HD \u200fשלום\u200e ok'],
    ['Hebrew and Arabic letters stay', 'שלום مرحبا', 'שלום مرحبا'],
    ['a zero-width joiner in an emoji stays', '👩\u200d💻', '👩\u200d💻'],
  ])('%s', (_title, text, expected) => {
    expect(withoutBidiOverrides(text)).toBe(expected);
  });
});
