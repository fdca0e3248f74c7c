import { describe, expect, it } from 'vitest';
import { foldCase } from '../../src/core/textFold.js';

describe('foldCase: one letter case for the admin lists’ substring filters', () => {
  it.each<[string, string, string]>([
    ['ASCII', 'Ada LOVELACE', 'ada lovelace'],
    ['Latin with accents', 'ÉLODIE Ørsted', 'élodie ørsted'],
    ['Greek', 'ΣΩΚΡΑΤΗΣ', 'σωκρατης'],
    ['Cyrillic', 'ИВАН', 'иван'],
    ['the dotted capital İ as i (as PostgreSQL folds it), not i and a combining dot', 'İSMAİL İzmir', 'ismail izmir'],
    ['no letter case: as is', '東京 42 %_\\', '東京 42 %_\\'],
    ['empty', '', ''],
  ])('%s', (_what, text, folded) => {
    expect(foldCase(text)).toBe(folded);
  });
});
