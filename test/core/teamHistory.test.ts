import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/core/forecastSim.js';
import { membersOver, worldFromText, worldText, worldTimeline } from '../../src/core/teamHistory.js';
import type { TeamWorld } from '../../src/core/teams.js';

const MIN = 60_000;

function world(members: Record<number, number[]>): TeamWorld {
  return {
    teams: new Map([
      [1, { id: 1, overflowTeamId: 2, overflowAfterMs: 30 * MIN, queueOrder: null }],
      [2, { id: 2, overflowTeamId: null, overflowAfterMs: null, queueOrder: 'deadline' as const }],
    ]),
    members: new Map(Object.entries(members).map(([id, teams]) => [Number(id), { teams, skills: id === '7' ? [10, 3] : [] }])),
  };
}

describe('the team history’s text of a world', () => {
  it('reads back the same world, and equal worlds are equal texts whatever their order', () => {
    const w = world({ 7: [2, 1], 8: [1] });
    expect(worldFromText(worldText(w))).toEqual({ teams: w.teams, members: new Map([[7, { teams: [1, 2], skills: [3, 10] }], [8, { teams: [1], skills: [] }]]) });
    expect(worldText(world({ 8: [1], 7: [1, 2] }))).toBe(worldText(w));
    expect(worldText(world({ 7: [1] }))).not.toBe(worldText(w));
  });
});

describe('worldTimeline: the teams a window went through', () => {
  const [a, b, c, now] = [world({ 7: [1] }), world({ 7: [1, 2] }), world({ 7: [2] }), world({ 8: [2] })];
  it.each<[string, { at: number; world: TeamWorld }[], { initial: TeamWorld; changes: { at: number; world: TeamWorld }[] }]>([
    ['no change since: today’s teams all along', [], { initial: now, changes: [] }],
    ['each row holds the world before its change; the last change leads to today’s', [{ at: 10, world: a }, { at: 20, world: b }], { initial: a, changes: [{ at: 10, world: b }, { at: 20, world: now }] }],
    ['a change past the end gives the world up to it, and is not replayed', [{ at: 10, world: a }, { at: 20, world: b }, { at: 500, world: c }], { initial: a, changes: [{ at: 10, world: b }, { at: 20, world: c }] }],
  ])('%s', (_t, rows, expected) => {
    expect(worldTimeline(rows, now, 100)).toEqual(expected);
  });
});

describe('membersOver: one team’s staffing over a window', () => {
  it('is whoever was its member at some instant of the timeline, not only its members today', () => {
    const agents = [{ id: 7 }, { id: 8 }, { id: 9 }];
    const timeline = { initial: world({ 7: [1], 8: [2] }), changes: [{ at: 10, world: world({ 7: [2], 8: [2] }) }] };
    expect(membersOver(agents, timeline, 1).map((a) => a.id)).toEqual([7]);
    expect(membersOver(agents, timeline, 2).map((a) => a.id)).toEqual([7, 8]);
  });
});

describe('the simulator with the teams changed during the replay', () => {
  const ticket = { id: 1, createdAt: 5 * MIN, slaDueAt: 60 * MIN, teamId: 1, skills: [], priority: 'medium' as const, holdMs: MIN };
  const input = {
    tickets: [ticket],
    agents: [{ id: 8, capacity: 1 }],
    presence: [{ at: 0, agentId: 8, presence: 'available' as const }],
    queueOrder: 'oldest' as const,
  };
  it('a ticket waiting for a team nobody on duty is in goes to an agent the moment an admin adds it to the team', () => {
    const before = world({ 8: [2] });
    const after = world({ 8: [1, 2] });
    expect(simulate({ ...input, world: before }).assignedAt[0]).toBeNaN();
    // The overflow into team 2 would open at 35 min; the admin's change comes first, with nothing else happening then.
    expect(simulate({ ...input, world: before, worldChanges: [{ at: 20 * MIN, world: after }] }).assignedAt[0]).toBe(20 * MIN);
    // Taken out of team 1 before the ticket arrives: it waits (an overflow opening is no event of the replay).
    expect(simulate({ ...input, world: after, worldChanges: [{ at: MIN, world: before }] }).assignedAt[0]).toBeNaN();
  });
});
