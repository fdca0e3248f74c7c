import { describe, expect, it } from 'vitest';
import { worldOf } from '../../src/repositories/teamState.js';

describe('worldOf: the routing state query’s lists as a TeamWorld', () => {
  it('gives each agent its teams and skills from the pair lists, in the order listed', () => {
    const world = worldOf('1:0:-1,2:1:30', [5, 7], '5:1,7:2,5:2', '7:9,7:3');
    expect(world.teams.get(2)).toEqual({ id: 2, overflowTeamId: 1, overflowAfterMs: 1_800_000, queueOrder: null });
    expect(world.members.get(5)).toEqual({ teams: [1, 2], skills: [] });
    expect(world.members.get(7)).toEqual({ teams: [2], skills: [9, 3] });
  });

  it('reads each team’s queue order (empty: the desk’s)', () => {
    const world = worldOf('1:0:-1:,2:1:30:deadline,3:0:-1:oldest', [], null, null);
    expect([...world.teams.values()].map((t) => [t.id, t.queueOrder])).toEqual([
      [1, null],
      [2, 'deadline'],
      [3, 'oldest'],
    ]);
    expect(world.teams.get(2)).toEqual({ id: 2, overflowTeamId: 1, overflowAfterMs: 1_800_000, queueOrder: 'deadline' });
  });

  it('leaves out the pairs of anyone not among the agents (an admin, a deactivated agent)', () => {
    const world = worldOf(null, [5], '5:1,6:1,60:2', '6:3');
    expect([...world.members.keys()]).toEqual([5]);
    expect(world.members.get(5)).toEqual({ teams: [1], skills: [] });
  });

  it('gives an agent in no team empty lists, and reads empty lists as none', () => {
    for (const none of [null, undefined, '']) {
      const world = worldOf(none, [3, 4], none, none);
      expect(world.teams.size).toBe(0);
      expect(world.members.get(3)).toEqual({ teams: [], skills: [] });
      expect(world.members.get(4)).toEqual({ teams: [], skills: [] });
    }
  });
});
