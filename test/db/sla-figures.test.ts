/**
 * §11's figures after random workloads through the real services and the SLA monitor, on both
 * engines: tickets created, answered (sometimes closing), written to by the customer, closed, the
 * clock moved and the monitor run, in any order (fast-check). Afterwards
 * - sla_target_counts moved exactly as a model of the clocks says (written here from SPEC §11, not
 *   from the code: a reply or close at or before the due instant meets a target; later, a breach,
 *   counted once whether or not the monitor recorded it first);
 * - every summary equals a recount of the tickets (open_breach_summary, sla_target_counts,
 *   first_response_histogram, and the older ones);
 * - the all-time figures equal those of a window holding every ticket (the summaries against the
 *   window's scan of the tickets).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import type { SlaMetric } from '../../src/core/slaClocks.js';
import { PRIORITIES, type Priority } from '../../src/core/tickets.js';
import type { Db } from '../../src/db/connect.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { postCustomerMessageOn, postStaffMessage } from '../../src/services/conversation.js';
import { computeStats } from '../../src/services/stats.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { expectSummariesMatchTickets } from './summaries-support.js';

const S = 1000;

const SETTINGS: Settings = {
  ...DEFAULT_SETTINGS,
  sla: { high: 60, medium: 240, low: 3600 },
  firstResponse: { high: 30, medium: 120, low: null },
  nextReply: { high: 20, medium: 60, low: 300 },
  warnAtPercent: 50,
};

type Command =
  | { kind: 'create'; priority: Priority }
  | { kind: 'advance'; ms: number }
  | { kind: 'reply'; pick: number; close: boolean }
  | { kind: 'customer'; pick: number }
  | { kind: 'close'; pick: number }
  | { kind: 'monitor' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('create' as const), priority: fc.constantFrom(...PRIORITIES) }), weight: 3 },
  // Often exactly onto or just past a due instant: targets are whole seconds apart.
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 90 * S }), fc.constantFrom(1, 10 * S, 20 * S, 30 * S)) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('reply' as const), pick: fc.nat(), close: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('customer' as const), pick: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('close' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('monitor' as const) }), weight: 2 },
);

/** The model of one ticket's clocks (24/7 calendar, no pause: due = start + target). */
interface Modelled {
  id: number;
  priority: Priority;
  due: number;
  firstDue: number | null;
  firstReply: number | null;
  closedAt: number | null;
  recorded: { resolution: boolean; first: boolean };
  nextReply: { due: number; recorded: boolean } | null;
  nextMet: number;
  nextBreached: number;
}

type Counts = Record<SlaMetric, Record<Priority, { met: number; breached: number }>>;

function zero(): Counts {
  const per = () => Object.fromEntries(PRIORITIES.map((p) => [p, { met: 0, breached: 0 }])) as Record<Priority, { met: number; breached: number }>;
  return { resolution: per(), first_response: per(), next_reply: per() };
}

/** What SPEC §11 says each modelled ticket counts. */
function expectedCounts(tickets: readonly Modelled[]): Counts {
  const counts = zero();
  for (const t of tickets) {
    const slot = (m: SlaMetric) => counts[m][t.priority];
    if (t.closedAt !== null) slot('resolution')[t.closedAt <= t.due ? 'met' : 'breached']++;
    else if (t.recorded.resolution) slot('resolution').breached++;
    if (t.firstDue !== null) {
      const stop = t.firstReply ?? t.closedAt;
      if (stop !== null) slot('first_response')[stop <= t.firstDue ? 'met' : 'breached']++;
      else if (t.recorded.first) slot('first_response').breached++;
    }
    slot('next_reply').met += t.nextMet;
    slot('next_reply').breached += t.nextBreached;
  }
  return counts;
}

async function storedCounts(db: Db): Promise<Counts> {
  const counts = zero();
  for (const row of await db.selectFrom('sla_target_counts').selectAll().execute()) counts[row.metric][row.priority] = { met: Number(row.met), breached: Number(row.breached) };
  return counts;
}

function minus(a: Counts, b: Counts): Counts {
  const out = zero();
  for (const m of Object.keys(out) as SlaMetric[]) for (const p of PRIORITIES) out[m][p] = { met: a[m][p].met - b[m][p].met, breached: a[m][p].breached - b[m][p].breached };
  return out;
}

for (const dialect of DIALECTS) {
  describe(`§11 figures after random workloads (${dialect})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let admin: { id: number; role: 'admin' };
    beforeAll(async () => {
      clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
      t = await startTestApp(dialect, { clock });
      admin = { id: await addStaff(t.ctx, 'root', { role: 'admin' }), role: 'admin' };
      await saveSettings(t.ctx.handle.db, SETTINGS);
    });
    afterAll(() => t.close());

    /** Stops a running next-reply clock at `now`, as a reply or a close does. */
    const stopNextReply = (m: Modelled, now: number) => {
      if (m.nextReply === null) return;
      if (now <= m.nextReply.due) m.nextMet++;
      else if (!m.nextReply.recorded) m.nextBreached++;
      m.nextReply = null;
    };

    /** Runs the commands; checks the counts against the model, the summaries, all time against a window; returns the counts' change. */
    async function run(commands: readonly Command[]): Promise<Counts> {
      const db = t.ctx.handle.db;
      const before = await storedCounts(db);
      const model: Modelled[] = [];
      const open = () => model.filter((m) => m.closedAt === null);
      const pick = (n: number) => (open().length === 0 ? undefined : open()[n % open().length]!);
      for (const c of commands) {
        const now = clock.now();
        if (c.kind === 'create') {
          const ticket = await intakeTicket(t.ctx, { name: 'Carla', email: 'carla@example.com', title: 'Printer', description: 'On fire.', priority: c.priority });
          const first = SETTINGS.firstResponse[c.priority];
          model.push({
            id: ticket.id,
            priority: c.priority,
            due: now + SETTINGS.sla[c.priority] * S,
            firstDue: first === null ? null : now + first * S,
            firstReply: null,
            closedAt: null,
            recorded: { resolution: false, first: false },
            nextReply: null,
            nextMet: 0,
            nextBreached: 0,
          });
        } else if (c.kind === 'advance') {
          clock.advance(c.ms);
        } else if (c.kind === 'monitor') {
          await new SlaMonitor(t.ctx).runOnce();
          for (const m of open()) {
            if (m.due < now) m.recorded.resolution = true;
            if (m.firstDue !== null && m.firstReply === null && m.firstDue < now) m.recorded.first = true;
            if (m.nextReply && !m.nextReply.recorded && m.nextReply.due < now) {
              m.nextReply.recorded = true;
              m.nextBreached++;
            }
          }
        } else {
          const m = pick(c.pick);
          if (!m) continue;
          if (c.kind === 'customer') {
            await postCustomerMessageOn(t.ctx, m.id, { body: 'Any news?', channel: 'web' });
            m.nextReply ??= { due: now + SETTINGS.nextReply[m.priority]! * S, recorded: false };
          } else if (c.kind === 'reply') {
            await postStaffMessage(t.ctx, admin, m.id, { kind: 'reply', body: 'On it.', close: c.close, seen: null, channel: 'web' });
            m.firstReply ??= now;
            stopNextReply(m, now);
            if (c.close) m.closedAt = now;
          } else {
            await closeTicket(t.ctx, admin, m.id);
            stopNextReply(m, now);
            m.closedAt = now;
          }
        }
      }
      const change = minus(await storedCounts(db), before);
      expect(change).toEqual(expectedCounts(model));
      await expectSummariesMatchTickets(db);
      // Every ticket was created in the last 30 days: the window's scan and the summaries agree on every figure.
      const [all, window] = [await computeStats(db, { window: 'all', now: clock.now() }), await computeStats(db, { window: '30d', now: clock.now() })];
      expect({ ...window, window: 'all' }).toEqual(all);
      // Every ticket of the run closed (a later run's monitor passes would otherwise move them), as the model says.
      for (const m of open()) {
        await closeTicket(t.ctx, admin, m.id);
        stopNextReply(m, clock.now());
        m.closedAt = clock.now();
      }
      expect(minus(await storedCounts(db), before)).toEqual(expectedCounts(model));
      return change;
    }

    it('the counts follow the clocks, the summaries a recount, and all time equals a window holding every ticket', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 40 }), async (commands) => {
          await run(commands);
        }),
        { numRuns: dialect === 'sqlite' ? 25 : 12 },
      );
    }, 120_000);

    it('a ticket closed without any public reply meets its first-response target when closed in time, breaches it when closed late, and is counted once', async () => {
      // Closed in time (high: 30 s), closed late before any monitor pass, closed after the monitor recorded the breach.
      const inTime = await run([{ kind: 'create', priority: 'high' }, { kind: 'advance', ms: 30 * S }, { kind: 'close', pick: 0 }]);
      expect(inTime.first_response.high).toEqual({ met: 1, breached: 0 });
      const late = await run([{ kind: 'create', priority: 'high' }, { kind: 'advance', ms: 30 * S + 1 }, { kind: 'close', pick: 0 }]);
      expect(late.first_response.high).toEqual({ met: 0, breached: 1 });
      const recorded = await run([{ kind: 'create', priority: 'high' }, { kind: 'advance', ms: 31 * S }, { kind: 'monitor' }, { kind: 'close', pick: 0 }]);
      expect(recorded.first_response.high).toEqual({ met: 0, breached: 1 });
      // None of them has a first-response time: that is measured to a public reply.
      const answered = await t.ctx.handle.db.selectFrom('tickets').select('first_response_at').where('first_response_at', 'is not', null).execute();
      const stats = await computeStats(t.ctx.handle.db, { window: '24h', now: clock.now() });
      expect(stats.first_response.avg_seconds === null).toBe(answered.length === 0);
    });
  });
}
