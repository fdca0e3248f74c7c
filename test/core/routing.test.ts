import { describe, expect, it } from 'vitest';
import {
  capacityChanges,
  type AgentLoad,
  bestAgent,
  chooseBalanceDonor,
  chooseIntakeAgent,
  compareForAssignment,
  compareInQueue,
  hasSpareCapacity,
  type Move,
  planBalanceMove,
  planDrain,
  planFollowUp,
  planIntake,
  planPull,
  planRelease,
  type QueuedTicket,
  spareCapacity,
} from '../../src/core/routing.js';

const NOW = Date.UTC(2026, 10, 27, 9, 0, 0);
const MIN = 60_000;

/** An available agent with room and no history unless told otherwise. */
function agent(id: number, over: Partial<AgentLoad> = {}): AgentLoad {
  return { id, presence: 'available', capacity: 5, openCount: 0, lastAssignedAt: null, ...over };
}

/** A pending ticket; its SLA deadline defaults to one minute after creation. */
function ticket(id: number, createdAt: number, slaDueAt = createdAt + MIN): QueuedTicket {
  return { id, createdAt, slaDueAt };
}

const sign = (n: number): number => Math.sign(n) || 0;

/** Moves sorted by ticket id, so a test states which ticket goes where, not the write order. */
const byTicket = (moves: readonly Move[]): Move[] => [...moves].sort((a, b) => a.ticketId - b.ticketId);

const load = (agents: readonly AgentLoad[], id: number): AgentLoad => {
  const found = agents.find((a) => a.id === id);
  if (!found) throw new Error(`no agent ${id}`);
  return found;
};

describe('spare capacity', () => {
  it.each<[string, AgentLoad, boolean, number]>([
    ['an available agent below its capacity has room', agent(1, { openCount: 3 }), true, 2],
    ['an available agent at its capacity has none', agent(1, { openCount: 5 }), false, 0],
    ['an agent above its capacity (R6) has none, never a negative amount', agent(1, { openCount: 7 }), false, 0],
    ['an away agent has none however empty', agent(1, { presence: 'away' }), false, 0],
    ['an offline agent has none however empty', agent(1, { presence: 'offline' }), false, 0],
    ['an agent with capacity 1 and nothing open has exactly one slot', agent(1, { capacity: 1 }), true, 1],
  ])('%s', (_title, a, has, spare) => {
    expect(hasSpareCapacity(a)).toBe(has);
    expect(spareCapacity(a)).toBe(spare);
  });
});

describe('compareForAssignment (R1 ranking)', () => {
  it.each<[string, AgentLoad, AgentLoad]>([
    [
      'fewer open tickets wins even when assigned more recently',
      agent(9, { openCount: 1, lastAssignedAt: NOW }),
      agent(1, { openCount: 2, lastAssignedAt: NOW - 60 * MIN }),
    ],
    [
      'with equal load, never assigned counts as longest ago',
      agent(9, { openCount: 1, lastAssignedAt: null }),
      agent(1, { openCount: 1, lastAssignedAt: 0 }),
    ],
    [
      'with equal load, the longer since the last assignment wins',
      agent(9, { openCount: 2, lastAssignedAt: NOW - 10 * MIN }),
      agent(1, { openCount: 2, lastAssignedAt: NOW - MIN }),
    ],
    ['with equal load and both never assigned, the lower id wins', agent(1), agent(2)],
    [
      'with equal load and the same last assignment, the lower id wins',
      agent(3, { openCount: 1, lastAssignedAt: NOW }),
      agent(4, { openCount: 1, lastAssignedAt: NOW }),
    ],
  ])('%s', (_title, first, second) => {
    expect(compareForAssignment(first, second)).toBeLessThan(0);
    expect(compareForAssignment(second, first)).toBeGreaterThan(0);
  });

  it('an agent compares equal to itself', () => {
    const a = agent(1, { openCount: 2, lastAssignedAt: NOW });
    expect(sign(compareForAssignment(a, { ...a }))).toBe(0);
  });
});

describe('bestAgent', () => {
  it.each<[string, AgentLoad[], number | null]>([
    ['nobody at all: null', [], null],
    ['only away and offline agents: null', [agent(1, { presence: 'away' }), agent(2, { presence: 'offline' })], null],
    ['everyone full: null', [agent(1, { capacity: 2, openCount: 2 }), agent(2, { capacity: 1, openCount: 1 })], null],
    ['an agent above capacity after an admin reassignment is skipped', [agent(1, { capacity: 2, openCount: 3 }), agent(2, { openCount: 4 })], 2],
    ['an away agent with nothing open loses to a busy available one', [agent(1, { presence: 'away' }), agent(2, { openCount: 4 })], 2],
    ['a full agent with fewer tickets loses to a busier one with room', [agent(1, { capacity: 1, openCount: 1 }), agent(2, { openCount: 3 })], 2],
    ['the fewest open tickets wins', [agent(1, { openCount: 2 }), agent(2, { openCount: 1 }), agent(3, { openCount: 3 })], 2],
    [
      'equal load: the never-assigned agent wins',
      [agent(1, { openCount: 1, lastAssignedAt: NOW - MIN }), agent(2, { openCount: 1, lastAssignedAt: null })],
      2,
    ],
    [
      'equal load: the longest since last assignment wins',
      [
        agent(1, { openCount: 1, lastAssignedAt: NOW - MIN }),
        agent(2, { openCount: 1, lastAssignedAt: NOW - 5 * MIN }),
        agent(3, { openCount: 1, lastAssignedAt: NOW - 2 * MIN }),
      ],
      2,
    ],
    ['complete tie: the lowest id wins, whatever the input order', [agent(7), agent(3), agent(5)], 3],
  ])('%s', (_title, agents, expected) => {
    expect(bestAgent(agents)?.id ?? null).toBe(expected);
    expect(bestAgent([...agents].reverse())?.id ?? null).toBe(expected);
  });
});

describe('chooseIntakeAgent (R1)', () => {
  it.each<[string, AgentLoad[], number, number | null]>([
    ['empty queue and a free agent: assigned at once', [agent(1)], 0, 1],
    ['empty queue: the ranking picks among free agents', [agent(1, { openCount: 2 }), agent(2, { openCount: 1 })], 0, 2],
    ['a waiting ticket is never overtaken, even with a free agent', [agent(1)], 1, null],
    ['a long queue also means the queue', [agent(1), agent(2)], 10, null],
    ['empty queue but everyone full: the queue', [agent(1, { capacity: 1, openCount: 1 })], 0, null],
    ['empty queue but everyone away or offline: the queue', [agent(1, { presence: 'away' }), agent(2, { presence: 'offline' })], 0, null],
    ['no agents at all: the queue', [], 0, null],
  ])('%s', (_title, agents, queueLength, expected) => {
    expect(chooseIntakeAgent(agents, queueLength)).toBe(expected);
  });
});

describe('planIntake (R1 for tickets committed together)', () => {
  it.each<[string, AgentLoad[], number, number, (number | null)[]]>([
    ['round robin among equals, in arrival order', [agent(1), agent(2), agent(3)], 0, 4, [1, 2, 3, 1]],
    ['each ticket sees the loads after the ones before it', [agent(1, { openCount: 2 }), agent(2)], 0, 4, [2, 2, 1, 2]],
    [
      'once nobody has room, that ticket and every later one wait (even if room would not matter)',
      [agent(1, { capacity: 1 }), agent(2, { capacity: 2, openCount: 1 })],
      0,
      4,
      [1, 2, null, null],
    ],
    ['a waiting ticket is never overtaken: all join the queue', [agent(1)], 1, 3, [null, null, null]],
    ['nobody available: all join the queue', [agent(1, { presence: 'away' })], 0, 2, [null, null]],
    ['no tickets: nothing to decide', [agent(1)], 0, 0, []],
  ])('%s', (_title, agents, queueLength, count, expected) => {
    expect(planIntake(agents, queueLength, count, NOW).agentIds).toEqual(expected);
  });

  it('decides what creating the tickets one at a time in the same instant decides', () => {
    const agents = [agent(4, { openCount: 1, lastAssignedAt: NOW - MIN }), agent(2, { capacity: 3 }), agent(9, { openCount: 1 }), agent(5, { presence: 'away' })];
    const plan = planIntake(agents, 0, 9, NOW);
    let loads = [...agents];
    const oneByOne: (number | null)[] = [];
    let waiting = 0;
    for (let i = 0; i < 9; i++) {
      const id = chooseIntakeAgent(loads, waiting);
      oneByOne.push(id);
      if (id === null) waiting++;
      else loads = loads.map((a) => (a.id === id ? { ...a, openCount: a.openCount + 1, lastAssignedAt: NOW } : a));
    }
    expect(plan.agentIds).toEqual(oneByOne);
    expect(plan.agents).toEqual(loads);
    // Nobody above capacity (I2), and the away agent got nothing.
    expect(plan.agents.every((a) => a.openCount <= a.capacity)).toBe(true);
    expect(load(plan.agents, 5).openCount).toBe(0);
  });
});

describe('planPull (R2)', () => {
  const queue = [ticket(30, NOW - 3 * MIN), ticket(10, NOW - 2 * MIN), ticket(20, NOW - MIN), ticket(40, NOW)];

  it.each<[string, AgentLoad, readonly QueuedTicket[], number[]]>([
    ['with room for everything, it takes the whole queue', agent(1), queue, [30, 10, 20, 40]],
    ['it takes from the head in the order given, up to its spare capacity', agent(1, { capacity: 3, openCount: 1 }), queue, [30, 10]],
    ['a single free slot takes exactly the head', agent(1, { capacity: 5, openCount: 4 }), queue, [30]],
    ['a full agent takes nothing', agent(1, { capacity: 2, openCount: 2 }), queue, []],
    ['an agent above capacity takes nothing', agent(1, { capacity: 2, openCount: 3 }), queue, []],
    ['an away agent takes nothing', agent(1, { presence: 'away' }), queue, []],
    ['an offline agent takes nothing', agent(1, { presence: 'offline' }), queue, []],
    ['an empty queue gives nothing', agent(1), [], []],
  ])('%s', (_title, puller, head, expectedIds) => {
    const other = agent(2, { openCount: 1, lastAssignedAt: NOW - MIN });
    const before = [puller, other];
    const snapshot = structuredClone(before);
    const plan = planPull(before, 1, head, NOW);

    expect(plan.moves).toEqual(expectedIds.map((id) => ({ ticketId: id, from: null, to: 1 })));
    expect(load(plan.agents, 1)).toEqual(
      expectedIds.length > 0 ? { ...puller, openCount: puller.openCount + expectedIds.length, lastAssignedAt: NOW } : puller,
    );
    expect(load(plan.agents, 2)).toEqual(other);
    // The caller's loads are not modified.
    expect(before).toEqual(snapshot);
  });

  it('an agent missing from the loads takes nothing', () => {
    const plan = planPull([agent(2)], 1, queue, NOW);
    expect(plan.moves).toEqual([]);
    expect(plan.agents).toEqual([agent(2)]);
  });
});

describe('chooseBalanceDonor (R3)', () => {
  it.each<[string, AgentLoad[], number, number, number | null]>([
    ['the agent with the most open tickets gives', [agent(1), agent(2, { openCount: 2 }), agent(3, { openCount: 4 })], 1, 0, 3],
    ['ties for most: the lowest id gives', [agent(1), agent(4, { openCount: 3 }), agent(2, { openCount: 3 }), agent(3, { openCount: 1 })], 1, 0, 2],
    ['a donor with exactly two (more than one) gives', [agent(1), agent(2, { openCount: 2 })], 1, 0, 2],
    ['the busiest agent holding only one ticket keeps it', [agent(1), agent(2, { openCount: 1 }), agent(3, { openCount: 1 })], 1, 0, null],
    ['nobody holds anything: no balance', [agent(1), agent(2)], 1, 0, null],
    ['the taker alone: never its own donor', [agent(1)], 1, 0, null],
    ['a waiting queue means R2, not R3', [agent(1), agent(2, { openCount: 4 })], 1, 1, null],
    ['a taker that already holds a ticket does not balance', [agent(1, { openCount: 1 }), agent(2, { openCount: 4 })], 1, 0, null],
    ['an away taker does not balance', [agent(1, { presence: 'away' }), agent(2, { openCount: 4 })], 1, 0, null],
    ['an offline taker does not balance', [agent(1, { presence: 'offline' }), agent(2, { openCount: 4 })], 1, 0, null],
    ['a taker missing from the loads does not balance', [agent(2, { openCount: 4 })], 1, 0, null],
    ['an away donor that kept its tickets still gives', [agent(1), agent(2, { presence: 'away', openCount: 3 }), agent(3, { openCount: 2 })], 1, 0, 2],
    ['a donor above capacity after R6 gives', [agent(1), agent(2, { capacity: 2, openCount: 6 })], 1, 0, 2],
    [
      'a taker with a higher id than the donor still takes',
      [agent(1, { openCount: 2 }), agent(2, { openCount: 2 }), agent(9)],
      9,
      0,
      1,
    ],
  ])('%s', (_title, agents, takerId, queueLength, expected) => {
    expect(chooseBalanceDonor(agents, takerId, queueLength)).toBe(expected);
    expect(chooseBalanceDonor([...agents].reverse(), takerId, queueLength)).toBe(expected);
  });
});

describe('planBalanceMove (R3)', () => {
  const donorBefore = agent(2, { openCount: 3, lastAssignedAt: NOW - 5 * MIN });
  const takerBefore = agent(1, { lastAssignedAt: NOW - 60 * MIN });
  const bystander = agent(3, { openCount: 1, lastAssignedAt: NOW - 2 * MIN });
  const plan = planBalanceMove([takerBefore, donorBefore, bystander], 2, 1, 77, NOW);

  it('moves the chosen ticket from the donor to the taker', () => {
    expect(plan.moves).toEqual([{ ticketId: 77, from: 2, to: 1 }]);
  });

  it.each<[string, number, AgentLoad]>([
    ['the taker gains one ticket and its last assignment is now', 1, { ...takerBefore, openCount: 1, lastAssignedAt: NOW }],
    ['the donor loses one ticket and keeps its last assignment time', 2, { ...donorBefore, openCount: 2 }],
    ['other agents are untouched', 3, bystander],
  ])('%s', (_title, id, expected) => {
    expect(load(plan.agents, id)).toEqual(expected);
  });

  it('one ticket per trigger: after the move the taker no longer qualifies', () => {
    expect(chooseBalanceDonor(plan.agents, 1, 0)).toBeNull();
  });
});

describe('compareInQueue', () => {
  it.each<[string, 'oldest' | 'deadline', QueuedTicket[], number[]]>([
    [
      'oldest: by created_at, whatever the deadline',
      'oldest',
      [ticket(1, NOW + 2 * MIN, NOW + 3 * MIN), ticket(2, NOW, NOW + 60 * MIN), ticket(3, NOW + MIN, NOW + 2 * MIN)],
      [2, 3, 1],
    ],
    ['oldest: same created_at, by id', 'oldest', [ticket(5, NOW), ticket(2, NOW), ticket(9, NOW - MIN)], [9, 2, 5]],
    [
      'deadline: earliest sla_due_at first, even when created later',
      'deadline',
      [ticket(1, NOW, NOW + 60 * MIN), ticket(2, NOW + 2 * MIN, NOW + 3 * MIN), ticket(3, NOW + MIN, NOW + 4 * MIN)],
      [2, 3, 1],
    ],
    [
      'deadline: same sla_due_at, by created_at',
      'deadline',
      [ticket(1, NOW + MIN, NOW + 10 * MIN), ticket(2, NOW, NOW + 10 * MIN), ticket(3, NOW - MIN, NOW + 20 * MIN)],
      [2, 1, 3],
    ],
    [
      'deadline: same sla_due_at and created_at, by id',
      'deadline',
      [ticket(8, NOW, NOW + MIN), ticket(4, NOW, NOW + MIN), ticket(6, NOW, NOW + MIN)],
      [4, 6, 8],
    ],
  ])('%s', (_title, order, tickets, expectedIds) => {
    expect([...tickets].sort(compareInQueue(order)).map((t) => t.id)).toEqual(expectedIds);
    expect([...tickets].reverse().sort(compareInQueue(order)).map((t) => t.id)).toEqual(expectedIds);
  });
});

describe('planDrain', () => {
  const queue = (n: number): QueuedTicket[] => Array.from({ length: n }, (_, i) => ticket(101 + i, NOW - (n - i) * MIN));

  it.each<[string, AgentLoad[], QueuedTicket[], Array<[number, number]>]>([
    ['round robin among equals: one each, lowest id first, then around again', [agent(3), agent(1), agent(2)], queue(5), [
      [101, 1], [102, 2], [103, 3], [104, 1], [105, 2],
    ]],
    [
      'the least loaded agent is filled up to the others first',
      [agent(1, { openCount: 2 }), agent(2)],
      queue(3),
      [[101, 2], [102, 2], [103, 1]],
    ],
    [
      'the agent waiting longest breaks a tie in load',
      [agent(1, { openCount: 1, lastAssignedAt: NOW - MIN }), agent(2, { openCount: 1, lastAssignedAt: NOW - 9 * MIN })],
      queue(2),
      [[101, 2], [102, 1]],
    ],
    [
      'capacity is respected: a full agent is passed over',
      [agent(1, { capacity: 1 }), agent(2, { capacity: 3, openCount: 1 })],
      queue(3),
      [[101, 1], [102, 2], [103, 2]],
    ],
    [
      'it stops when nobody has room; the rest keep waiting',
      [agent(1, { capacity: 1 }), agent(2, { capacity: 2, openCount: 1 })],
      queue(4),
      [[101, 1], [102, 2]],
    ],
    [
      'away and offline agents receive nothing',
      [agent(1, { presence: 'away' }), agent(2, { presence: 'offline' }), agent(3, { capacity: 1 })],
      queue(3),
      [[101, 3]],
    ],
    ['nobody available: no moves', [agent(1, { presence: 'away' })], queue(2), []],
    ['an empty queue: no moves', [agent(1)], [], []],
  ])('%s', (_title, agents, q, expected) => {
    const plan = planDrain(agents, q, NOW);
    expect(plan.moves).toEqual(expected.map(([ticketId, to]) => ({ ticketId, from: null, to })));
    for (const a of agents) {
      const received = expected.filter(([, to]) => to === a.id).length;
      expect(load(plan.agents, a.id)).toEqual(received > 0 ? { ...a, openCount: a.openCount + received, lastAssignedAt: NOW } : a);
      expect(load(plan.agents, a.id).openCount).toBeLessThanOrEqual(Math.max(a.capacity, a.openCount));
    }
  });

  it('a ticket still held by someone moves from that holder', () => {
    const plan = planDrain([agent(1), agent(2)], queue(2), NOW, new Map([[102, 7]]));
    expect(plan.moves).toEqual([
      { ticketId: 101, from: null, to: 1 },
      { ticketId: 102, from: 7, to: 2 },
    ]);
  });
});

describe('planRelease (R5 with release_on_logout)', () => {
  const LEAVER = 1;

  interface Case {
    agents: AgentLoad[];
    released: QueuedTicket[];
    queue: QueuedTicket[];
    order: 'oldest' | 'deadline';
    moves: Move[];
    /** Expected open counts after the plan, by agent id. */
    open: Record<number, number>;
  }

  const cases: Array<[string, Case]> = [
    [
      'released tickets keep their created_at and merge into the queue in oldest order',
      {
        agents: [agent(LEAVER, { presence: 'away', openCount: 2 }), agent(2, { capacity: 2 })],
        released: [ticket(10, NOW - 30 * MIN), ticket(11, NOW - 10 * MIN)],
        queue: [ticket(20, NOW - 20 * MIN)],
        order: 'oldest',
        moves: [
          { ticketId: 10, from: LEAVER, to: 2 },
          { ticketId: 11, from: LEAVER, to: null },
          { ticketId: 20, from: null, to: 2 },
        ],
        open: { [LEAVER]: 0, 2: 2 },
      },
    ],
    [
      'a pending ticket older than every released one keeps its place at the head',
      {
        agents: [agent(LEAVER, { presence: 'offline', openCount: 1 }), agent(2, { capacity: 1 })],
        released: [ticket(10, NOW - 10 * MIN)],
        queue: [ticket(20, NOW - 20 * MIN)],
        order: 'oldest',
        moves: [
          { ticketId: 10, from: LEAVER, to: null },
          { ticketId: 20, from: null, to: 2 },
        ],
        open: { [LEAVER]: 0, 2: 1 },
      },
    ],
    [
      'in deadline order a released ticket with the earlier deadline goes first, though created later',
      {
        agents: [agent(LEAVER, { presence: 'away', openCount: 1 }), agent(2, { capacity: 1 })],
        released: [ticket(10, NOW - 5 * MIN, NOW - 4 * MIN)],
        queue: [ticket(20, NOW - 20 * MIN, NOW + 40 * MIN)],
        order: 'deadline',
        moves: [
          { ticketId: 10, from: LEAVER, to: 2 },
        ],
        open: { [LEAVER]: 0, 2: 1 },
      },
    ],
    [
      'the same tickets in oldest order: the older pending ticket goes first',
      {
        agents: [agent(LEAVER, { presence: 'away', openCount: 1 }), agent(2, { capacity: 1 })],
        released: [ticket(10, NOW - 5 * MIN, NOW - 4 * MIN)],
        queue: [ticket(20, NOW - 20 * MIN, NOW + 40 * MIN)],
        order: 'oldest',
        moves: [
          { ticketId: 10, from: LEAVER, to: null },
          { ticketId: 20, from: null, to: 2 },
        ],
        open: { [LEAVER]: 0, 2: 1 },
      },
    ],
    [
      'released tickets spread over the others by R1 ranking',
      {
        agents: [
          agent(LEAVER, { presence: 'away', openCount: 3 }),
          agent(2, { openCount: 1 }),
          agent(3, { openCount: 0, lastAssignedAt: NOW - MIN }),
          agent(4, { openCount: 0, lastAssignedAt: NOW - 9 * MIN }),
        ],
        released: [ticket(10, NOW - 3 * MIN), ticket(11, NOW - 2 * MIN), ticket(12, NOW - MIN)],
        queue: [],
        order: 'oldest',
        moves: [
          { ticketId: 10, from: LEAVER, to: 4 },
          { ticketId: 11, from: LEAVER, to: 3 },
          { ticketId: 12, from: LEAVER, to: 2 },
        ],
        open: { [LEAVER]: 0, 2: 2, 3: 1, 4: 1 },
      },
    ],
    [
      'the leaver never gets its own tickets back, even with room; with nobody else they are requeued',
      {
        agents: [agent(LEAVER, { presence: 'away', openCount: 2 }), agent(2, { presence: 'offline' })],
        released: [ticket(10, NOW - 2 * MIN), ticket(11, NOW - MIN)],
        queue: [],
        order: 'oldest',
        moves: [
          { ticketId: 10, from: LEAVER, to: null },
          { ticketId: 11, from: LEAVER, to: null },
        ],
        open: { [LEAVER]: 0, 2: 0 },
      },
    ],
    [
      'when every other agent is full, all released tickets are requeued and the queue is untouched',
      {
        agents: [agent(LEAVER, { presence: 'offline', openCount: 1 }), agent(2, { capacity: 2, openCount: 2 })],
        released: [ticket(10, NOW - 30 * MIN)],
        queue: [ticket(20, NOW - 20 * MIN)],
        order: 'oldest',
        moves: [{ ticketId: 10, from: LEAVER, to: null }],
        open: { [LEAVER]: 0, 2: 2 },
      },
    ],
  ];

  it.each(cases)('%s', (_title, c) => {
    const plan = planRelease(c.agents, LEAVER, c.released, c.queue, c.order, NOW);
    expect(byTicket(plan.moves)).toEqual(byTicket(c.moves));
    for (const [id, open] of Object.entries(c.open)) expect(load(plan.agents, Number(id)).openCount).toBe(open);
    // Only receivers get a new last_assigned_at; the leaver keeps its own.
    for (const a of c.agents) {
      const received = c.moves.some((m) => m.to === a.id);
      expect(load(plan.agents, a.id).lastAssignedAt).toBe(received ? NOW : a.lastAssignedAt);
    }
    // Every released ticket gets exactly one move, and it always leaves the leaver.
    for (const t of c.released) {
      const own = plan.moves.filter((m) => m.ticketId === t.id);
      expect(own).toHaveLength(1);
      expect(own[0]?.from).toBe(LEAVER);
      expect(own[0]?.to).not.toBe(LEAVER);
    }
  });

  it.each(['away', 'offline'] as const)('a leaver marked %s receives nothing', (presence) => {
    const plan = planRelease(
      [agent(LEAVER, { presence, openCount: 2 })],
      LEAVER,
      [ticket(10, NOW - MIN), ticket(11, NOW)],
      [ticket(20, NOW - 2 * MIN)],
      'oldest',
      NOW,
    );
    expect(plan.moves.every((m) => m.to === null)).toBe(true);
    expect(load(plan.agents, LEAVER)).toEqual(agent(LEAVER, { presence, openCount: 0 }));
  });
});

describe('planFollowUp (§9: a customer writes to a closed ticket)', () => {
  const PREVIOUS = 1;
  const cases: [
    string,
    { agents: AgentLoad[]; queueLength: number; previous: number | null; to: number | null },
  ][] = [
    [
      'the previous agent gets it when it has room and nobody waits, even over a less busy agent',
      { agents: [agent(PREVIOUS, { openCount: 3, lastAssignedAt: NOW - MIN }), agent(2)], queueLength: 0, previous: PREVIOUS, to: PREVIOUS },
    ],
    [
      'the previous agent with exactly one slot left still gets it',
      { agents: [agent(PREVIOUS, { capacity: 2, openCount: 1 }), agent(2)], queueLength: 0, previous: PREVIOUS, to: PREVIOUS },
    ],
    [
      'the previous agent is full: R1 picks among the others',
      { agents: [agent(PREVIOUS, { capacity: 2, openCount: 2 }), agent(2, { openCount: 1 }), agent(3, { openCount: 1, lastAssignedAt: NOW - MIN })], queueLength: 0, previous: PREVIOUS, to: 2 },
    ],
    [
      'the previous agent is away: R1',
      { agents: [agent(PREVIOUS, { presence: 'away' }), agent(2, { openCount: 4 })], queueLength: 0, previous: PREVIOUS, to: 2 },
    ],
    [
      'the previous agent is offline: R1',
      { agents: [agent(PREVIOUS, { presence: 'offline' }), agent(2)], queueLength: 0, previous: PREVIOUS, to: 2 },
    ],
    [
      'someone is waiting: the follow-up queues too, even though the previous agent has room',
      { agents: [agent(PREVIOUS), agent(2)], queueLength: 1, previous: PREVIOUS, to: null },
    ],
    [
      'the closed ticket had no agent: plain R1',
      { agents: [agent(2, { openCount: 1 }), agent(3)], queueLength: 0, previous: null, to: 3 },
    ],
    [
      'the previous agent is no longer among the agents (deactivated): plain R1',
      { agents: [agent(2)], queueLength: 0, previous: PREVIOUS, to: 2 },
    ],
    [
      'nobody has room: the queue',
      { agents: [agent(PREVIOUS, { presence: 'away' }), agent(2, { capacity: 1, openCount: 1 })], queueLength: 0, previous: PREVIOUS, to: null },
    ],
    ['no agents at all: the queue', { agents: [], queueLength: 0, previous: PREVIOUS, to: null }],
  ];

  it.each(cases)('%s', (_title, c) => {
    const plan = planFollowUp(c.agents, c.queueLength, c.previous, NOW);
    expect(plan.agentIds).toEqual([c.to]);
    // Only the receiver's load changes: one more open ticket, assigned now.
    for (const a of c.agents) {
      expect(load(plan.agents, a.id)).toEqual(a.id === c.to ? { ...a, openCount: a.openCount + 1, lastAssignedAt: NOW } : a);
    }
    expect(plan.agents).toHaveLength(c.agents.length);
  });
});

describe('capacityChanges: the agents whose capacity in force changed', () => {
  const load = (id: number, capacity: number) => ({ id, presence: 'available' as const, capacity, openCount: 0, lastAssignedAt: null });
  it.each<[string, ReturnType<typeof load>[], ReturnType<typeof load>[], number[]]>([
    ['nobody when nothing changed', [load(1, 2), load(2, 3)], [load(1, 2), load(2, 3)], []],
    ['the one whose capacity rose', [load(1, 2), load(2, 3)], [load(1, 4), load(2, 3)], [1]],
    ['every one whose capacity fell (the default)', [load(1, 2), load(2, 2), load(3, 5)], [load(1, 1), load(2, 1), load(3, 5)], [1, 2]],
    ['one not there before', [load(1, 2)], [load(1, 2), load(2, 2)], [2]],
  ])('%s', (_name, before, after, ids) => {
    expect(capacityChanges(before, after).map((a) => a.id)).toEqual(ids);
  });
});
