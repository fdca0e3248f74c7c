import { describe, expect, it } from 'vitest';
import type { CalendarDefinition } from '../../src/core/calendar.js';
import { deskZone, formatMailTime } from '../../src/core/mailTime.js';

describe('formatMailTime: local time, zone named, offset at that instant', () => {
  it.each<[string, number, string, string]>([
    ['UTC: as emails always wrote it', Date.UTC(2026, 11, 5, 12, 43, 7), 'UTC', '2026-12-05 12:43 UTC'],
    ['Berlin in winter (CET)', Date.UTC(2026, 11, 5, 12, 43, 7), 'Europe/Berlin', '2026-12-05 13:43 Europe/Berlin (UTC+01:00)'],
    ['Berlin in summer (CEST)', Date.UTC(2026, 6, 1, 7, 5), 'Europe/Berlin', '2026-07-01 09:05 Europe/Berlin (UTC+02:00)'],
    ['the last minute before spring forward', Date.UTC(2026, 2, 29, 0, 59), 'Europe/Berlin', '2026-03-29 01:59 Europe/Berlin (UTC+01:00)'],
    ['the first minute after it: 02:00–02:59 never happen', Date.UTC(2026, 2, 29, 1, 0), 'Europe/Berlin', '2026-03-29 03:00 Europe/Berlin (UTC+02:00)'],
    ['fall back: the first 02:30 (summer time)', Date.UTC(2026, 9, 25, 0, 30), 'Europe/Berlin', '2026-10-25 02:30 Europe/Berlin (UTC+02:00)'],
    ['fall back: the second 02:30, told apart by its offset', Date.UTC(2026, 9, 25, 1, 30), 'Europe/Berlin', '2026-10-25 02:30 Europe/Berlin (UTC+01:00)'],
    ['a zone behind UTC: the date before', Date.UTC(2026, 0, 1, 3), 'America/New_York', '2025-12-31 22:00 America/New_York (UTC-05:00)'],
    ['a half-hour offset', Date.UTC(2026, 0, 1), 'Asia/Kolkata', '2026-01-01 05:30 Asia/Kolkata (UTC+05:30)'],
    ['seconds are cut, never rounded up', Date.UTC(2026, 0, 1, 8, 59, 59, 999), 'Europe/Berlin', '2026-01-01 09:59 Europe/Berlin (UTC+01:00)'],
    ['a zone this runtime does not know: UTC, named so', Date.UTC(2026, 11, 5, 12, 43), 'Mars/Olympus_Mons', '2026-12-05 12:43 UTC'],
  ])('%s', (_title, ms, zone, expected) => {
    expect(formatMailTime(ms, zone)).toBe(expected);
  });
});

describe('deskZone: the SLA calendar’s zone, UTC for 24/7', () => {
  const berlin: CalendarDefinition = { timeZone: 'Europe/Berlin', hours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] }, holidays: [] };
  it.each<[string, CalendarDefinition | null, string]>([
    ['24/7', null, 'UTC'],
    ['a calendar', berlin, 'Europe/Berlin'],
  ])('%s', (_title, calendar, zone) => {
    expect(deskZone(calendar)).toBe(zone);
  });
});
