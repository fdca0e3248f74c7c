/**
 * The simulator against Erlang C where Erlang C is exact (SPEC §14): every agent has capacity 1,
 * arrivals are Poisson and holding times exponential, so the desk is an M/M/c queue; the share of
 * tickets that waited must be within 2 percentage points of the formula.
 */
import { describe, expect, it } from 'vitest';
import { erlangC, erlangMeanWait } from '../../src/core/erlang.js';
import { simulate, type SimTicket } from '../../src/core/forecastSim.js';
import { exponential, seededRandom } from '../../src/core/prng.js';

describe('erlangC', () => {
  it.each<[number, number, number]>([
    [1, 0.5, 0.5],
    [1, 0.9, 0.9],
    [2, 1, 0.333333],
    [3, 2, 0.444444],
    [5, 4, 0.554113],
    [10, 8, 0.40918],
    [20, 15, 0.160429],
    [50, 45, 0.363864],
    [4, 0, 0],
  ])('%i servers at %f erlangs: %f', (servers, load, expected) => {
    expect(erlangC(servers, load)).toBeCloseTo(expected, 5);
  });

  it('is 1 at or past full load, and refuses nonsense', () => {
    expect(erlangC(3, 3)).toBe(1);
    expect(erlangC(3, 7)).toBe(1);
    expect(erlangMeanWait(3, 3, 10)).toBe(Number.POSITIVE_INFINITY);
    expect(() => erlangC(0, 1)).toThrow(RangeError);
    expect(() => erlangC(2.5, 1)).toThrow(RangeError);
    expect(() => erlangC(2, -1)).toThrow(RangeError);
  });

  it('gives the M/M/1 mean wait ρ/(μ−λ)', () => {
    // λ = 0.5/min, mean hold 1 min: Wq = 0.5 / (1 − 0.5) = 1 min.
    expect(erlangMeanWait(1, 0.5, 1)).toBeCloseTo(1, 10);
  });
});

/** `count` Poisson arrivals (mean gap `gapMs`) with exponential holds (mean `holdMs`), times unrounded. */
function poissonTickets(seed: number, count: number, gapMs: number, holdMs: number): SimTicket[] {
  const random = seededRandom(seed);
  let at = 0;
  return Array.from({ length: count }, (_, i) => {
    at += exponential(random, gapMs);
    return { id: i + 1, createdAt: at, slaDueAt: at, priority: 'medium', teamId: 1, skills: [], holdMs: exponential(random, holdMs) };
  });
}

describe('the simulator on an M/M/c desk', () => {
  it.each<[number, number]>([
    [1, 0.5],
    [3, 2],
    [5, 4],
  ])('%i agents of capacity 1 at %f erlangs wait as often as Erlang C says (±2 points)', (servers, load) => {
    const holdMs = 60_000;
    const tickets = poissonTickets(servers * 1000 + 7, 150_000, holdMs / load, holdMs);
    const ids = Array.from({ length: servers }, (_, i) => i + 1);
    const result = simulate({
      tickets,
      agents: ids.map((id) => ({ id, capacity: 1 })),
      presence: ids.map((agentId) => ({ at: -1, agentId, presence: 'available' })),
      world: { teams: new Map([[1, { id: 1, overflowTeamId: null, overflowAfterMs: null, queueOrder: null }]]), members: new Map(ids.map((id) => [id, { teams: [1], skills: [] }])) },
      queueOrder: 'oldest',
    });
    let waited = 0;
    for (let i = 0; i < tickets.length; i++) if (result.assignedAt[i]! > tickets[i]!.createdAt) waited++;
    const simulated = waited / tickets.length;
    expect(Math.abs(simulated - erlangC(servers, load)), `simulated ${simulated}, Erlang C ${erlangC(servers, load)}`).toBeLessThan(0.02);
  });
});
