import { describe, expect, it } from 'vitest';
import { type AlarmLevel, attentionSections, cardLevels, type DeskNow, mostUrgent, summarySentence, worstLevel } from '../../src/core/dashboardAttention.js';

describe('card levels', () => {
  const rows: [string, Parameters<typeof cardLevels>[0], ReturnType<typeof cardLevels>][] = [
    ['nothing at all: calm', { pending: 0, openOverdue: 0, availableAgents: 0 }, { pending: 'calm', open_overdue: 'calm' }],
    ['waiting while nobody is available: amber', { pending: 15, openOverdue: 0, availableAgents: 0 }, { pending: 'warning', open_overdue: 'calm' }],
    ['waiting with an agent available (all full): calm', { pending: 15, openOverdue: 0, availableAgents: 1 }, { pending: 'calm', open_overdue: 'calm' }],
    ['one overdue: red, whoever is online', { pending: 0, openOverdue: 1, availableAgents: 3 }, { pending: 'calm', open_overdue: 'alarm' }],
    ['the walk-through: 15 waiting, 5 overdue, nobody online', { pending: 15, openOverdue: 5, availableAgents: 0 }, { pending: 'warning', open_overdue: 'alarm' }],
    ['nobody online and nothing waiting: calm', { pending: 0, openOverdue: 0, availableAgents: 0 }, { pending: 'calm', open_overdue: 'calm' }],
  ];
  for (const [name, figures, expected] of rows) it(name, () => expect(cardLevels(figures)).toEqual(expected));
});

describe('attention sections', () => {
  const calm: DeskNow = { waiting: 0, overdue: 0, availableAgents: 2, heldByUnavailable: 0, undeliveredEmails: 0 };
  const rows: [string, Partial<DeskNow>, Record<string, [number, AlarmLevel]>][] = [
    ['all calm', {}, { breached_open: [0, 'calm'], waiting_unattended: [0, 'calm'], held_by_unavailable: [0, 'calm'], undelivered_emails: [0, 'calm'] }],
    ['overdue tickets are an alarm', { overdue: 2 }, { breached_open: [2, 'alarm'], waiting_unattended: [0, 'calm'], held_by_unavailable: [0, 'calm'], undelivered_emails: [0, 'calm'] }],
    ['waiting with someone available does not count', { waiting: 4 }, { breached_open: [0, 'calm'], waiting_unattended: [0, 'calm'], held_by_unavailable: [0, 'calm'], undelivered_emails: [0, 'calm'] }],
    ['waiting with nobody available counts every waiting ticket', { waiting: 4, availableAgents: 0 }, { breached_open: [0, 'calm'], waiting_unattended: [4, 'warning'], held_by_unavailable: [0, 'calm'], undelivered_emails: [0, 'calm'] }],
    ['tickets held by away or offline agents', { heldByUnavailable: 3 }, { breached_open: [0, 'calm'], waiting_unattended: [0, 'calm'], held_by_unavailable: [3, 'warning'], undelivered_emails: [0, 'calm'] }],
    ['failed or bounced emails', { undeliveredEmails: 1 }, { breached_open: [0, 'calm'], waiting_unattended: [0, 'calm'], held_by_unavailable: [0, 'calm'], undelivered_emails: [1, 'warning'] }],
  ];
  for (const [name, over, expected] of rows) {
    it(name, () => {
      const sections = attentionSections({ ...calm, ...over });
      expect(Object.fromEntries(Object.entries(sections).map(([k, v]) => [k, [v.count, v.level]]))).toEqual(expected);
    });
  }
});

describe('worst level', () => {
  const rows: [AlarmLevel[], AlarmLevel][] = [
    [[], 'calm'],
    [['calm', 'calm'], 'calm'],
    [['calm', 'warning'], 'warning'],
    [['warning', 'alarm', 'calm'], 'alarm'],
  ];
  for (const [levels, expected] of rows) it(`${levels.join(', ') || 'none'} → ${expected}`, () => expect(worstLevel(levels)).toBe(expected));
});

describe('summary sentence', () => {
  const rows: [Parameters<typeof summarySentence>[0], string][] = [
    [{ waiting: 3, overdue: 1, availableAgents: 2 }, '3 waiting, 1 overdue, 2 agents available.'],
    [{ waiting: 15, overdue: 5, availableAgents: 0 }, '15 waiting, 5 overdue, no agents available.'],
    [{ waiting: 0, overdue: 0, availableAgents: 1 }, '0 waiting, 0 overdue, 1 agent available.'],
  ];
  for (const [figures, expected] of rows) it(expected, () => expect(summarySentence(figures)).toBe(expected));
});

describe('most urgent', () => {
  const t = (id: number, due: number | null, created = 0) => ({ id, sla_due_at: due, created_at: created });
  const rows: [string, ReturnType<typeof t>[], number, number[]][] = [
    ['earliest deadline first', [t(1, 300), t(2, 100), t(3, 200)], 3, [2, 3, 1]],
    ['cut to the limit', [t(1, 300), t(2, 100), t(3, 200)], 2, [2, 3]],
    ['a paused ticket (no deadline) after every deadline', [t(1, null), t(2, 900)], 2, [2, 1]],
    ['same deadline: the older first, then the lower id', [t(5, 100, 20), t(4, 100, 10), t(3, 100, 10)], 3, [3, 4, 5]],
    ['a ticket found twice counts once', [t(1, 100), t(1, 100), t(2, 200)], 3, [1, 2]],
    ['nothing', [], 3, []],
  ];
  for (const [name, tickets, limit, expected] of rows) it(name, () => expect(mostUrgent(tickets, limit).map((x) => x.id)).toEqual(expected));
});
