/** The operations commands' strict command-line parser (src/cli/args.ts), as a table. */
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args.js';

const LINE = { usage: 'Usage: npm run x', values: ['username', 'name'], flags: ['inbound'], misuse: { inbound: '--inbound takes no value.' } };

describe('parseArgs', () => {
  it.each([
    [[], {}],
    [['--username', 'a', '--inbound'], { username: 'a', inbound: true }],
    [['--inbound', '--name', 'Nagios checks'], { inbound: true, name: 'Nagios checks' }],
    [['--name', '-x'], { name: '-x' }],
    [['--username', 'a', '--help'], null],
    [['-h'], null],
  ])('%j → %j', (argv, expected) => {
    expect(parseArgs(argv, LINE)).toEqual(expected);
  });

  it.each([
    [['--inboud'], 'Unknown option --inboud.'],
    [['--inbound', 'yes'], '--inbound takes no value.'],
    [['--username'], '--username needs a value.'],
    [['--username', '--inbound'], '--username needs a value.'],
    [['admin'], 'Unexpected argument "admin".'],
    [['--'], 'Unexpected argument "--".'],
  ])('%j is a usage error: %s', (argv, message) => {
    const error = (() => {
      try {
        parseArgs(argv, LINE);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(`${message}\nUsage: npm run x`);
    expect((error as UsageError).exitCode).toBe(2);
  });

  it('names a stray word after a flag without its own line', () => {
    expect(() => parseArgs(['--inbound', 'yes'], { usage: 'u', flags: ['inbound'] })).toThrow('Unexpected argument "yes".');
  });
});
