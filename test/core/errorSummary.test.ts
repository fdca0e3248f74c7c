import { describe, expect, it } from 'vitest';
import { errorSummary, MAX_SUMMARY } from '../../src/core/errorSummary.js';

function withoutMessage(code: string): Error {
  return Object.assign(new Error(''), { code });
}

describe('errorSummary: one line, never a stack', () => {
  it.each<[string, unknown, string]>([
    ['a driver error', Object.assign(new Error('database "nonexistent_db" does not exist'), { code: '3D000' }), 'database "nonexistent_db" does not exist'],
    ['a message of several lines: its first', new Error('\n  SQLITE_CANTOPEN: unable to open database file\n    at Database.prepare\n'), 'SQLITE_CANTOPEN: unable to open database file'],
    ['an AggregateError of refused connections', new AggregateError([new Error('connect ECONNREFUSED ::1:1'), new Error('connect ECONNREFUSED 127.0.0.1:1')], ''), 'connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1'],
    ['the same inner message once', new AggregateError([new Error('timeout'), new Error('timeout')], ''), 'timeout'],
    ['an error with a code alone', withoutMessage('ECONNRESET'), 'ECONNRESET'],
    ['a thrown string', 'no such file\nsecond line', 'no such file'],
    ['a plain object', { what: 'nothing' }, 'unknown error'],
    ['undefined', undefined, 'undefined'],
    ['an empty error', new Error(''), 'Error'],
  ])('%s', (_what, error, summary) => {
    expect(errorSummary(error)).toBe(summary);
  });

  it(`cuts a long message at ${MAX_SUMMARY} characters`, () => {
    const summary = errorSummary(new Error(`syntax error near ${'x'.repeat(1000)}`));
    expect(summary).toHaveLength(MAX_SUMMARY);
    expect(summary.endsWith('…')).toBe(true);
  });
});
