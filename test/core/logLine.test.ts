import { describe, expect, it } from 'vitest';
import { prettyLogLine } from '../../src/core/logLine.js';

const at = Date.UTC(2026, 11, 3, 9, 58, 1, 123);

describe('prettyLogLine', () => {
  it.each([
    [{ level: 30, time: at, pid: 1, hostname: 'h', msg: 'Server listening at http://127.0.0.1:8000' }, '09:58:01.123 INFO  Server listening at http://127.0.0.1:8000'],
    [{ level: 40, time: at, msg: 'slow', ms: 12 }, '09:58:01.123 WARN  slow  ms=12'],
    [{ level: 30, time: at, reqId: 'req-1', req: { method: 'GET', url: '/healthz' }, msg: 'incoming request' }, '09:58:01.123 INFO  incoming request  reqId=req-1 req.method=GET req.url=/healthz'],
    [{ level: 30, time: at, msg: 'x', who: 'Ada Lovelace', empty: '' }, '09:58:01.123 INFO  x  who="Ada Lovelace" empty=""'],
    [{ level: 50, time: at, msg: 'failed', err: { message: 'boom', stack: 'Error: boom\n    at here' } }, '09:58:01.123 ERROR failed\nError: boom\n    at here'],
    [{ level: 35, time: at, msg: 'custom' }, '09:58:01.123 35    custom'],
    [{ level: 30, time: at, msg: 'list', ids: [1, 2] }, '09:58:01.123 INFO  list  ids=[1,2]'],
  ])('%j', (entry, expected) => {
    expect(prettyLogLine(JSON.stringify(entry))).toBe(expected);
  });

  it.each(['not json', '[1,2]', 'null', '42'])('leaves %s as it is', (line) => {
    expect(prettyLogLine(line)).toBe(line);
  });
});
