import { describe, expect, it } from 'vitest';
import { activityToRecord, inUseSince, recordingLimit, sessionStands, startedSince, touchEveryMs } from '../../src/core/idleLimits.js';

describe('idle limits counted from recorded activity', () => {
  it.each([
    [1, 6_000],
    [0.05, 1_000],
    [5, 30_000],
    [30, 30_000],
    [480, 30_000],
    [Number.POSITIVE_INFINITY, 30_000],
  ])('a %s-minute limit records activity when the record is older than %i ms', (limit, every) => {
    expect(touchEveryMs(limit)).toBe(every);
  });

  it.each([
    [null, 0, true],
    [0, 6_000, false],
    [0, 6_001, true],
    [10_000, 12_000, false],
  ])('recorded at %s, a request at %i under a 1-minute limit writes it again: %s', (recordedAt, now, expected) => {
    expect(activityToRecord(recordedAt, now, 1)).toBe(expected);
  });

  it('counts the limit from the record plus its lag: never ends what was in use within the limit', () => {
    expect(inUseSince(100_000, 1)).toBe(100_000 - 60_000 - 6_000);
    expect(inUseSince(10 * 3_600_000, 480)).toBe(10 * 3_600_000 - 480 * 60_000 - 30_000);
    // Requests every 5 s under a 1-minute limit (most of them write nothing): just before each, the
    // last was 5 s ago, well within the limit, and the record is never older than the cutoff.
    let recorded = 0;
    for (let at = 5_000; at <= 600_000; at += 5_000) {
      expect(recorded).toBeGreaterThanOrEqual(inUseSince(at, 1));
      if (activityToRecord(recorded, at, 1)) recorded = at;
    }
  });
});

describe('recordingLimit', () => {
  it.each([
    [480, 5, 5],
    [480, 0, 480],
    [1, 5, 1],
    [30, 0.05, 0.05],
    [Number.POSITIVE_INFINITY, 5, 5],
    [Number.POSITIVE_INFINITY, 0, Number.POSITIVE_INFINITY],
  ])('idle limit %s min, auto-away %s min: records written for %s min', (limit, autoAway, recording) => {
    expect(recordingLimit(limit, autoAway)).toBe(recording);
  });
});

describe("a session's absolute lifetime", () => {
  const HOUR = 3_600_000;
  it('counts back exactly the lifetime, 12 hours unless set', () => {
    expect(startedSince(20 * HOUR)).toBe(8 * HOUR);
    expect(startedSince(20 * HOUR, 1)).toBe(19 * HOUR);
  });

  const cutoffs = { sessionSeenSince: 10 * HOUR, sessionStartedSince: 8 * HOUR };
  it.each([
    ['in use and young', 9 * HOUR, 11 * HOUR, true],
    ['started at the cutoff exactly', 8 * HOUR, 11 * HOUR, true],
    ['in use but started before the lifetime', 8 * HOUR - 1, 11 * HOUR, false],
    ['young but idle', 9 * HOUR, 10 * HOUR - 1, false],
    ['seen at the idle cutoff exactly', 9 * HOUR, 10 * HOUR, true],
  ])('a session %s', (_label, createdAt, lastSeenAt, expected) => {
    expect(sessionStands({ createdAt, lastSeenAt }, cutoffs)).toBe(expected);
  });
});
