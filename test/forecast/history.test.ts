/**
 * What the forecast reads of the past (SPEC §14), checked on a history small enough to work out by
 * hand, made by the live services on a real database: each ticket's first assignment (its wait)
 * and the time from that assignment to its close (its holding time), also for a ticket that R3
 * moved to another agent, whose `assigned_at` is the time of the move.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runForecast } from '../../src/core/forecast.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { checkForecastRequest } from '../../src/core/forecastInput.js';
import type { ServiceContext } from '../../src/services/context.js';
import { loadForecastJob } from '../../src/services/forecast.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket, createTickets } from '../../src/services/tickets.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const T0 = Date.UTC(2026, 10, 30, 8, 0, 0);
const MIN = 60_000;

describe.each(DIALECTS)('the history the forecast reads (%s)', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(dialect);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('takes a ticket moved by R3 as waiting until its first agent and held from then on', async () => {
    const clock = new FakeClock(T0);
    const ctx: ServiceContext = { handle: database.handle, clock, publicUrl: 'http://helpdesk.test' };
    const ann = await addStaff(ctx, 'ann', { capacity: 2 });
    const bob = await addStaff(ctx, 'bob', { capacity: 2 });
    const ticket = { name: 'C', email: 'c@example.test', description: 'd', priority: 'low' as const };

    await changePresence(ctx, ann, 'available');
    clock.set(T0 + 1 * MIN);
    const [first] = await createTickets(ctx, [{ ...ticket, title: 'first' }]); // ann, at once
    clock.set(T0 + 2 * MIN);
    const [second] = await createTickets(ctx, [{ ...ticket, title: 'second' }]); // ann, at once
    clock.set(T0 + 3 * MIN);
    await changePresence(ctx, bob, 'available'); // R3: bob takes ann's newest, the second
    const held = await database.handle.db.selectFrom('tickets').select(['id', 'agent_id', 'assigned_at']).orderBy('id').execute();
    expect(held.map((t) => [t.id, t.agent_id, Number(t.assigned_at)])).toEqual([
      [first!.id, ann, T0 + 1 * MIN],
      [second!.id, bob, T0 + 3 * MIN],
    ]);
    clock.set(T0 + 5 * MIN);
    expect(await closeTicket(ctx, { id: ann, role: 'agent' }, first!.id)).toBe(true);
    clock.set(T0 + 6 * MIN);
    expect(await closeTicket(ctx, { id: bob, role: 'agent' }, second!.id)).toBe(true);
    clock.set(T0 + 60 * MIN);

    const job = await loadForecastJob(ctx, checkForecastRequest({ from: '2026-11-30', to: '2026-11-30', k_min: 1, k_max: 2, capacity: 2 }, clock.now()).value);
    // Both waited no time (assigned at creation) and were held 4 minutes from their first assignment.
    expect(job.arrivals.map((a) => a.assignedAt)).toEqual([T0 + 1 * MIN, T0 + 2 * MIN]);
    expect(job.holds).toEqual({ high: [], medium: [], low: [4 * MIN, 4 * MIN] });
    // So the backtest, replaying these two agents, predicts what happened.
    const { backtest } = runForecast(job);
    expect(backtest?.actual).toMatchObject({ waitP50Ms: 0, waitP90Ms: 0, breachRate: 0 });
    expect(backtest?.predicted).toMatchObject({ waitP50Ms: 0, waitP90Ms: 0, breachRate: 0 });
  });

  // A ticket waiting on its customer (pause_while_waiting, §11) stores PAUSED_DUE_AT, the year
  // 275760, as its deadline: replayed with it, such a ticket never breached whatever the staffing,
  // so every recent ticket still waiting on its customer counted as met at any K.
  it('replays a ticket paused while waiting on its customer with the deadline it had when paused', async () => {
    const T1 = Date.UTC(2026, 11, 1, 8, 0, 0);
    const clock = new FakeClock(T1);
    const ctx: ServiceContext = { handle: database.handle, clock, publicUrl: 'http://helpdesk.test' };
    await saveSettings(database.handle.db, { ...DEFAULT_SETTINGS, pauseWhileWaiting: true, sla: { high: 600, medium: 240, low: 3600 } });
    const cy = await addStaff(ctx, 'cy', { capacity: 2 });
    await changePresence(ctx, cy, 'available');
    const ticket = { name: 'C', email: 'c@example.test', description: 'd', priority: 'high' as const };
    clock.set(T1 + 1 * MIN);
    const [paused] = await createTickets(ctx, [{ ...ticket, title: 'waits on its customer' }]);
    const [closed] = await createTickets(ctx, [{ ...ticket, title: 'closed' }]);
    // The first test's agents are on duty too: whoever holds each ticket answers it.
    const holder = async (id: number) => ({ id: (await database.handle.db.selectFrom('tickets').select('agent_id').where('id', '=', id).executeTakeFirstOrThrow()).agent_id!, role: 'agent' as const });
    clock.set(T1 + 5 * MIN);
    // Answered 4 minutes into its 10: paused with 6 minutes left, due 11 minutes after T1.
    await postStaffMessage(ctx, await holder(paused!.id), paused!.id, { kind: 'reply', body: 'Is it plugged in?', close: false, seen: null, channel: 'web' });
    expect(await closeTicket(ctx, await holder(closed!.id), closed!.id)).toBe(true);
    clock.set(T1 + 60 * MIN);

    const job = await loadForecastJob(ctx, checkForecastRequest({ from: '2026-12-01', to: '2026-12-01', k_min: 1, k_max: 1 }, clock.now()).value);
    expect(job.arrivals.map((a) => [a.slaDueAt, a.breached])).toEqual([
      [T1 + 11 * MIN, false],
      [T1 + 11 * MIN, false],
    ]);
  });
});
