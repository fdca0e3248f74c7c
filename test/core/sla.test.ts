import { describe, expect, it } from 'vitest';
import { PAUSED_DUE_AT } from '../../src/core/slaClocks.js';
import { alertAddressee, DEFAULT_SLA, formatDuration, humanSpan, instantAfterLock, isBreached, parseDuration, showsSeconds, slaDueAt } from '../../src/core/sla.js';
import type { Priority } from '../../src/core/tickets.js';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

describe('default SLA limits (§4)', () => {
  it('are high 1 minute, medium 4 minutes, low 1 hour', () => {
    expect(DEFAULT_SLA).toEqual({ high: 60, medium: 240, low: 3600 });
  });
});

describe('slaDueAt', () => {
  it.each<[Priority, number]>([
    ['high', T0 + MIN],
    ['medium', T0 + 4 * MIN],
    ['low', T0 + H],
  ])('with the default limits a %s ticket is due at created_at + its limit', (priority, due) => {
    expect(slaDueAt(T0, priority, DEFAULT_SLA)).toBe(due);
  });

  it.each<[Priority, number]>([
    ['high', T0 + 45 * S],
    ['medium', T0 + 90 * MIN],
    ['low', T0 + 2 * 24 * H],
  ])('custom limits in seconds: %s', (priority, due) => {
    expect(slaDueAt(T0, priority, { high: 45, medium: 5400, low: 172_800 })).toBe(due);
  });
});

describe('isBreached', () => {
  const due = T0 + MIN;
  it.each<[string, number | null, number, boolean]>([
    ['open before the deadline: not breached', null, due - 1, false],
    ['open exactly at the deadline: not yet breached', null, due, false],
    ['open one millisecond past the deadline: breached', null, due + 1, true],
    ['open long past the deadline: breached', null, due + H, true],
    ['closed before the deadline: never breached, however late it is now', due - S, due + 24 * H, false],
    ['closed exactly at the deadline: not breached', due, due + H, false],
    ['closed after the deadline: breached', due + S, due + H, true],
    ['closed after the deadline: breached even if now is read before', due + S, T0, true],
  ])('%s', (_title, closedAt, now, expected) => {
    expect(isBreached({ slaDueAt: due, closedAt }, now)).toBe(expected);
  });
});

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['45s', 45],
    ['4m', 240],
    ['1h', 3600],
    ['1h30m', 5400],
    ['2d', 172_800],
    ['1d2h3m4s', 93_784],
    ['1h30s', 3630],
    ['90m', 5400],
    ['0h30m', 1800],
    ['1h0m', 3600],
    ['60', 60],
    ['1', 1],
    ['  5m  ', 300],
    ['1H30M', 5400],
    ['1h 30m', 5400],
    ['007s', 7],
  ])('%j is %i seconds', (raw, seconds) => {
    expect(parseDuration(raw)).toBe(seconds);
  });

  it.each([
    ['0', 'zero'],
    ['0s', 'zero with a unit'],
    ['0h0m', 'zero in every unit'],
    ['', 'empty'],
    ['   ', 'blank'],
    ['5x', 'an unknown unit'],
    ['m', 'a unit without a number'],
    ['h30m', 'a leading unit without a number'],
    ['1m1h', 'units out of order'],
    ['1h1h', 'a unit twice'],
    ['30s1m', 'seconds before minutes'],
    ['1.5h', 'a fraction'],
    ['-5m', 'a negative'],
    ['-5', 'a negative bare number'],
    ['5 minutes', 'words'],
    ['1w', 'weeks'],
    ['1e3', 'an exponent'],
    ['0x10', 'hex'],
    ['1234567890', 'a bare number of ten digits'],
  ])('%j is rejected (%s)', (raw) => {
    expect(parseDuration(raw)).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [45, '45s'],
    [60, '1m'],
    [90, '1m30s'],
    [240, '4m'],
    [3600, '1h'],
    [5400, '1h30m'],
    [3630, '1h30s'],
    [86_400, '1d'],
    [172_800, '2d'],
    [93_784, '1d2h3m4s'],
    [0, '0s'],
    [-5, '0s'],
    [59.6, '1m'],
  ])('%d seconds is %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([1, 45, 59, 60, 61, 240, 3599, 3600, 3601, 5400, 86_399, 86_400, 93_784, 31_536_000])(
    '%i seconds survives a round trip through parseDuration',
    (seconds) => {
      expect(parseDuration(formatDuration(seconds))).toBe(seconds);
    },
  );
});

describe('humanSpan', () => {
  it.each<[string, number, string]>([
    ['zero', 0, '0 s'],
    ['under a minute', 45 * S, '45 s'],
    ['59.4 s rounds down to seconds', 59_400, '59 s'],
    ['59.5 s rounds up to a minute', 59_500, '1 min'],
    ['exactly a minute', MIN, '1 min'],
    ['minutes drop the seconds', 3 * MIN + 40 * S, '3 min'],
    ['just under an hour', H - S, '59 min'],
    ['exactly an hour', H, '1 h'],
    ['hours and minutes', H + 5 * MIN, '1 h 5 min'],
    ['just under two days stays in hours', 47 * H + 59 * MIN, '47 h 59 min'],
    ['two days and more in days', 48 * H, '2 d'],
    ['days drop the hours', 3 * 24 * H + 23 * H, '3 d'],
    ['overdue spans read the same as remaining ones', -(H + 5 * MIN), '1 h 5 min'],
    ['a small overdue span', -30 * S, '30 s'],
  ])('%s', (_title, ms, text) => {
    expect(humanSpan(ms)).toBe(text);
  });
});

describe('showsSeconds: a ticket\'s times to the second while its SLA is under an hour', () => {
  it.each<[string, number, boolean]>([
    ['a 1-minute SLA (high by default)', T0 + MIN, true],
    ['a 4-minute SLA (medium by default)', T0 + 4 * MIN, true],
    ['59 minutes 59 seconds', T0 + H - S, true],
    ['exactly an hour (low by default): minutes', T0 + H, false],
    ['a day: minutes', T0 + 24 * H, false],
    ['a paused clock has no deadline yet: minutes', PAUSED_DUE_AT, false],
  ])('%s', (_case, due, expected) => {
    expect(showsSeconds(T0, due)).toBe(expected);
  });
});

describe('alertAddressee: whom an SLA alert is written to', () => {
  it.each<[string, { email: string } | null | undefined, 'holder' | 'team']>([
    ['the agent holding it, with an address', { email: 'bob@team.test' }, 'holder'],
    ['a pending ticket: the team', null, 'team'],
    ['a holder no longer found: the team', undefined, 'team'],
    ['a holder without an address: the team', { email: '' }, 'team'],
    ['a holder whose address is blanks: the team', { email: '   ' }, 'team'],
  ])('%s', (_title, holder, addressee) => {
    expect(alertAddressee(holder)).toBe(addressee);
  });
});

describe('instantAfterLock (an action after the ticket row is locked)', () => {
  const none = { sla_breached_at: null, first_response_breached_at: null, next_reply_breached_at: null };
  it.each([
    ['nothing recorded: the clock', 1000, none, undefined, 1000],
    ['never before the run it is part of', 1000, none, 1200, 1200],
    ['a resolution breach recorded after the clock reading', 1000, { ...none, sla_breached_at: 1001 }, 900, 1001],
    ['a first-response breach recorded later', 1000, { ...none, first_response_breached_at: 1500 }, undefined, 1500],
    ['a next-reply breach recorded later', 1000, { ...none, next_reply_breached_at: 1700, sla_breached_at: 1600 }, undefined, 1700],
    ['breaches long past change nothing', 5000, { sla_breached_at: 1001, first_response_breached_at: 900, next_reply_breached_at: 4000 }, 4500, 5000],
  ])('%s', (_what, clock, row, earliest, expected) => {
    expect(instantAfterLock(clock, row, earliest)).toBe(expected);
  });
});
