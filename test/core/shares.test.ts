import { describe, expect, it } from 'vitest';
import { percentText, shareText } from '../../src/core/shares.js';

describe('percentText', () => {
  const cases: [number, string][] = [
    [0, '0.0 %'],
    [1, '100.0 %'],
    [0.5, '50.0 %'],
    [2 / 3, '66.7 %'],
    [0.123, '12.3 %'],
    // Below 1 never reads as all, above 0 never as none.
    [0.9999, '99.9 %'],
    [0.99951, '99.9 %'],
    [0.999, '99.9 %'],
    [0.9994, '99.9 %'],
    [0.0001, '0.1 %'],
    [0.00049, '0.1 %'],
    [Number.MIN_VALUE, '0.1 %'],
    [1 - Number.EPSILON, '99.9 %'],
    [0.0016, '0.2 %'],
    [0.9984, '99.8 %'],
  ];
  for (const [share, text] of cases) {
    it(`${share} → ${text}`, () => expect(percentText(share)).toBe(text));
  }
});

describe('shareText', () => {
  it('is an em dash when undecided, else the percentage', () => {
    expect(shareText(null)).toBe('—');
    expect(shareText(0.9999)).toBe('99.9 %');
  });
});

describe('the live updates write shares as the page does', () => {
  it('admin-dashboard.js (dashboard-format.js percent) agrees with shareText', async () => {
    // Plain browser JavaScript without DOM use: importable here as it is served (a path held in a
    // variable, as the module has no types).
    const served = '../../src/public/dashboard-format.js';
    const { percent } = (await import(served)) as { percent: (share: number | null) => string };
    const shares = [null, 0, 1, 0.5, 2 / 3, 0.9999, 0.99951, 0.0001, 0.00049, 1 - Number.EPSILON, Number.MIN_VALUE];
    for (let i = 0; i <= 10_000; i++) shares.push(i / 10_000);
    for (const share of shares) expect(percent(share), String(share)).toBe(shareText(share));
  });
});
