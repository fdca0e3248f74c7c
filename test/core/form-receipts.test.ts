import { describe, expect, it } from 'vitest';
import { formKeyOf, madeText, readMade } from '../../src/core/formReceipts.js';
import { newFormKey } from '../../src/http/forms.js';

describe('one-time form keys', () => {
  it.each([
    ['a key as the pages make them', 'AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['base64url letters', 'abc-_DEF0123456789xyzQ', 'abc-_DEF0123456789xyzQ'],
    ['one character short', 'AAAAAAAAAAAAAAAAAAAAA', null],
    ['one too many', 'AAAAAAAAAAAAAAAAAAAAAAA', null],
    ['plain base64', 'AAAAAAAAAAAAAAAAAAAA+/', null],
    ['empty', '', null],
    ['a list (the field twice)', ['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA'], null],
    ['missing', undefined, null],
  ])('reads %s', (_what, raw, key) => {
    expect(formKeyOf(raw)).toBe(key);
  });

  it('reads back the keys it hands out, each new', () => {
    const keys = Array.from({ length: 50 }, newFormKey);
    expect(keys.every((k) => formKeyOf(k) === k)).toBe(true);
    expect(new Set(keys).size).toBe(50);
  });

  it.each([
    ['webhook:12', 'webhook', { kind: 'webhook', id: 12 }],
    ['token:3', 'token', { kind: 'token', id: 3 }],
    ['token:3', 'webhook', null],
    ['', 'webhook', null],
    ['webhook:0', 'webhook', null],
    ['webhook:12x', 'webhook', null],
  ] as const)('reads the receipt %j for a %s form', (text, kind, made) => {
    expect(readMade(text, kind)).toEqual(made);
  });

  it('writes what it reads', () => {
    expect(madeText({ kind: 'webhook', id: 7 })).toBe('webhook:7');
    expect(readMade(madeText({ kind: 'token', id: 41 }), 'token')).toEqual({ kind: 'token', id: 41 });
  });
});
