import { describe, expect, it } from 'vitest';
import { protoKeyPaths } from '../../src/core/jsonBody.js';

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
