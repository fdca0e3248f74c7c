import { describe, expect, it } from 'vitest';
import { type AgentLoad, compareInQueue, placeInQueue, planPull, planRelease, type QueueOrder } from '../../src/core/routing.js';
import { compareTeamTickets, orderOfTeam, type QueueOrders, type QueueRead, queueReads, type TeamRule, type TeamTicket, teamRule, type TeamWorld } from '../../src/core/teams.js';
import { teamFromForm } from '../../src/core/teamForm.js';
import { checkTeam } from '../../src/core/teamInput.js';

const NOW = Date.UTC(2026, 11, 16, 9, 0, 0);
const MIN = 60_000;

const rule = (id: number, queueOrder: QueueOrder | null): [number, TeamRule] => [id, { id, overflowTeamId: null, overflowAfterMs: null, queueOrder }];

// Teams: 1 follows the desk, 2 oldest first, 3 deadline first.
const TEAMS = new Map([rule(1, null), rule(2, 'oldest'), rule(3, 'deadline')]);
const orders = (desk: QueueOrder, teams: ReadonlyMap<number, TeamRule> = TEAMS): QueueOrders => ({ desk, teams });

/** A ticket of `teamId` created `ageMin` minutes before NOW, due `dueMin` minutes after NOW. */
function ticket(id: number, teamId: number, ageMin: number, dueMin: number): TeamTicket {
  return { id, createdAt: NOW - ageMin * MIN, slaDueAt: NOW + dueMin * MIN, teamId, skills: [] };
}

function agent(id: number, over: Partial<AgentLoad> = {}): AgentLoad {
  return { id, presence: 'available', capacity: 5, openCount: 0, lastAssignedAt: null, ...over };
}

const ids = (tickets: readonly TeamTicket[]) => tickets.map((t) => t.id);

describe('placeInQueue: created_at under oldest, sla_due_at under deadline', () => {
  it.each<[QueueOrder, number]>([
    ['oldest', NOW - 10 * MIN],
    ['deadline', NOW + 5 * MIN],
  ])('%s', (order, place) => {
    expect(placeInQueue(ticket(1, 1, 10, 5), order)).toBe(place);
  });
});

describe('orderOfTeam: the team’s own order, else the desk’s', () => {
  it.each<[string, QueueOrder, number, QueueOrder]>([
    ['a team following the desk (oldest)', 'oldest', 1, 'oldest'],
    ['a team following the desk (deadline)', 'deadline', 1, 'deadline'],
    ['a team of its own order, against the desk’s', 'deadline', 2, 'oldest'],
    ['a team of its own order, against the desk’s (other way)', 'oldest', 3, 'deadline'],
    ['a team routing does not know follows the desk', 'deadline', 99, 'deadline'],
  ])('%s', (_what, desk, teamId, expected) => {
    expect(orderOfTeam(orders(desk), teamId)).toBe(expected);
  });
});

describe('compareInQueue with each ticket’s order (one total order: place, created_at, id)', () => {
  // 1: old, late deadline; 2: newer, early deadline; 3: like 2, created at the same instant; 4: newest, latest deadline.
  const tickets = [ticket(1, 0, 30, 60), ticket(2, 0, 10, 5), ticket(3, 0, 10, 5), ticket(4, 0, 5, 90)];
  it.each<[string, (t: TeamTicket) => QueueOrder, number[]]>([
    ['every ticket oldest: created_at, then id (today’s oldest)', () => 'oldest', [1, 2, 3, 4]],
    ['every ticket deadline: sla_due_at, created_at, id (today’s deadline)', () => 'deadline', [2, 3, 1, 4]],
    // 1's place is its created_at (NOW-30m); 2 and 3 are placed at their deadline (NOW+5m); 4 at its created_at (NOW-5m).
    ['mixed: oldest tickets placed by created_at among deadline tickets placed by their due time', (t) => (t.id === 2 || t.id === 3 ? 'deadline' : 'oldest'), [1, 4, 2, 3]],
    // 1 is placed at its deadline (NOW+60m), after 2 and 3 (NOW-10m) and 4 (NOW-5m).
    ['mixed the other way', (t) => (t.id === 1 ? 'deadline' : 'oldest'), [2, 3, 4, 1]],
  ])('%s', (_what, orderOf, expected) => {
    expect(ids([...tickets].sort(compareInQueue(orderOf)))).toEqual(expected);
    expect(ids([...tickets].reverse().sort(compareInQueue(orderOf)))).toEqual(expected);
  });

  it('one order for all is the same comparator as that order given per ticket', () => {
    for (const order of ['oldest', 'deadline'] as const) {
      expect(ids([...tickets].sort(compareInQueue(order)))).toEqual(ids([...tickets].sort(compareInQueue(() => order))));
    }
  });
});

describe('compareTeamTickets: each ticket by its team’s effective order', () => {
  // Team 2 (oldest): 21 came 30 min ago, due in 60; 22 came 5 min ago, due in 1.
  // Team 3 (deadline): 31 came 20 min ago, due in 10; 32 came 40 min ago, due in 50.
  const tickets = [ticket(21, 2, 30, 60), ticket(22, 2, 5, 1), ticket(31, 3, 20, 10), ticket(32, 3, 40, 50)];
  it.each<[string, QueueOrder, ReadonlyMap<number, TeamRule>, number[]]>([
    // Places: 21 NOW-30m, 22 NOW-5m, 31 NOW+10m, 32 NOW+50m.
    ['team 2 oldest, team 3 deadline', 'oldest', TEAMS, [21, 22, 31, 32]],
    // Every team follows the desk: exactly the desk's order.
    ['both following an oldest desk', 'oldest', new Map([rule(2, null), rule(3, null)]), [32, 21, 31, 22]],
    ['both following a deadline desk', 'deadline', new Map([rule(2, null), rule(3, null)]), [22, 31, 32, 21]],
  ])('%s', (_what, desk, teams, expected) => {
    expect(ids([...tickets].sort(compareTeamTickets(orders(desk, teams))))).toEqual(expected);
  });
});

describe('queueReads: one read per order among the asked teams', () => {
  it.each<[string, QueueOrder, ReadonlyMap<number, TeamRule>, number[] | null, QueueRead[]]>([
    ['every team on the desk’s order, every team asked: one read, no team filter', 'oldest', new Map([rule(1, null), rule(2, null)]), null, [{ order: 'oldest', teams: null }]],
    ['every team’s own order the same, every team asked: one read in it', 'oldest', new Map([rule(1, 'deadline'), rule(2, 'deadline')]), null, [{ order: 'deadline', teams: null }]],
    ['asked teams sharing an order: one read of them', 'oldest', TEAMS, [1, 2], [{ order: 'oldest', teams: [1, 2] }]],
    ['one asked team of its own order', 'oldest', TEAMS, [3], [{ order: 'deadline', teams: [3] }]],
    [
      'mixed orders, every team asked: each order with its teams',
      'oldest',
      TEAMS,
      null,
      [
        { order: 'oldest', teams: [1, 2] },
        { order: 'deadline', teams: [3] },
      ],
    ],
    [
      'mixed orders among the asked teams',
      'deadline',
      TEAMS,
      [2, 3],
      [
        { order: 'oldest', teams: [2] },
        { order: 'deadline', teams: [3] },
      ],
    ],
    ['no team at all: the desk’s order, unfiltered', 'deadline', new Map(), null, [{ order: 'deadline', teams: null }]],
  ])('%s', (_what, desk, teams, asked, expected) => {
    expect(queueReads(orders(desk, teams), asked)).toEqual(expected);
  });
});

describe('routing with per-team orders (R2, R5)', () => {
  const world: TeamWorld = { teams: TEAMS, members: new Map([[7, { teams: [2, 3], skills: [] }]]) };
  // Team 2 (oldest): 21 came 30 min ago, 22 came 5 min ago. Team 3 (deadline): 31 due in 10, 32 due in 1 though it came 1 min ago.
  const queue = [ticket(21, 2, 30, 60), ticket(22, 2, 5, 1), ticket(31, 3, 20, 10), ticket(32, 3, 1, 1)];
  const merged = [...queue].sort(compareTeamTickets(orders('oldest')));

  it('an agent in both teams takes the heads of its teams’ queues, earliest place first', () => {
    expect(ids(merged)).toEqual([21, 22, 32, 31]);
    const plan = planPull([agent(7, { capacity: 3 })], 7, merged, NOW, teamRule(world, NOW));
    expect(plan.moves.map((m) => m.ticketId)).toEqual([21, 22, 32]);
  });

  it('R5 merges released tickets into the queue by each one’s team order', () => {
    const agents = [agent(8, { presence: 'offline', openCount: 2 }), agent(7, { capacity: 2 })];
    // Released 33 (team 3, deadline) was due 40 minutes ago: placed before 21 (created 30 minutes ago).
    // By created_at (50 minutes ago) it would go first too; 34 (team 3, created 60 minutes ago, due in
    // 5) would go first by created_at, but its place is its deadline, after 21 and 22.
    const released = [ticket(33, 3, 50, -40), ticket(34, 3, 60, 5)];
    const plan = planRelease(agents, 8, released, merged, (t) => orderOfTeam(orders('oldest'), t.teamId), NOW, teamRule(world, NOW));
    expect(plan.moves).toEqual([
      { ticketId: 34, from: 8, to: null },
      { ticketId: 33, from: 8, to: 7 },
      { ticketId: 21, from: null, to: 7 },
    ]);
  });
});

describe('checkTeam’s queue order (the form’s select, the API’s field)', () => {
  it.each<[string, unknown, QueueOrder | null]>([
    ['absent: the desk’s', undefined, null],
    ['null: the desk’s', null, null],
    ['empty (the form’s first choice): the desk’s', '', null],
    ['oldest', 'oldest', 'oldest'],
    ['deadline in any letter case, trimmed', ' Deadline ', 'deadline'],
  ])('%s', (_what, raw, expected) => {
    const checked = checkTeam({ name: 'Billing', ...(raw === undefined ? {} : { queue_order: raw }) });
    expect(checked.fields).toEqual({});
    expect(checked.value.queueOrder).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['a word no order has', 'newest'],
    ['a number', 1],
    ['a list', ['oldest']],
  ])('%s is refused, naming the field', (_what, raw) => {
    expect(checkTeam({ name: 'Billing', queue_order: raw }).fields).toEqual({ queue_order: 'Choose oldest or deadline, or none for the desk’s.' });
  });

  it('the form posts it as the API does', () => {
    expect(checkTeam(teamFromForm({ name: 'Billing', queue_order: 'deadline' })).value.queueOrder).toBe('deadline');
    expect(checkTeam(teamFromForm({ name: 'Billing', queue_order: '' })).value.queueOrder).toBeNull();
  });
});
