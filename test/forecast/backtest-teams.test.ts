/**
 * The forecast's backtest on a desk with teams (SPEC §12, §14): the staffing really on duty is
 * replayed through the routing rules with each agent's teams, so an agent of another team does not
 * take tickets it could never have been given. The history is written by the live services from
 * the simulator's own steps (as in http.test.ts), with capacity 1 and one holding time, so the
 * backtest must reproduce what happened exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../src/core/forecastSim.js';
import type { PresenceChange } from '../../src/core/forecastSim.js';
import { loadTeamWorld } from '../../src/repositories/teamState.js';
import { ApiClient, staffWithToken } from '../api/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { arrivals, driveLiveDesk, MIN } from './support.js';

const START = Date.UTC(2026, 10, 30, 8, 0, 0);
const HOLD = 4 * MIN;

/** A desk on a fresh database with an admin and two agents of capacity 1, Ann and Bob. */
async function deskOfTwo(dialect: (typeof DIALECTS)[number], clock: FakeClock): Promise<{ t: TestApp; admin: ApiClient; ann: number; bob: number }> {
  const t = await startTestApp(dialect, { clock });
  const admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
  const ann = (await staffWithToken(t.app, t.ctx, 'ann', { capacity: 1 })).id;
  const bob = (await staffWithToken(t.app, t.ctx, 'bob', { capacity: 1 })).id;
  return { t, admin, ann, bob };
}

/**
 * Runs the forecast `request` and checks its backtest: the real tickets and both agents seen, and
 * the predicted breach rate and wait quantiles exactly what happened. Returns the actual figures.
 */
async function expectBacktestReproduces(admin: ApiClient, request: Record<string, unknown>, tickets: number): Promise<Record<string, number>> {
  const response = await admin.post('/api/v1/forecast', request);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const { predicted, actual } = response.body.backtest;
  expect(actual).toMatchObject({ tickets, agents_seen: 2 });
  expect({ breach_rate: predicted.breach_rate, p50: predicted.wait_p50_seconds, p90: predicted.wait_p90_seconds }).toEqual({
    breach_rate: actual.breach_rate,
    p50: actual.wait_p50_seconds,
    p90: actual.wait_p90_seconds,
  });
  return actual;
}

describe.each(DIALECTS)('the forecast backtest with teams (%s)', (dialect) => {
  let t: TestApp;
  let admin: ApiClient;
  const clock = new FakeClock(START - MIN);

  beforeAll(async () => {
    const desk = await deskOfTwo(dialect, clock);
    ({ t, admin } = desk);
    const { ann, bob } = desk;
    // Ann answers Support (every ticket of this history); Bob only Billing, which gets none.
    expect((await admin.post('/api/v1/teams', { name: 'Billing' })).status).toBe(201);
    expect((await admin.put('/api/v1/agents/bob/teams', { teams: ['Billing'] })).status).toBe(200);
    const world = await loadTeamWorld(t.ctx.handle.db);
    // Bob is in all along; Ann comes and goes, so Support's tickets wait for her.
    const presence: PresenceChange[] = [
      { at: START, agentId: bob, presence: 'available' },
      { at: START + 5 * MIN, agentId: ann, presence: 'available' },
      { at: START + 20 * MIN, agentId: ann, presence: 'away' },
      { at: START + 40 * MIN, agentId: ann, presence: 'available' },
    ];
    const tickets = arrivals(5, START + MIN, 30, 90_000, () => HOLD);
    const sim = simulate({ tickets, agents: [ann, bob].map((id) => ({ id, capacity: 1 })), presence, world, queueOrder: 'oldest', trace: true });
    expect(sim.moves.every((m) => m.to === ann), 'only Ann may take Support tickets').toBe(true);
    await driveLiveDesk(t.ctx, clock, tickets, sim);
    clock.set(START + 6 * 3600_000);
  });
  afterAll(() => t?.close());

  // The backtest replayed every agent as a member of one team: Bob, in Billing only, took
  // Support's tickets in the replay while they really waited for Ann, so the predicted waits and
  // breaches were far below what happened on the very staffing that produced them.
  it('replays each agent with its own teams, reproducing what happened', async () => {
    const actual = await expectBacktestReproduces(admin, { from: '2026-11-30', to: '2026-11-30', k_min: 1, k_max: 1, capacity: 1 }, 30);
    expect(actual.wait_p90_seconds).toBeGreaterThan(0);
  });
});

describe.each(DIALECTS)('the forecast backtest with teams changed in the window (%s)', (dialect) => {
  let t: TestApp;
  let admin: ApiClient;
  let bob: number;
  const clock = new FakeClock(START - MIN);
  const JOINS = START + 30 * MIN;

  beforeAll(async () => {
    const desk = await deskOfTwo(dialect, clock);
    ({ t, admin, bob } = desk);
    const { ann } = desk;
    expect((await admin.post('/api/v1/teams', { name: 'Billing' })).status).toBe(201);
    expect((await admin.put('/api/v1/agents/bob/teams', { teams: ['Billing'] })).status).toBe(200);
    // Bob answers Billing only until half an hour in, when an admin adds him to Support too.
    const before = await loadTeamWorld(t.ctx.handle.db);
    const billing = before.members.get(bob)!.teams;
    const joined = { teams: before.teams, members: new Map([...before.members, [bob, { teams: [...billing, 1], skills: [] }]]) };
    const presence: PresenceChange[] = [
      { at: START, agentId: bob, presence: 'available' },
      { at: START + 5 * MIN, agentId: ann, presence: 'available' },
    ];
    const tickets = arrivals(7, START + MIN, 40, 60_000, () => HOLD);
    const sim = simulate({ tickets, agents: [ann, bob].map((id) => ({ id, capacity: 1 })), presence, world: before, worldChanges: [{ at: JOINS, world: joined }], queueOrder: 'oldest', trace: true });
    const bobs = sim.moves.filter((m) => m.to === bob);
    expect(bobs.length, 'Bob takes Support tickets once he joins').toBeGreaterThan(0);
    expect(bobs.every((m) => m.at >= JOINS), 'and none before').toBe(true);
    await driveLiveDesk(t.ctx, clock, tickets, sim, {
      changeTeams: async () => {
        expect((await admin.put('/api/v1/agents/bob/teams', { teams: ['Billing', 'Support'] })).status).toBe(200);
      },
    });
    clock.set(START + 6 * 3600_000);
  });
  afterAll(() => t?.close());

  // The backtest replayed the window with the teams as they are now: Bob in Support from the
  // start, taking tickets that really waited for Ann during the first half hour, so its predicted
  // waits were shorter than what happened on the very staffing and teams that produced them.
  it('replays each agent with the teams it had at each instant, reproducing what happened', async () => {
    await expectBacktestReproduces(admin, { from: '2026-11-30', to: '2026-11-30', k_min: 1, k_max: 1, capacity: 1 }, 40);
  });

  // One team's backtest took its staffing from the team's members as they are now: Ann, who
  // answered every Support ticket of the window, was left out once she had moved to Billing.
  it('one team’s backtest replays whoever was its member in the window, also one who left it since', async () => {
    expect((await admin.put('/api/v1/agents/ann/teams', { teams: ['Billing'] })).status).toBe(200);
    await expectBacktestReproduces(admin, { from: '2026-11-30', to: '2026-11-30', team: 1, k_min: 1, k_max: 1, capacity: 1 }, 40);
  });
});

describe.each(DIALECTS)('the forecast backtest with teams of their own queue order (%s)', (dialect) => {
  let t: TestApp;
  let admin: ApiClient;
  const clock = new FakeClock(START - MIN);

  beforeAll(async () => {
    const desk = await deskOfTwo(dialect, clock);
    ({ t, admin } = desk);
    const { ann, bob } = desk;
    // The desk's order is `oldest`; Urgent's own is `deadline`. Ann answers both, Bob only Billing.
    const urgent = (await admin.post('/api/v1/teams', { name: 'Urgent', queue_order: 'deadline' })).body.id as number;
    const topic = (await admin.post('/api/v1/topics', { name: 'Urgent matters', team: 'Urgent', hidden: true })).body.id as number;
    expect((await admin.post('/api/v1/teams', { name: 'Billing' })).status).toBe(201);
    expect((await admin.put('/api/v1/agents/ann/teams', { teams: ['Support', 'Urgent'] })).status).toBe(200);
    expect((await admin.put('/api/v1/agents/bob/teams', { teams: ['Billing'] })).status).toBe(200);
    const world = await loadTeamWorld(t.ctx.handle.db);
    const presence: PresenceChange[] = [
      { at: START, agentId: bob, presence: 'available' },
      { at: START + 20 * MIN, agentId: ann, presence: 'available' },
    ];
    // Every other ticket is Urgent's: a queue of both teams builds up before Ann comes in.
    const tickets = arrivals(11, START + MIN, 30, 60_000, () => HOLD).map((x) => ({ ...x, teamId: x.id % 2 === 0 ? urgent : 1 }));
    const sim = simulate({ tickets, agents: [ann, bob].map((id) => ({ id, capacity: 1 })), presence, world, queueOrder: 'oldest', trace: true });
    await driveLiveDesk(t.ctx, clock, tickets, sim, { topicOf: (x) => (x.teamId === urgent ? topic : 1) });
    clock.set(START + 6 * 3600_000);
  });
  afterAll(() => t?.close());

  // The backtest replayed every team's waiting tickets in the desk's order: Urgent's, waiting in
  // deadline order on the live desk, were taken oldest first in the replay.
  it('replays each team’s queue in its own order, reproducing what happened', async () => {
    await expectBacktestReproduces(admin, { from: '2026-11-30', to: '2026-11-30', k_min: 1, k_max: 1, capacity: 1 }, 30);
  });
});
