/**
 * The simulator must be the router, not a copy of it (SPEC §14): the live services on a real
 * database and src/core/forecastSim.ts are given the same steps — arrivals, closes, presence
 * changes, at the same instants — and every assignment (the ticket, from whom, to whom, when) must
 * agree. Steps come from the simulator's own trace, so a live desk that routes differently fails
 * twice over: its events differ, and a close then names an agent that does not hold the ticket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../src/core/forecastSim.js';
import { exponential } from '../../src/core/prng.js';
import type { QueueOrder } from '../../src/core/routing.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { loadRoutingState } from '../../src/repositories/routingState.js';
import { saveSettings } from '../../src/repositories/settings.js';
import type { ServiceContext } from '../../src/services/context.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { arrivals, driveLiveDesk, MIN, shifts } from './support.js';

const START = Date.UTC(2026, 10, 30, 8, 0, 0);
const CAPACITIES = [2, 1, 3];
const TICKETS = 70;

describe.each(DIALECTS)('the simulator and the live services route alike (%s)', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(dialect);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it.each<[QueueOrder, number]>([
    ['oldest', 7],
    ['deadline', 11],
  ])('queue order %s, seed %i: every assignment agrees', async (queueOrder, seed) => {
    const db = database.handle.db;
    // A desk of its own per case: new agents, and the earlier case's tickets all closed.
    const clock = new FakeClock(START - MIN);
    const ctx: ServiceContext = { handle: database.handle, clock, publicUrl: 'http://helpdesk.test' };
    await saveSettings(db, { ...DEFAULT_SETTINGS, queueOrder });
    await db.updateTable('users').set({ active: 0 }).execute();
    const agentIds: number[] = [];
    for (const [i, capacity] of CAPACITIES.entries()) agentIds.push(await addStaff(ctx, `${queueOrder}${i}`, { capacity }));
    const world = (await loadRoutingState(db, clock.now())).world;

    // Arrivals about every 40 s, holds about 2 min: the queue fills and empties, and R3 balances.
    const tickets = arrivals(seed, START + MIN, TICKETS, 40_000, (random) => 1 + Math.round(exponential(random, 2 * MIN)));
    const sim = simulate({ tickets, agents: agentIds.map((id, i) => ({ id, capacity: CAPACITIES[i]! })), presence: shifts(agentIds, START), world, queueOrder, trace: true });
    expect(sim.moves.some((m) => m.from !== null), 'the scenario exercises R3').toBe(true);
    expect(sim.moves.filter((m) => m.from === null).length, 'every ticket got an agent').toBe(TICKETS);

    const liveId = await driveLiveDesk(ctx, clock, tickets, sim);

    const events = await db
      .selectFrom('ticket_events')
      .select(['ticket_id', 'type', 'at', 'from_agent_id', 'to_agent_id'])
      .where('ticket_id', 'in', [...liveId.keys()])
      .where('type', 'in', ['created', 'assigned', 'reassigned', 'requeued'])
      .orderBy('id')
      .execute();
    const liveMoves = events
      .filter((e) => e.type !== 'created' || e.to_agent_id !== null)
      .map((e) => ({ ticketId: liveId.get(e.ticket_id)!, from: e.from_agent_id, to: e.to_agent_id, at: Number(e.at) }));
    expect(liveMoves).toEqual(sim.moves);
    const open = await db.selectFrom('tickets').select('id').where('status', '=', 'open').where('id', 'in', [...liveId.keys()]).execute();
    expect(open).toEqual([]);
  });
});
