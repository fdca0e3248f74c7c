/** Auto-away's pure decisions (src/core/autoAway.ts) and AUTO_AWAY_MINUTES parsing. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { autoAwayNotice, describeLimit, dueForAutoAway, type LifeSigns, presenceCheckMs, recordLags, stampIntervalMs } from '../../src/core/autoAway.js';

const MIN = 60_000;
const NOW = 1_000 * MIN;
const agent = (userId: number, signs: Partial<Omit<LifeSigns, 'userId'>> = {}): LifeSigns => ({ userId, sessionSeenAt: null, tokenUsedAt: null, liveSeenAt: null, ...signs });

describe('dueForAutoAway', () => {
  const cases: { name: string; agents: LifeSigns[]; openHere?: number[]; limit?: number; due: number[] }[] = [
    { name: 'a page view older than the limit', agents: [agent(1, { sessionSeenAt: NOW - 6 * MIN })], due: [1] },
    { name: 'a page view within the limit', agents: [agent(1, { sessionSeenAt: NOW - 4 * MIN })], due: [] },
    { name: 'exactly at the limit is still in time', agents: [agent(1, { sessionSeenAt: NOW - 5 * MIN })], due: [] },
    { name: 'one millisecond past it is not', agents: [agent(1, { sessionSeenAt: NOW - 5 * MIN - 1 })], due: [1] },
    { name: 'an old page view but a recent API call', agents: [agent(1, { sessionSeenAt: NOW - 60 * MIN, tokenUsedAt: NOW - MIN })], due: [] },
    { name: 'an old page view but a page stamped open by another process', agents: [agent(1, { sessionSeenAt: NOW - 60 * MIN, liveSeenAt: NOW - 20_000 })], due: [] },
    { name: 'every sign old', agents: [agent(1, { sessionSeenAt: NOW - 9 * MIN, tokenUsedAt: NOW - 8 * MIN, liveSeenAt: NOW - 7 * MIN })], due: [1] },
    { name: 'no sign of life at all', agents: [agent(1)], due: [1] },
    { name: 'a page open in this process, whatever the stamps', agents: [agent(1, { sessionSeenAt: NOW - 60 * MIN })], openHere: [1], due: [] },
    { name: 'a page open here for someone else', agents: [agent(1, { sessionSeenAt: NOW - 60 * MIN })], openHere: [2], due: [1] },
    { name: 'off (0)', agents: [agent(1)], limit: 0, due: [] },
    { name: 'fractional limit (0.05 = 3 s)', agents: [agent(1, { liveSeenAt: NOW - 3_001 }), agent(2, { liveSeenAt: NOW - 2_999 })], limit: 0.05, due: [1] },
    { name: 'several, in id order', agents: [agent(9), agent(3, { tokenUsedAt: NOW }), agent(4)], due: [4, 9] },
  ];
  it.each(cases)('$name', ({ agents, openHere = [], limit = 5, due }) => {
    expect(dueForAutoAway(agents, new Set(openHere), NOW, limit)).toEqual(due);
  });
});

describe('dueForAutoAway with the lags of recorded activity', () => {
  // A page view or API call is recorded only when its record is older than the touch interval (30 s
  // under the default limits): the record may be that much behind the real last activity.
  const lags = recordLags(480, 30);
  it.each([
    { name: 'a page view recorded 5 min 20 s ago may stand for one 4 min 50 s ago', agents: [agent(1, { sessionSeenAt: NOW - 5 * MIN - 20_000 })], due: [] },
    { name: 'recorded exactly the limit and the lag ago: still in time', agents: [agent(1, { sessionSeenAt: NOW - 5 * MIN - 30_000 })], due: [] },
    { name: 'one millisecond more is not', agents: [agent(1, { sessionSeenAt: NOW - 5 * MIN - 30_001 })], due: [1] },
    { name: 'an API call, the same', agents: [agent(1, { tokenUsedAt: NOW - 5 * MIN - 30_000 }), agent(2, { tokenUsedAt: NOW - 5 * MIN - 30_001 })], due: [2] },
    { name: "a page stamped open is no record: no lag (stamps are made on time)", agents: [agent(1, { liveSeenAt: NOW - 5 * MIN - 1 })], due: [1] },
  ])('$name', ({ agents, due }) => {
    expect(dueForAutoAway(agents, new Set(), NOW, 5, lags)).toEqual(due);
  });

  it('are the touch intervals of the two idle limits, or of the auto-away limit when shorter', () => {
    expect(recordLags(480, 30)).toEqual({ sessionMs: 30_000, tokenMs: 30_000 });
    expect(recordLags(1, 0.5)).toEqual({ sessionMs: 6_000, tokenMs: 3_000 });
    expect(recordLags(480)).toEqual({ sessionMs: 30_000, tokenMs: 30_000 });
    expect(recordLags(480, 30, 5)).toEqual({ sessionMs: 30_000, tokenMs: 30_000 });
    expect(recordLags(480, 30, 0.05)).toEqual({ sessionMs: 1_000, tokenMs: 1_000 });
    expect(recordLags(480, 30, 1)).toEqual({ sessionMs: 6_000, tokenMs: 6_000 });
    expect(recordLags(480, 30, 0)).toEqual({ sessionMs: 30_000, tokenMs: 30_000 });
  });
});

describe('intervals', () => {
  it.each([
    [5, 30_000, 15_000],
    [0, 30_000, 15_000],
    [1, 20_000, 15_000],
    [0.05, 1_000, 750],
    [0.001, 250, 250],
  ])('limit %s min: stamp every %s ms, check every %s ms', (limit, stamp, check) => {
    expect(stampIntervalMs(limit)).toBe(stamp);
    expect(presenceCheckMs(limit)).toBe(check);
  });
});

describe('describeLimit', () => {
  it.each([
    [5, '5 minutes'],
    [1, '1 minute'],
    [1.5, '1.5 minutes'],
    [0.5, '30 seconds'],
    [1 / 60, '1 second'],
  ])('%s → %s', (limit, text) => expect(describeLimit(limit)).toBe(text));
});

describe('autoAwayNotice', () => {
  it.each([
    ['away', NOW, 5, '5 minutes'],
    ['away', NOW, 0, 'a while'],
    ['away', null, 5, null],
    ['available', NOW, 5, null],
    ['offline', NOW, 5, null],
  ] as const)('%s, set at %s, limit %s → %s', (presence, at, limit, text) => expect(autoAwayNotice(presence, at, limit)).toBe(text));
});

describe('AUTO_AWAY_MINUTES', () => {
  const base = { DATABASE_URL: 'sqlite::memory:', SECRET_KEY: 'k'.repeat(32) };
  it('defaults to 5, takes 0 (off) and fractions', () => {
    expect(loadConfig(base).autoAwayMinutes).toBe(5);
    expect(loadConfig({ ...base, AUTO_AWAY_MINUTES: '0' }).autoAwayMinutes).toBe(0);
    expect(loadConfig({ ...base, AUTO_AWAY_MINUTES: '0.5' }).autoAwayMinutes).toBe(0.5);
    expect(loadConfig({ ...base, AUTO_AWAY_MINUTES: '15' }).autoAwayMinutes).toBe(15);
  });
  it.each(['-1', 'soon', '5m', 'Infinity', '99999'])('stops start-up on %j with one line naming the key', (value) => {
    const attempt = () => loadConfig({ ...base, AUTO_AWAY_MINUTES: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^Configuration error: AUTO_AWAY_MINUTES must be 0 \(off\) or a positive number of minutes/);
  });
});
