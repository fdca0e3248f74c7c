import { describe, expect, it } from 'vitest';
import { repeatedFieldErrors, repeatedFieldsMessage } from '../../src/core/repeatedFields.js';

describe('repeatedFieldErrors', () => {
  const cases: { name: string; body: Record<string, unknown>; lists: string[]; fields: string[] }[] = [
    { name: 'nothing repeated', body: { capacity: '3', name: 'x' }, lists: [], fields: [] },
    { name: 'a single-valued field sent twice', body: { capacity: ['2', '3'] }, lists: [], fields: ['capacity'] },
    { name: 'the same value twice is still twice', body: { topic: ['1', '1'] }, lists: [], fields: ['topic'] },
    { name: 'a list by design stays a list', body: { members: ['ann', 'bob'], name: 'Billing' }, lists: ['members'], fields: [] },
    { name: 'a list on another form does not excuse this one', body: { members: ['ann', 'bob'] }, lists: ['skills'], fields: ['members'] },
    { name: 'every repeated field is named', body: { a: ['1', '2'], b: 'x', c: ['1', '2', '3'] }, lists: [], fields: ['a', 'c'] },
    { name: 'an empty body', body: {}, lists: [], fields: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(Object.keys(repeatedFieldErrors(c.body, c.lists))).toEqual(c.fields);
    });
  }

  it('says how many times the field came', () => {
    expect(repeatedFieldErrors({ c: ['1', '2', '3'] }, [])).toEqual({ c: 'send this field once (it came 3 times).' });
  });

  it('the page message names the fields', () => {
    expect(repeatedFieldsMessage(['capacity', 'topic'])).toBe('Not saved: this form sent “capacity”, “topic” more than once; each may be sent only once.');
  });
});
