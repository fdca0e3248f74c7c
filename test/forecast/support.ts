/**
 * A small history for the forecast's tests: a seeded scenario (arrivals, holds, presence changes),
 * replayed by the simulator, and the same steps driven through the live services on a real
 * database, so the desk's rows (tickets, events, presence history) are what the simulator routed.
 */
import { expect } from 'vitest';
import type { PresenceChange, SimResult, SimTicket } from '../../src/core/forecastSim.js';
import { exponential, pick, seededRandom } from '../../src/core/prng.js';
import { DEFAULT_SLA, slaDueAt } from '../../src/core/sla.js';
import { PRIORITIES } from '../../src/core/tickets.js';
import type { ServiceContext } from '../../src/services/context.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket, createTickets } from '../../src/services/tickets.js';
import type { FakeClock } from '../support/clock.js';

export const MIN = 60_000;

/** `count` tickets, about `gapMs` apart from `start`, each held `hold()` ms (default priorities at random). */
export function arrivals(seed: number, start: number, count: number, gapMs: number, hold: (random: () => number) => number): SimTicket[] {
  const random = seededRandom(seed);
  let at = start;
  return Array.from({ length: count }, (_, i) => {
    at += Math.round(exponential(random, gapMs));
    const priority = pick(random, PRIORITIES);
    return { id: i + 1, createdAt: at, slaDueAt: slaDueAt(at, priority, DEFAULT_SLA), priority, teamId: 1, skills: [], holdMs: hold(random) };
  });
}

/** Agents coming and going: the first at `start`, the others later; one away for ten minutes, one offline for ten. */
export function shifts(ids: readonly number[], start: number): PresenceChange[] {
  return [
    { at: start, agentId: ids[0]!, presence: 'available' },
    { at: start + 10 * MIN, agentId: ids[1]!, presence: 'available' },
    { at: start + 15 * MIN, agentId: ids[0]!, presence: 'away' },
    { at: start + 20 * MIN, agentId: ids[2]!, presence: 'available' },
    { at: start + 25 * MIN, agentId: ids[0]!, presence: 'available' },
    { at: start + 35 * MIN, agentId: ids[1]!, presence: 'offline' },
    { at: start + 45 * MIN, agentId: ids[1]!, presence: 'available' },
  ];
}

/**
 * Drives the simulator's steps through the live services at the same instants: each arrival
 * created, each close by the agent the simulator says holds the ticket, each presence change, each
 * change of the teams (`changeTeams` with its index in the simulator's worldChanges); each ticket
 * of the topic `topicOf` names (default: the form's first).
 * Returns live ticket id → simulated ticket id.
 */
export async function driveLiveDesk(
  ctx: ServiceContext,
  clock: FakeClock,
  tickets: readonly SimTicket[],
  sim: SimResult,
  options: { changeTeams?: (index: number) => Promise<void>; topicOf?: (ticket: SimTicket) => number } = {},
): Promise<Map<number, number>> {
  const liveId = new Map<number, number>();
  const simToLive = new Map<number, number>();
  for (const step of sim.steps) {
    clock.set(step.at);
    if (step.kind === 'arrival') {
      const t = tickets[step.ticketId - 1]!;
      const [created] = await createTickets(ctx, [{ name: 'C', email: 'c@example.test', title: `T${t.id}`, description: 'd', priority: t.priority, topicId: options.topicOf?.(t) ?? null }]);
      liveId.set(created!.id, t.id);
      simToLive.set(t.id, created!.id);
    } else if (step.kind === 'close') {
      expect(await closeTicket(ctx, { id: step.agentId, role: 'agent' }, simToLive.get(step.ticketId)!), `close of ticket ${step.ticketId}`).toBe(true);
    } else if (step.kind === 'world') {
      await options.changeTeams?.(step.index);
    } else {
      await changePresence(ctx, step.agentId, step.presence);
    }
  }
  return liveId;
}
