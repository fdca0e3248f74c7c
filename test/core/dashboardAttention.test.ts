import { describe, expect, it } from 'vitest';
import {
  type AlarmLevel,
  attentionSections,
  availableInTeam,
  cardLevels,
  type DeskNow,
  mostUrgent,
  oldestFirst,
  summarySentence,
  unattendedAfter,
  unattendedKinds,
  type WaitingKind,
  worstLevel,
} from '../../src/core/dashboardAttention.js';
import type { TeamRule, TeamWorld } from '../../src/core/teams.js';

describe('card levels', () => {
  const rows: [string, Parameters<typeof cardLevels>[0], ReturnType<typeof cardLevels>][] = [
    ['nothing at all: calm', { pending: 0, openOverdue: 0, waitingUnattended: 0 }, { pending: 'calm', open_overdue: 'calm' }],
    ['waiting while nobody who may take them is available: amber', { pending: 15, openOverdue: 0, waitingUnattended: 15 }, { pending: 'warning', open_overdue: 'calm' }],
    ['waiting with an agent available who may take them (all full): calm', { pending: 15, openOverdue: 0, waitingUnattended: 0 }, { pending: 'calm', open_overdue: 'calm' }],
    ['some of them unattended (another team, nobody of it online): amber', { pending: 15, openOverdue: 0, waitingUnattended: 5 }, { pending: 'warning', open_overdue: 'calm' }],
    ['one overdue: red, whoever is online', { pending: 0, openOverdue: 1, waitingUnattended: 0 }, { pending: 'calm', open_overdue: 'alarm' }],
    ['the walk-through: 15 waiting, 5 overdue, nobody online', { pending: 15, openOverdue: 5, waitingUnattended: 15 }, { pending: 'warning', open_overdue: 'alarm' }],
    ["nothing waiting in the window: calm, whatever waits outside it", { pending: 0, openOverdue: 0, waitingUnattended: 3 }, { pending: 'calm', open_overdue: 'calm' }],
  ];
  for (const [name, figures, expected] of rows) it(name, () => expect(cardLevels(figures)).toEqual(expected));
});

describe('attention sections', () => {
  const calm: DeskNow = { waiting: 0, overdue: 0, availableAgents: 2, waitingUnattended: 0, heldByUnavailable: 0, undeliveredEmails: 0 };
  const rows: [string, Partial<DeskNow>, Record<string, [number, AlarmLevel]>][] = [
    ['all calm', {}, { breached_open: [0, 'calm'], waiting_unattended: [0, 'calm'], held_by_unavailable: [0, 'calm'], undelivered_emails: [0, 'calm'] }],
    ['overdue tickets are an alarm', { overdue: 2 }, { breached_open: [2, 'alarm'], waiting_unattended: [0, 'calm'], held_by_unavailable: [0, 'calm'], undelivered_emails: [0, 'calm'] }],
    ['waiting that someone available may take does not count', { waiting: 4 }, { breached_open: [0, 'calm'], waiting_unattended: [0, 'calm'], held_by_unavailable: [0, 'calm'], undelivered_emails: [0, 'calm'] }],
    ['waiting with nobody available counts every waiting ticket', { waiting: 4, availableAgents: 0, waitingUnattended: 4 }, { breached_open: [0, 'calm'], waiting_unattended: [4, 'warning'], held_by_unavailable: [0, 'calm'], undelivered_emails: [0, 'calm'] }],
    ['waiting that nobody available may take counts, though agents are available', { waiting: 7, availableAgents: 1, waitingUnattended: 5 }, { breached_open: [0, 'calm'], waiting_unattended: [5, 'warning'], held_by_unavailable: [0, 'calm'], undelivered_emails: [0, 'calm'] }],
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

/**
 * §12 on the dashboard. Teams: Support (1) with ana (1) and cy (3); Billing (2) with ben (2) and cy,
 * overflowing into Support after 30 minutes; Legal (4) with nobody. Skill German (7): ben holds it.
 * The README's example, judged at NOW for tickets created at various ages.
 */
describe('which waiting tickets nobody available may take', () => {
  const M = 60_000;
  const NOW = 1_000_000_000;
  const rule = (id: number, overflowTeamId: number | null = null, overflowAfterMs: number | null = null): [number, TeamRule] => [id, { id, overflowTeamId, overflowAfterMs, queueOrder: null }];
  const world: TeamWorld = {
    teams: new Map([rule(1), rule(2, 1, 30 * M), rule(4)]),
    members: new Map([
      [1, { teams: [1], skills: [] }],
      [2, { teams: [2], skills: [7] }],
      [3, { teams: [1, 2], skills: [] }],
    ]),
  };
  const support: WaitingKind = { teamId: 1, skills: [] };
  const billing: WaitingKind = { teamId: 2, skills: [] };
  const german = (optionalAfterMs: number | null): WaitingKind => ({ teamId: 2, skills: [{ skillId: 7, optionalAfterMs }] });
  const legal: WaitingKind = { teamId: 4, skills: [] };
  const ALL = null;
  const NONE = NOW;
  const rows: [string, WaitingKind, number[], number | null][] = [
    ['Support with ana available: none', support, [1], NONE],
    ['Support with only ben available (Billing only): all — the defect QA found', support, [2], ALL],
    ['Support with nobody available: all', support, [], ALL],
    ['Billing with cy available (a member of both): none', billing, [3], NONE],
    ['Billing with only ana available: those younger than the 30-minute overflow', billing, [1], NOW - 30 * M],
    ['Billing + German with ben available: none', german(null), [2], NONE],
    ['Billing + German (always) with cy available: all (cy lacks German, overflow keeps it)', german(null), [3], ALL],
    ['Billing + German optional after 10 min, cy available: younger than 10 minutes', german(10 * M), [3], NOW - 10 * M],
    ['Billing + German optional after 10 min, only ana: younger than the overflow (30 min)', german(10 * M), [1], NOW - 30 * M],
    ['Billing + German optional after 45 min, only ana: younger than 45 min (overflow opens first, German still needed)', german(45 * M), [1], NOW - 45 * M],
    ['a team nobody is in: all, whoever is available', legal, [1, 2, 3], ALL],
    ['a deleted team (no rule, no members): all', { teamId: 9, skills: [] }, [1, 2, 3], ALL],
  ];
  for (const [name, kind, available, expected] of rows) it(name, () => expect(unattendedAfter(kind, world, available, NOW)).toBe(expected));

  it('the kinds with unattended tickets, each with its instant; kinds fully attended or empty left out', () => {
    const kinds = [
      { ...support, pending: 5, name: 'support' },
      { ...billing, pending: 2, name: 'billing' },
      { ...legal, pending: 0, name: 'legal, empty' },
      { ...german(10 * M), pending: 1, name: 'german' },
    ];
    // Only ben (Billing, German) available.
    expect(unattendedKinds(kinds, world, [2], NOW).map(({ kind, after }) => [kind.name, after])).toEqual([['support', ALL]]);
    // Only ana (Support).
    expect(unattendedKinds(kinds, world, [1], NOW).map(({ kind, after }) => [kind.name, after])).toEqual([
      ['billing', NOW - 30 * M],
      ['german', NOW - 30 * M],
    ]);
  });

  it("one team's available agents are its members", () => {
    expect(availableInTeam(world, [1, 2, 3], 1)).toEqual([1, 3]);
    expect(availableInTeam(world, [2], 1)).toEqual([]);
    expect(availableInTeam(world, [2, 3, 99], 2)).toEqual([2, 3]);
    expect(availableInTeam(world, [1, 2, 3], 4)).toEqual([]);
  });
});

describe('oldest first', () => {
  const t = (id: number, created: number) => ({ id, created_at: created });
  const rows: [string, ReturnType<typeof t>[], number, number[]][] = [
    ['created first', [t(1, 30), t(2, 10), t(3, 20)], 3, [2, 3, 1]],
    ['the same instant: the lower id', [t(9, 10), t(4, 10)], 3, [4, 9]],
    ['cut to the limit, across kinds', [t(1, 30), t(2, 10), t(3, 20), t(4, 5)], 2, [4, 2]],
    ['nothing', [], 3, []],
  ];
  for (const [name, tickets, limit, expected] of rows) it(name, () => expect(oldestFirst(tickets, limit).map((x) => x.id)).toEqual(expected));
});
