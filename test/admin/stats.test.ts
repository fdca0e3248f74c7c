/**
 * The §6 figures against a crafted set of tickets whose every figure is computed by hand below.
 * Rows are written directly (times chosen to the millisecond); `now` comes from a FakeClock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { insertTickets } from '../../src/repositories/tickets.js';
import { insertUser } from '../../src/repositories/users.js';
import { computeStats, parseStatsWindow } from '../../src/services/stats.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const SLA = { high: 1 * M, medium: 4 * M, low: 1 * H };

let tokenSeq = 0;

async function user(db: Db, username: string, presence: 'offline' | 'available' | 'away', active = 1): Promise<number> {
  return insertUser(db, { username, display_name: username, email: `${username}@team.test`, password_hash: 'x', role: 'agent', capacity: 10, presence, last_assigned_at: null, active, created_at: 0 });
}

/** A ticket created `age` ms before `now`, optionally closed `resolution` ms after its creation and rated (§13). */
async function ticket(db: Db, now: number, t: { age: number; priority: 'high' | 'medium' | 'low'; agent: number | null; resolution?: number; rated?: 'good' | 'bad' }): Promise<void> {
  const created = now - t.age;
  await insertTickets(db, [{
    token: `token-${++tokenSeq}`,
    customer_name: 'C',
    customer_email: 'c@example.com',
    title: 'T',
    description: 'D',
    priority: t.priority,
    status: t.resolution === undefined ? 'open' : 'closed',
    agent_id: t.agent,
    created_at: created,
    assigned_at: t.agent === null ? null : created,
    closed_at: t.resolution === undefined ? null : created + t.resolution,
    sla_due_at: created + SLA[t.priority],
    sla_breached_at: null,
    csat_score: t.rated ?? null,
    csat_rated_at: t.rated === undefined ? null : now,
  }]);
}

/** A target's figure: met, breached and the share met, as written out. */
const target = (met: number, breached: number, met_share: number | null) => ({ met, breached, met_share });
const NONE = target(0, 0, null);
const UNUSED = { ...NONE, by_priority: { high: NONE, medium: NONE, low: NONE } };

/**
 * §11's additions when only the resolution target has outcomes (these tickets have no first-response
 * target, no next-reply clock, no recorded breach: open tickets are undecided), given per priority.
 */
function resolutionOnly(total: ReturnType<typeof target>, high: ReturnType<typeof target>, medium: ReturnType<typeof target>, low: ReturnType<typeof target>) {
  return {
    by_metric: { resolution: total.breached, first_response: 0, next_reply: 0 },
    targets: { resolution: { ...total, by_priority: { high, medium, low } }, first_response: UNUSED, next_reply: UNUSED },
  };
}
const NO_FIRST_RESPONSE = { avg_seconds: null, p50_seconds: null, p90_seconds: null };
/** A §13 figure: rated, good, and good / rated. */
const csat = (rated: number, good: number, score: number | null) => ({ rated, good, score });
const UNRATED = csat(0, 0, null);

for (const dialect of DIALECTS) {
  describe(`dashboard figures (${dialect})`, () => {
    let database: TestDatabase;
    let db: Db;
    const clock = new FakeClock();
    const now = clock.now();

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      db = database.handle.db;
      const alice = await user(db, 'alice', 'available');
      const bob = await user(db, 'bob', 'away');
      await user(db, 'carol', 'offline');
      await user(db, 'dave', 'offline', 0); // deactivated, no tickets: not listed
      const erin = await user(db, 'erin', 'offline', 0); // deactivated, closed a ticket long ago
      // T1 pending, overdue since 9 min (high: due 1 min after creation).
      await ticket(db, now, { age: 10 * M, priority: 'high', agent: null });
      // T2 pending, 3.5 min left.
      await ticket(db, now, { age: 30 * S, priority: 'medium', agent: null });
      // T3 alice, open, overdue by 1 h.
      await ticket(db, now, { age: 2 * H, priority: 'low', agent: alice });
      // T4 alice, open, 59 min left.
      await ticket(db, now, { age: 1 * M, priority: 'low', agent: alice });
      // Ratings (§13): T5 good, T6 bad, T7 good, T8 bad, T9 good, T10 good.
      // T5 alice, closed after 30 s: in time.
      await ticket(db, now, { age: 5 * H, priority: 'high', agent: alice, resolution: 30 * S, rated: 'good' });
      // T6 alice, closed after 10 min: late (medium allows 4).
      await ticket(db, now, { age: 4 * H, priority: 'medium', agent: alice, resolution: 10 * M, rated: 'bad' });
      // T7 bob, closed after 20 min: in time (low allows 60).
      await ticket(db, now, { age: 3 * H, priority: 'low', agent: bob, resolution: 20 * M, rated: 'good' });
      // T8 bob, 3 days old, closed after 2 min: late (high allows 1).
      await ticket(db, now, { age: 3 * D, priority: 'high', agent: bob, resolution: 2 * M, rated: 'bad' });
      // T9 alice, 40 days old, closed after 90 min: late.
      await ticket(db, now, { age: 40 * D, priority: 'low', agent: alice, resolution: 90 * M, rated: 'good' });
      // T10 erin (since deactivated), 45 days old, closed after 10 s: in time.
      await ticket(db, now, { age: 45 * D, priority: 'medium', agent: erin, resolution: 10 * S, rated: 'good' });
    });
    afterAll(() => database.drop());

    it('counts every ticket in the "all" window, with breaches, resolution percentiles and per-agent rows', async () => {
      const stats = await computeStats(db, { window: 'all', now });
      // Resolutions in seconds, sorted: 10, 30, 120, 600, 1200, 5400 (n = 6, sum 7360).
      // p50: position 0.5·5 = 2.5 → 120 + 0.5·(600 − 120) = 360.
      // p90: position 0.9·5 = 4.5 → 1200 + 0.5·(5400 − 1200) = 3300.
      expect(stats).toEqual({
        window: 'all',
        team: null,
        total: 10,
        pending: 2,
        open: 2,
        closed: 6,
        sla: {
          breached: 5, // T1, T3 open overdue; T6, T8, T9 closed late
          open_overdue: 2,
          closed_late: 3,
          breach_rate: 0.5,
          by_priority: { high: 2, medium: 1, low: 2 }, // high T1 T8, medium T6, low T3 T9
          // Resolution target: met T5 T7 T10, breached T6 T8 T9 (closed late; open ones unrecorded count nowhere).
          ...resolutionOnly(target(3, 3, 0.5), target(1, 1, 0.5), target(1, 1, 0.5), target(1, 1, 0.5)),
        },
        // Mean 7360 / 6 s, to the millisecond.
        resolution: { avg_seconds: 1226.667, p50_seconds: 360, p90_seconds: 3300 },
        first_response: NO_FIRST_RESPONSE,
        // Rated T5–T10, good T5 T7 T9 T10: 4 / 6.
        csat: csat(6, 4, 0.6667),
        agents: [
          // alice: closed T5 T6 T9 (30 + 600 + 5400 = 6030 s), open T3 T4, breached T3 T6 T9; rated good T5 T9, bad T6
          { username: 'alice', closed: 3, open: 2, avg_resolution_seconds: 2010, breached: 3, presence: 'available', csat: csat(3, 2, 0.6667) },
          // bob: closed T7 T8 (1200 + 120), breached T8; rated good T7, bad T8
          { username: 'bob', closed: 2, open: 0, avg_resolution_seconds: 660, breached: 1, presence: 'away', csat: csat(2, 1, 0.5) },
          { username: 'carol', closed: 0, open: 0, avg_resolution_seconds: null, breached: 0, presence: 'offline', csat: UNRATED },
          // erin is deactivated but closed a ticket of the window; dave has none and is left out
          { username: 'erin', closed: 1, open: 0, avg_resolution_seconds: 10, breached: 0, presence: 'offline', csat: csat(1, 1, 1) },
        ],
        // Every ticket is Support's (the only team, §12).
        teams: [{ name: 'Support', csat: csat(6, 4, 0.6667) }],
        deleted_teams: null,
      });
    });

    it('keeps only tickets created in the last 24 hours', async () => {
      const stats = await computeStats(db, { window: '24h', now });
      // T1–T7. Closed: 30, 600, 1200 s → mean 610, p50 600, p90 at 1.8 → 600 + 0.8·600 = 1080.
      expect(stats.total).toBe(7);
      expect([stats.pending, stats.open, stats.closed]).toEqual([2, 2, 3]);
      // Resolution target: met T5 (high) and T7 (low), breached T6 (medium).
      expect(stats.sla).toEqual({ breached: 3, open_overdue: 2, closed_late: 1, breach_rate: 0.4286, by_priority: { high: 1, medium: 1, low: 1 }, ...resolutionOnly(target(2, 1, 0.6667), target(1, 0, 1), target(0, 1, 0), target(1, 0, 1)) });
      expect(stats.resolution).toEqual({ avg_seconds: 610, p50_seconds: 600, p90_seconds: 1080 });
      // Rated T5 (good), T6 (bad), T7 (good).
      expect(stats.csat).toEqual(csat(3, 2, 0.6667));
      expect(stats.agents).toEqual([
        { username: 'alice', closed: 2, open: 2, avg_resolution_seconds: 315, breached: 2, presence: 'available', csat: csat(2, 1, 0.5) },
        { username: 'bob', closed: 1, open: 0, avg_resolution_seconds: 1200, breached: 0, presence: 'away', csat: csat(1, 1, 1) },
        { username: 'carol', closed: 0, open: 0, avg_resolution_seconds: null, breached: 0, presence: 'offline', csat: UNRATED },
      ]);
    });

    it('takes 7 and 30 days back', async () => {
      // T1–T8 in both. Closed: 30, 120, 600, 1200 → mean 487.5, p50 at 1.5 → 360, p90 at 2.7 → 1020.
      for (const window of ['7d', '30d'] as const) {
        const stats = await computeStats(db, { window, now });
        expect(stats.total).toBe(8);
        expect(stats.closed).toBe(4);
        // Resolution target: T8 (high, late) joins.
        expect(stats.sla).toEqual({ breached: 4, open_overdue: 2, closed_late: 2, breach_rate: 0.5, by_priority: { high: 2, medium: 1, low: 1 }, ...resolutionOnly(target(2, 2, 0.5), target(1, 1, 0.5), target(0, 1, 0), target(1, 0, 1)) });
        expect(stats.resolution).toEqual({ avg_seconds: 487.5, p50_seconds: 360, p90_seconds: 1020 });
        expect(stats.agents.find((a) => a.username === 'bob')).toMatchObject({ closed: 2, avg_resolution_seconds: 660, breached: 1, csat: csat(2, 1, 0.5) });
        // T8 (bad) joins: rated T5–T8, good T5 T7.
        expect(stats.csat).toEqual(csat(4, 2, 0.5));
      }
    });

    it('judges open tickets against the clock it is given, not the database time', async () => {
      // 4 minutes later T2 (3.5 min left) is overdue too; T4 (59 min left) is not yet.
      const later = await computeStats(db, { window: '24h', now: now + 4 * M });
      expect(later.sla.open_overdue).toBe(3);
      expect(later.sla.by_priority.medium).toBe(2);
      // Two hours later T4 is overdue as well; every ticket of the window is still in it (the oldest is 7 h old).
      const hourLater = await computeStats(db, { window: '24h', now: now + 2 * H });
      expect(hourLater.sla.open_overdue).toBe(4);
      expect(hourLater.total).toBe(7);
    });

    it('includes a ticket created exactly at the window start and excludes one a millisecond older', async () => {
      // T5 was created 5 h before now: a 24 h window ending 19 h later starts exactly at T5.
      const atEdge = await computeStats(db, { window: '24h', now: now + 19 * H });
      const pastEdge = await computeStats(db, { window: '24h', now: now + 19 * H + 1 });
      expect(atEdge.total - pastEdge.total).toBe(1);
    });

    it('reports an empty window as zeros and nulls', async () => {
      const stats = await computeStats(db, { window: '24h', now: now + 365 * D });
      expect(stats).toMatchObject({ total: 0, pending: 0, open: 0, closed: 0, sla: { breached: 0, breach_rate: 0 }, resolution: { avg_seconds: null, p50_seconds: null, p90_seconds: null }, csat: UNRATED });
      expect(stats.agents.map((a) => [a.username, a.closed, a.open])).toEqual([['alice', 0, 0], ['bob', 0, 0], ['carol', 0, 0]]);
    });
  });
}

describe('the stats window parameter', () => {
  it('accepts the four windows in any letter case and defaults to all', () => {
    expect(parseStatsWindow(undefined)).toBe('all');
    expect(parseStatsWindow('')).toBe('all');
    expect(parseStatsWindow('24H')).toBe('24h');
    expect(parseStatsWindow(' 7d ')).toBe('7d');
    expect(parseStatsWindow('30d')).toBe('30d');
    expect(parseStatsWindow('1y')).toBeNull();
    expect(parseStatsWindow(['24h'])).toBeNull();
  });
});
