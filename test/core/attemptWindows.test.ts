import { describe, expect, it } from 'vitest';
import { addressKey, type AttemptWindow, reserveCheck, secondsUntil, settleCheck, usernameKey } from '../../src/core/attemptWindows.js';

const limit = { max: 3, windowMs: 60_000 };
const at = 1_000_000;
const end = at + 30_000;
const win = (failed: number, held: number, resetAt = end): AttemptWindow => ({ failed, held, resetAt });

describe('sign-in checks reserved before they are made (the burst defect)', () => {
  it.each<[string, AttemptWindow | undefined, ReturnType<typeof reserveCheck>]>([
    ['no window: a new one holds the check', undefined, { answer: { kind: 'reserved', resetAt: at + 60_000 }, window: win(0, 1, at + 60_000) }],
    ['an ended window: a new one, its failures forgotten', win(3, 2, at), { answer: { kind: 'reserved', resetAt: at + 60_000 }, window: win(0, 1, at + 60_000) }],
    ['room: held in the live window, which keeps its end', win(1, 1), { answer: { kind: 'reserved', resetAt: end }, window: win(1, 2) }],
    ['checks in flight fill the rest: busy, nothing held', win(1, 2), { answer: { kind: 'busy' }, window: win(1, 2) }],
    ['checks in flight alone fill it: busy', win(0, 3), { answer: { kind: 'busy' }, window: win(0, 3) }],
    ['failures used it up: refused until the window ends', win(3, 0), { answer: { kind: 'used_up', waitSeconds: 30 }, window: win(3, 0) }],
    ['used up with checks in flight: refused, not busy', win(3, 1), { answer: { kind: 'used_up', waitSeconds: 30 }, window: win(3, 1) }],
    ['a stored count past max (counted before an upgrade): refused', win(7, 0), { answer: { kind: 'used_up', waitSeconds: 30 }, window: win(7, 0) }],
  ])('%s', (_title, window, expected) => {
    expect(reserveCheck(window, at, limit)).toEqual(expected);
  });

  it('max reservations in a row are held, the next is busy: however many arrive, at most max checks are in flight', () => {
    let window: AttemptWindow | undefined;
    const answers = Array.from({ length: 10 }, () => {
      const step = reserveCheck(window, at, limit);
      window = step.window;
      return step.answer.kind;
    });
    expect(answers).toEqual(['reserved', 'reserved', 'reserved', ...Array(7).fill('busy')]);
  });

  it.each<[string, AttemptWindow | undefined, number, 'passed' | 'failed', AttemptWindow | undefined]>([
    ['passed: the hold is given back, nothing counted', win(1, 2), end, 'passed', win(1, 1)],
    ['failed: the hold becomes a failure', win(1, 2), end, 'failed', win(2, 1)],
    ['never below zero (a hold swept or forgotten)', win(1, 0), end, 'passed', win(1, 0)],
    ['a failure without a hold still counts', win(1, 0), end, 'failed', win(2, 0)],
    ['the window has changed meanwhile: nothing to give back or count', win(0, 1, end + 60_000), end, 'failed', win(0, 1, end + 60_000)],
    ['no window at all', undefined, end, 'failed', undefined],
  ])('%s', (_title, window, resetAt, outcome, expected) => {
    expect(settleCheck(window, resetAt, outcome)).toEqual(expected);
  });

  it.each([
    [at + 30_000, 30],
    [at + 29_001, 30],
    [at + 1, 1],
    [at, 1],
    [at - 5_000, 1],
    [at + 15 * 60_000, 900],
  ])('wait until %d → %d s', (resetAt, seconds) => {
    expect(secondsUntil(resetAt, at)).toBe(seconds);
  });
});

describe('what a sign-in is counted under', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    [' 10.0.0.1 ', '10.0.0.1'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:a00:1', '10.0.0.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1:2:3:4', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    // Not an address (a socket path, a mistake): itself, lower-cased.
    ['Local', 'local'],
    ['1:2:3', '1:2:3'],
    ['1::2::3', '1::2::3'],
    ['::ffff:300.0.0.1', '::ffff:300.0.0.1'],
    ['1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8:9'],
    ['1:2:3:4::5:6:7:8', '1:2:3:4::5:6:7:8'],
  ])('address %j → %j', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  it.each([
    ['alice', 'alice'],
    [' ALICE ', 'alice'],
    ['', ''],
    ['   ', ''],
    ['x'.repeat(300), 'x'.repeat(200)],
  ])('username %j → %j', (username, key) => {
    expect(usernameKey(username)).toBe(key);
  });
});
