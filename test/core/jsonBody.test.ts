import { describe, expect, it } from 'vitest';
import { jsonText, protoKeyPaths } from '../../src/core/jsonBody.js';

describe('protoKeyPaths: every __proto__ key of a parsed JSON body, as field paths', () => {
  it.each<[string, string[]]>([
    ['{"name": "A"}', []],
    ['{"__proto__": {"admin": true}}', ['__proto__']],
    ['{"name": "A", "__proto__": 1}', ['__proto__']],
    ['{"holidays": [{"from": "2026-01-01"}, {"__proto__": {}}]}', ['holidays.1.__proto__']],
    ['{"sla": {"high": {"__proto__": null}}, "__proto__": []}', ['__proto__', 'sla.high.__proto__']],
    ['[{"__proto__": 1}]', ['0.__proto__']],
    // Only the key: the text as a value, or a key that merely contains it, is fine.
    ['{"name": "__proto__", "x__proto__": 1, "constructor": {"prototype": {}}}', []],
    ['"__proto__"', []],
    ['null', []],
  ])('%s → %j', (json, expected) => {
    expect(protoKeyPaths(JSON.parse(json))).toEqual(expected);
  });

  it('walks a body nested far deeper than the stack would allow', () => {
    const depth = 200_000;
    const json = `${'['.repeat(depth)}{"__proto__": 1}${']'.repeat(depth)}`;
    expect(protoKeyPaths(JSON.parse(json))).toEqual([`${'0.'.repeat(depth)}__proto__`]);
  });
});

describe('protoKeyPaths on a wide body', () => {
  it('finds the one key among 100 000 members', () => {
    const wide = JSON.parse(`[${'{"a":1},'.repeat(100_000)}{"__proto__":1}]`);
    expect(protoKeyPaths(wide)).toEqual(['100000.__proto__']);
  });
});

describe('jsonText: the bytes of a JSON body as text, or null when they are not UTF-8', () => {
  const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));
  it.each<[string, Buffer, string | null]>([
    ['ASCII', bytes('{"a":1}'), '{"a":1}'],
    ['accents, CJK and emoji', bytes('{"n":"José 東京 👍"}'), '{"n":"José 東京 👍"}'],
    ['empty', bytes(''), ''],
    ['a byte order mark, dropped', bytes([0xef, 0xbb, 0xbf], '{}'), '{}'],
    ['Latin-1 é', bytes('{"n":"Jos', [0xe9], '"}'), null],
    ['a cut three-byte sequence', bytes('"', [0xe2, 0x82], '"'), null],
    ['an overlong "/"', bytes('"', [0xc0, 0xaf], '"'), null],
    ['an encoded surrogate half', bytes('"', [0xed, 0xa0, 0x80], '"'), null],
    ['beyond U+10FFFF', bytes('"', [0xf4, 0x90, 0x80, 0x80], '"'), null],
    ['0xFF', bytes([0xff]), null],
  ])('%s', (_what, input, expected) => {
    expect(jsonText(input)).toBe(expected);
  });

  it('reads a slice of a larger buffer by its own bounds', () => {
    const pool = Buffer.from('xx{"a":"é"}yy', 'utf8');
    expect(jsonText(pool.subarray(2, pool.length - 2))).toBe('{"a":"é"}');
  });
});
