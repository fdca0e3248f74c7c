import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { type ArrivalRecord, backtestWorld, dutyRoster, type ForecastJob, holdingTimesCaveat, neededAgents, outcomeFigures, runForecast, ticketsToReplay } from '../../src/core/forecast.js';
import { agentCounts, MAX_AGENTS, parseForecastRequest } from '../../src/core/forecastInput.js';
import { seededRandom } from '../../src/core/prng.js';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const DAY = 86_400_000;
const MIN = 60_000;

function fieldsOf(raw: Record<string, unknown>): Record<string, string> {
  try {
    parseForecastRequest(raw, NOW);
  } catch (error) {
    if (error instanceof DomainError) return error.fields;
    throw error;
  }
  return {};
}

describe('parseForecastRequest', () => {
  it('reads dates (to: the end of its day), the range, the target, and fills defaults', () => {
    expect(parseForecastRequest({ from: '2026-11-01', to: '2026-11-30' }, NOW)).toEqual({
      from: Date.UTC(2026, 10, 1),
      to: Date.UTC(2026, 11, 1),
      teamId: null,
      kMin: 1,
      kMax: 10,
      targetPercent: 5,
      capacity: null,
      seed: 1,
    });
    const full = parseForecastRequest({ from: '2026-11-01T08:00:00Z', to: '2026-11-02T08:00:00Z', team: 2, k_min: '3', k_max: 7, target_percent: '2.5', capacity: 4, seed: 9 }, NOW);
    expect(full).toMatchObject({ from: Date.UTC(2026, 10, 1, 8), to: Date.UTC(2026, 10, 2, 8), teamId: 2, kMin: 3, kMax: 7, targetPercent: 2.5, capacity: 4, seed: 9 });
    expect(agentCounts(full)).toEqual([3, 4, 5, 6, 7]);
  });

  // An ISO date-time without an offset was read in the server process's own zone (ECMAScript's
  // rule for Date.parse), so the same request replayed another window on a server set to New York
  // (from: expected 1793545200000, 15:00 UTC, to be 1793527200000, 10:00 UTC).
  it('reads a date-time without an offset as UTC, whatever the server’s zone', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(parseForecastRequest({ from: '2026-11-01T10:00:00', to: '2026-11-02T10:00' }, NOW)).toMatchObject({ from: Date.UTC(2026, 10, 1, 10), to: Date.UTC(2026, 10, 2, 10) });
      expect(parseForecastRequest({ from: '2026-11-01T10:00:00+01:00', to: '2026-11-02T10:00:00.5Z' }, NOW)).toMatchObject({ from: Date.UTC(2026, 10, 1, 9), to: Date.UTC(2026, 10, 2, 10, 0, 0, 500) });
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('ends a window reaching into the future now', () => {
    expect(parseForecastRequest({ from: '2026-12-01', to: '2026-12-31' }, NOW).to).toBe(NOW);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['an empty window', { from: '2026-11-05', to: '2026-11-04' }, 'to', /^To: the window is empty/],
    ['the same instant twice', { from: '2026-11-05T10:00:00Z', to: '2026-11-05T10:00:00Z' }, 'to', /empty/],
    ['a window of two years', { from: '2024-11-01', to: '2026-11-01' }, 'to', /longer than 366 days/],
    ['a window starting in the future', { from: '2026-12-10', to: '2026-12-11' }, 'from', /must start in the past/],
    ['no from', { to: '2026-11-01' }, 'from', /^From: enter a date/],
    ['a date that does not exist', { from: '2026-02-30', to: '2026-03-02' }, 'from', /enter a date/],
    ['a date in another format', { from: '01/11/2026', to: '2026-11-02' }, 'from', /enter a date/],
    // Date.parse rolled it over to 2 March (while the date alone was refused).
    ['a date-time on a day that does not exist', { from: '2026-02-30T10:00:00Z', to: '2026-03-05' }, 'from', /enter a date/],
    ['a date-time with an hour that does not exist', { from: '2026-02-10T25:00:00Z', to: '2026-03-05' }, 'from', /enter a date/],
    ['K over 500', { from: '2026-11-01', to: '2026-11-02', k_min: 1, k_max: MAX_AGENTS + 1 }, 'k_max', /^Most agents: enter a whole number of agents from 1 to 500/],
    ['K of 0', { from: '2026-11-01', to: '2026-11-02', k_min: 0 }, 'k_min', /from 1 to 500/],
    ['K not whole', { from: '2026-11-01', to: '2026-11-02', k_min: '2.5' }, 'k_min', /whole number/],
    ['a range upside down', { from: '2026-11-01', to: '2026-11-02', k_min: 9, k_max: 3 }, 'k_max', /at least the fewest/],
    ['a range too wide', { from: '2026-11-01', to: '2026-11-02', k_min: 1, k_max: 80 }, 'k_max', /at most 50 values/i],
    ['a target over 100 %', { from: '2026-11-01', to: '2026-11-02', target_percent: 120 }, 'target_percent', /^Breach target: enter a percentage/],
    ['a capacity of 0', { from: '2026-11-01', to: '2026-11-02', capacity: 0 }, 'capacity', /^Capacity:/],
    ['a team that is no id', { from: '2026-11-01', to: '2026-11-02', team: 'x' }, 'team', /^Team:/],
    ['a negative seed', { from: '2026-11-01', to: '2026-11-02', seed: -1 }, 'seed', /^Seed:/],
  ])('refuses %s, naming the field', (_title, raw, field, message) => {
    const fields = fieldsOf(raw);
    expect(Object.keys(fields)).toEqual([field]);
    expect(fields[field]).toMatch(message);
  });
});

describe('forecast figures', () => {
  it('counts breaches per priority and nearest-rank waits; a ticket never served makes its quantile unknown', () => {
    const tickets = [
      { priority: 'high' as const, createdAt: 0, slaDueAt: 60_000 },
      { priority: 'high' as const, createdAt: 0, slaDueAt: 60_000 },
      { priority: 'low' as const, createdAt: 0, slaDueAt: 60_000 },
      { priority: 'low' as const, createdAt: 0, slaDueAt: 60_000 },
    ];
    const assigned = [0, 10_000, 20_000, null];
    const figures = outcomeFigures(tickets, (i) => assigned[i]!, (i) => i >= 2);
    expect(figures).toEqual({
      tickets: 4,
      breachRate: 0.5,
      breachRateByPriority: { high: 0, medium: null, low: 1 },
      waitP50Ms: 10_000,
      waitP90Ms: null,
      unserved: 1,
    });
  });

  it.each<[string, number[], number, number | null]>([
    ['the fewest meeting the target', [0.3, 0.1, 0.04, 0.01], 5, 3],
    ['exactly at the target counts', [0.3, 0.05, 0.01], 5, 2],
    ['none meets it', [0.3, 0.2], 5, null],
    ['a target of 0 needs no breach at all', [0.2, 0.01, 0], 0, 3],
  ])('neededAgents: %s', (_title, rates, target, expected) => {
    expect(neededAgents(rates.map((breachRate, i) => ({ agents: i + 1, breachRate })), target)).toBe(expected);
  });

  it('puts K agents on duty in each open stretch and offline after it', () => {
    expect(dutyRoster(2, [[10, 20]])).toEqual([
      { at: 10, agentId: 1, presence: 'available' },
      { at: 10, agentId: 2, presence: 'available' },
      { at: 20, agentId: 1, presence: 'offline' },
      { at: 20, agentId: 2, presence: 'offline' },
    ]);
  });

  it('draws holds from the ticket’s own priority, else from all', () => {
    const arrivals: ArrivalRecord[] = ['high', 'low'].map((priority, i) => ({ createdAt: i, priority: priority as 'high' | 'low', slaDueAt: i + MIN, assignedAt: null, closedAt: null, breached: false }));
    const tickets = ticketsToReplay(arrivals, { high: [7], medium: [], low: [] }, seededRandom(1));
    expect(tickets.map((t) => t.holdMs)).toEqual([7, 7]);
    expect(() => ticketsToReplay(arrivals, { high: [], medium: [], low: [] }, seededRandom(1))).toThrow(RangeError);
  });
});

describe('runForecast', () => {
  const random = seededRandom(5);
  const from = Date.UTC(2026, 10, 2);
  const arrivals: ArrivalRecord[] = Array.from({ length: 300 }, (_, i) => {
    const createdAt = from + Math.floor((i * DAY) / 300);
    const priority = (['high', 'medium', 'low'] as const)[i % 3]!;
    return { createdAt, priority, slaDueAt: createdAt + 60 * MIN, assignedAt: createdAt, closedAt: createdAt + 10 * MIN, breached: false };
  });
  const job: ForecastJob = {
    arrivals,
    holds: { high: Array.from({ length: 50 }, () => random() * 40 * MIN), medium: [], low: [] },
    duty: [[from, from + 8 * DAY]],
    ks: [1, 2, 3, 4, 5, 6],
    capacity: 2,
    queueOrder: 'oldest',
    targetPercent: 5,
    seed: 3,
    actual: { agents: [{ id: 41, capacity: 2 }, { id: 42, capacity: 2 }, { id: 43, capacity: 2 }], presence: [41, 42, 43].map((agentId) => ({ at: from, agentId, presence: 'available' as const })) },
    window: { from, to: from + DAY },
  };

  it('is deterministic for a seed, breaches fall as agents are added, and it answers how many are needed', () => {
    const result = runForecast(job);
    expect(runForecast(job)).toEqual(result);
    const rates = result.rows.map((r) => r.breachRate);
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThanOrEqual(rates[i - 1]!);
    expect(rates[0]).toBeGreaterThan(0.5);
    expect(result.neededAgents).not.toBeNull();
    expect(result.rows.find((r) => r.agents === result.neededAgents)!.breachRate).toBeLessThanOrEqual(0.05);
    for (const row of result.rows) expect(row.utilisation).toBeGreaterThan(0);
    for (const row of result.rows) expect(row.utilisation).toBeLessThanOrEqual(1);
    expect(result.rows[5]!.utilisation).toBeLessThan(result.rows[0]!.utilisation!);
  });

  // Utilisation counted every held minute over the slots of the open hours only: a ticket held
  // overnight by an agent gone home made a desk with business hours "250 %" busy.
  it('counts utilisation as held time while the agents are on duty, so it never passes 100 %', () => {
    const HOUR = 60 * MIN;
    const nights: ForecastJob = {
      ...job,
      // One ticket at 01:00 held 20 hours, by one agent of capacity 1 on duty 00:00-08:00 each day.
      arrivals: [{ createdAt: from + HOUR, priority: 'low', slaDueAt: from + 30 * HOUR, assignedAt: null, closedAt: null, breached: false }],
      holds: { high: [], medium: [], low: [20 * HOUR] },
      duty: [
        [from, from + 8 * HOUR],
        [from + DAY, from + DAY + 8 * HOUR],
      ],
      ks: [1],
      capacity: 1,
      actual: { agents: [{ id: 7, capacity: 1 }], presence: [{ at: from, agentId: 7, presence: 'available' }, { at: from + 8 * HOUR, agentId: 7, presence: 'offline' }] },
    };
    const result = runForecast(nights);
    // Held 7 of the 8 hours on duty in the window (01:00-08:00); the 13 hours off duty do not count.
    expect(result.rows[0]!.utilisation).toBeCloseTo(7 / 8, 9);
    expect(result.backtest!.predicted.utilisation).toBeCloseTo(7 / 8, 9);
  });

  it('replays the staffing really on duty beside what really happened', () => {
    const { backtest } = runForecast(job);
    expect(backtest!.actual).toMatchObject({ tickets: 300, breachRate: 0, waitP50Ms: 0, agentsSeen: 3 });
    const threeAgents = runForecast({ ...job, ks: [3] }).rows[0]!;
    const { agents: _k, ...figures } = threeAgents;
    expect(backtest!.predicted).toEqual(figures);
    expect(runForecast({ ...job, actual: null }).backtest).toBeNull();
  });
});

describe('holdingTimesCaveat', () => {
  it.each<[number, string | null]>([
    [0, 'The time agents hold a ticket is learnt from 0 closed tickets only (fewer than 30): treat these figures as rough, or choose a longer window.'],
    [1, 'The time agents hold a ticket is learnt from 1 closed ticket only (fewer than 30): treat these figures as rough, or choose a longer window.'],
    [29, 'The time agents hold a ticket is learnt from 29 closed tickets only (fewer than 30): treat these figures as rough, or choose a longer window.'],
    [30, null],
    [5000, null],
  ])('%d closed tickets', (closed, expected) => {
    expect(holdingTimesCaveat(closed)).toBe(expected);
  });
});

describe('backtestWorld', () => {
  const rule = (id: number, overflowTeamId: number | null = null) => ({ id, overflowTeamId, overflowAfterMs: overflowTeamId === null ? null : MIN, queueOrder: null });
  const world = {
    teams: new Map([
      [1, rule(1, 2)],
      [2, rule(2)],
    ]),
    members: new Map([
      [7, { teams: [1], skills: [3] }],
      [8, { teams: [2], skills: [] }],
    ]),
  };
  it.each<[string, number[], number[], Record<number, number[]>, number[]]>([
    ['every ticket of a team that exists: the world as it is', [7, 8], [1, 2, 1], { 7: [1], 8: [2] }, [1, 2]],
    ['a deleted team’s tickets: every agent may take them', [7, 8], [1, 9], { 7: [1, 9], 8: [2, 9] }, [1, 2, 9]],
    ['an agent without teams (none now): only the deleted team’s', [7, 8, 4], [9, 9], { 7: [1, 9], 8: [2, 9], 4: [9] }, [1, 2, 9]],
  ])('%s', (_title, agents, ticketTeams, teamsOf, teamIds) => {
    const result = backtestWorld(world, agents, ticketTeams);
    expect([...result.teams.keys()].sort()).toEqual(teamIds);
    expect(result.teams.get(1)).toEqual(rule(1, 2));
    for (const [agent, teams] of Object.entries(teamsOf)) expect(result.members.get(Number(agent))?.teams, `agent ${agent}`).toEqual(teams);
    expect(result.members.get(7)?.skills).toEqual([3]);
  });
});
