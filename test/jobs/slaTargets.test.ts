/**
 * §11 SLA targets end to end through the services and the monitor, on both engines: first
 * response, next reply, warnings, the pause while waiting on the customer, business calendars,
 * and each breach and warning once however many monitors run.
 */
import { CompiledQuery, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CalendarDefinition } from '../../src/core/calendar.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import { PAUSED_DUE_AT, type SlaMetric } from '../../src/core/slaClocks.js';
import type { Db } from '../../src/db/connect.js';
import type { NewTicketRow } from '../../src/db/schema.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { nextWatchQuery, SLA_WATCHES, watchDueQuery } from '../../src/repositories/slaWatches.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { postCustomerMessageOn, postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';

const SECOND = 1000;
const MIN = 60 * SECOND;
const HOUR = 60 * MIN;

async function useSettings(db: Db, over: Partial<Settings>): Promise<void> {
  await saveSettings(db, { ...DEFAULT_SETTINGS, ...over });
}

async function slaEvents(db: Db, ticketId: number) {
  return db.selectFrom('ticket_events').select(['metric', 'at']).where('ticket_id', '=', ticketId).where('type', '=', 'sla_breached').orderBy('id').execute();
}

async function slaEmails(db: Db, ticketId: number) {
  return db.selectFrom('outbox').select(['kind', 'to_address', 'subject']).where('ticket_id', '=', ticketId).where('kind', 'in', ['sla_breached', 'sla_warning']).orderBy('id').execute();
}

async function counts(db: Db, metric: SlaMetric, priority: 'high' | 'medium' | 'low' = 'high') {
  return db.selectFrom('sla_target_counts').select(['met', 'breached']).where('metric', '=', metric).where('priority', '=', priority).executeTakeFirstOrThrow();
}

/** Stores a calendar the way the calendars service does: a version and the calendar pointing at it. */
async function storeCalendar(db: Db, definition: CalendarDefinition, now: number): Promise<number> {
  const version = await db.insertInto('calendar_versions').values({ calendar_id: 0, definition: JSON.stringify(definition), created_at: now }).returning('id').executeTakeFirstOrThrow();
  const calendar = await db.insertInto('calendars').values({ name: 'Office', version_id: version.id, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  await db.updateTable('calendar_versions').set({ calendar_id: calendar.id }).where('id', '=', version.id).execute();
  return calendar.id;
}

const OFFICE: CalendarDefinition = {
  timeZone: 'Europe/Berlin',
  hours: { mon: [{ start: 540, end: 1020 }], tue: [{ start: 540, end: 1020 }], wed: [{ start: 540, end: 1020 }], thu: [{ start: 540, end: 1020 }], fri: [{ start: 540, end: 1020 }], sat: [], sun: [] },
  holidays: [{ from: '2026-12-24', to: '2026-12-26', yearly: true }],
};

for (const dialect of DIALECTS) {
  describe(`SLA targets (${dialect})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let monitor: SlaMonitor;
    let alice: number;
    const reply = (ticketId: number, close = false) => postStaffMessage(t.ctx, { id: alice, role: 'agent' }, ticketId, { kind: 'reply', body: 'On it.', close, seen: null, channel: 'web' });
    const customerWrites = (ticketId: number) => postCustomerMessageOn(t.ctx, ticketId, { body: 'Any news?', channel: 'web' });
    const newTicket = async () => intakeTicket(t.ctx, { name: 'Carla', email: 'carla@example.com', title: 'Printer', description: 'On fire.', priority: 'high' });

    beforeEach(async () => {
      // Monday 7 December 2026, 10:00 in Berlin.
      clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
      t = await startTestApp(dialect, { clock });
      monitor = new SlaMonitor(t.ctx);
      alice = await addStaff(t.ctx, 'alice', { displayName: 'Alice Agent' });
      await t.ctx.handle.db.updateTable('users').set({ email: 'alice@example.com' }).where('id', '=', alice).execute();
      await changePresence(t.ctx, alice, 'available');
    });
    afterEach(() => t.close());

    it('a warning names the deadline it warns of, not the instant it fires (QA: "due by 12:42" for a 12:43 deadline)', async () => {
      await useSettings(t.ctx.handle.db, { firstResponse: { high: 30 * 60, medium: null, low: null }, warnAtPercent: 50, sla: { high: 4 * HOUR / SECOND, medium: 240, low: 3600 } });
      const ticket = await newTicket(); // 09:00 UTC: first response due 09:30, warned at 09:15; resolution due 13:00, warned at 11:00
      clock.advance(15 * 60 * SECOND + 1);
      await monitor.runOnce();
      clock.advance(2 * HOUR);
      await monitor.runOnce();
      const warnings = await t.ctx.handle.db.selectFrom('outbox').select(['subject', 'text_body']).where('ticket_id', '=', ticket.id).where('kind', '=', 'sla_warning').orderBy('id').execute();
      expect(warnings).toHaveLength(2);
      const [firstResponse, resolution] = warnings.map((w) => `${w.subject}\n${w.text_body}`);
      expect(firstResponse).toContain('09:30');
      expect(firstResponse).not.toContain('09:15');
      expect(resolution).toContain('13:00');
      expect(resolution).not.toContain('11:00');
    });

    it('first response: the warning at 50 %, then the breach, each once, each by email to the agent; the breach names its metric and is counted', async () => {
      await useSettings(t.ctx.handle.db, { firstResponse: { high: 30, medium: null, low: null }, warnAtPercent: 50, sla: { high: HOUR / SECOND, medium: 240, low: 3600 } });
      const ticket = await newTicket();
      expect(ticket.first_response_due_at).toBe(clock.now() + 30 * SECOND);
      expect(ticket.first_response_warn_at).toBe(clock.now() + 15 * SECOND);

      clock.advance(15 * SECOND);
      await monitor.runOnce();
      expect(await slaEmails(t.ctx.handle.db, ticket.id)).toEqual([]);
      clock.advance(1);
      await monitor.runOnce();
      await monitor.runOnce();
      const warnings = await slaEmails(t.ctx.handle.db, ticket.id);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ kind: 'sla_warning', to_address: 'alice@example.com' });
      expect(warnings[0]!.subject).toContain('first response due');
      expect(await slaEvents(t.ctx.handle.db, ticket.id)).toEqual([]);

      clock.advance(15 * SECOND - 1);
      await monitor.runOnce();
      expect(await slaEvents(t.ctx.handle.db, ticket.id)).toEqual([]);
      clock.advance(1);
      await Promise.all([monitor.runOnce(), new SlaMonitor(t.ctx).runOnce()]);
      expect(await slaEvents(t.ctx.handle.db, ticket.id)).toEqual([{ metric: 'first_response', at: clock.now() }]);
      const emails = await slaEmails(t.ctx.handle.db, ticket.id);
      expect(emails.map((e) => e.kind)).toEqual(['sla_warning', 'sla_breached']);
      expect(emails[1]!.subject).toContain('first response');
      expect(await counts(t.ctx.handle.db, 'first_response')).toEqual({ met: 0, breached: 1 });

      // The late answer is not counted twice; the resolution clock is untouched.
      await reply(ticket.id);
      expect(await counts(t.ctx.handle.db, 'first_response')).toEqual({ met: 0, breached: 1 });
      const after = (await findTicketById(t.ctx.handle.db, ticket.id))!;
      expect(after.sla_breached_at).toBeNull();
      expect(after.first_response_breached_at).toBe(clock.now());
    });

    it('first response in time is met: counted, and the monitor has nothing to say', async () => {
      await useSettings(t.ctx.handle.db, { firstResponse: { high: 30, medium: null, low: null }, sla: { high: 3600, medium: 240, low: 3600 } });
      const ticket = await newTicket();
      clock.advance(30 * SECOND);
      await reply(ticket.id);
      clock.advance(HOUR / 2);
      await monitor.runOnce();
      expect(await slaEvents(t.ctx.handle.db, ticket.id)).toEqual([]);
      expect(await counts(t.ctx.handle.db, 'first_response')).toEqual({ met: 1, breached: 0 });
    });

    it('next reply: each customer message after an answer starts a clock; it breaches once; the reply stops it', async () => {
      await useSettings(t.ctx.handle.db, { nextReply: { high: 120, medium: null, low: null }, sla: { high: 86_400, medium: 240, low: 3600 } });
      const ticket = await newTicket();
      // The creation is not a next-reply clock (that is the first response's).
      expect((await findTicketById(t.ctx.handle.db, ticket.id))!.next_reply_due_at).toBeNull();
      await reply(ticket.id);
      clock.advance(MIN);
      await customerWrites(ticket.id);
      const started = clock.now();
      expect((await findTicketById(t.ctx.handle.db, ticket.id))!.next_reply_due_at).toBe(started + 2 * MIN);
      clock.advance(MIN);
      await customerWrites(ticket.id);
      expect((await findTicketById(t.ctx.handle.db, ticket.id))!.next_reply_due_at).toBe(started + 2 * MIN);
      clock.advance(MIN + 1);
      await monitor.runOnce();
      await monitor.runOnce();
      expect(await slaEvents(t.ctx.handle.db, ticket.id)).toEqual([{ metric: 'next_reply', at: clock.now() }]);
      await reply(ticket.id);
      const after = (await findTicketById(t.ctx.handle.db, ticket.id))!;
      expect(after.next_reply_due_at).toBeNull();
      expect(await counts(t.ctx.handle.db, 'next_reply')).toEqual({ met: 0, breached: 1 });
      // A new message, answered in time: met.
      await customerWrites(ticket.id);
      clock.advance(2 * MIN);
      await reply(ticket.id);
      expect(await counts(t.ctx.handle.db, 'next_reply')).toEqual({ met: 1, breached: 1 });
    });

    it('a next-reply clock counts once: a reply or close that finds the breach recorded is stamped after it and counted breached', async () => {
      // A monitor in another process (whose clock may run a few ms ahead) can record the breach just
      // before the answer locks the ticket: the answer is then stamped no earlier than the breach
      // (routing.ts lockTicketInRun, core/sla.ts instantAfterLock), so the figures say what the
      // event and the email said. Each clock still counts once.
      await useSettings(t.ctx.handle.db, { nextReply: { high: 120, medium: null, low: null }, sla: { high: 86_400, medium: 240, low: 3600 } });
      for (const stop of ['reply', 'reply and close', 'close'] as const) {
        const ticket = await newTicket();
        await reply(ticket.id);
        await customerWrites(ticket.id);
        const due = clock.now() + 2 * MIN;
        const before = await counts(t.ctx.handle.db, 'next_reply');
        await monitor.runOnce(due + 1);
        expect(await slaEvents(t.ctx.handle.db, ticket.id)).toEqual([{ metric: 'next_reply', at: due + 1 }]);
        clock.set(due);
        if (stop === 'close') await closeTicket(t.ctx, { id: alice, role: 'agent' }, ticket.id);
        else await reply(ticket.id, stop === 'reply and close');
        expect({ stop, counts: await counts(t.ctx.handle.db, 'next_reply') }).toEqual({ stop, counts: { met: before.met, breached: before.breached + 1 } });
        const newestReply = await t.ctx.handle.db.selectFrom('messages').select('created_at').where('ticket_id', '=', ticket.id).where('kind', '=', 'reply').orderBy('id', 'desc').executeTakeFirstOrThrow();
        const stampedAt = stop === 'close' ? (await findTicketById(t.ctx.handle.db, ticket.id))!.closed_at : newestReply.created_at;
        expect({ stop, stampedAt: Number(stampedAt) }).toEqual({ stop, stampedAt: due + 1 });
        clock.advance(MIN);
      }
    });

    it('pause while waiting on the customer: no breach while paused, the due time moves by the wait, a close while paused is in time', async () => {
      await useSettings(t.ctx.handle.db, { pauseWhileWaiting: true, sla: { high: 600, medium: 240, low: 3600 } });
      const ticket = await newTicket();
      clock.advance(4 * MIN);
      await reply(ticket.id);
      const paused = (await findTicketById(t.ctx.handle.db, ticket.id))!;
      expect(paused).toMatchObject({ sla_paused_at: clock.now(), sla_remaining_ms: 6 * MIN, sla_due_at: PAUSED_DUE_AT });

      clock.advance(HOUR);
      await monitor.runOnce();
      expect(await slaEvents(t.ctx.handle.db, ticket.id)).toEqual([]);
      await customerWrites(ticket.id);
      const resumed = (await findTicketById(t.ctx.handle.db, ticket.id))!;
      expect(resumed).toMatchObject({ sla_paused_at: null, sla_due_at: clock.now() + 6 * MIN });

      clock.advance(5 * MIN);
      await reply(ticket.id);
      clock.advance(2 * HOUR);
      await closeTicket(t.ctx, { id: alice, role: 'agent' }, ticket.id);
      const closed = (await findTicketById(t.ctx.handle.db, ticket.id))!;
      expect(closed.sla_due_at).toBe(clock.now() + MIN);
      expect(closed.closed_at! <= closed.sla_due_at).toBe(true);
      expect(await slaEvents(t.ctx.handle.db, ticket.id)).toEqual([]);
    });

    it('a resumed clock breaches at its moved due time', async () => {
      await useSettings(t.ctx.handle.db, { pauseWhileWaiting: true, sla: { high: 600, medium: 240, low: 3600 } });
      const ticket = await newTicket();
      clock.advance(4 * MIN);
      await reply(ticket.id);
      clock.advance(HOUR);
      await customerWrites(ticket.id);
      clock.advance(6 * MIN);
      await monitor.runOnce();
      expect(await slaEvents(t.ctx.handle.db, ticket.id)).toEqual([]);
      clock.advance(1);
      await monitor.runOnce();
      expect(await slaEvents(t.ctx.handle.db, ticket.id)).toEqual([{ metric: 'resolution', at: clock.now() }]);
    });

    it('business hours: a ticket written on Saturday counts from Monday 09:00 Berlin; holidays are closed; an edit of the calendar applies to clocks started after it', async () => {
      const calendarId = await storeCalendar(t.ctx.handle.db, OFFICE, clock.now());
      await useSettings(t.ctx.handle.db, { calendarId, firstResponse: { high: 1800, medium: null, low: null }, sla: { high: 3600, medium: 240, low: 3600 } });
      // Saturday 12 December, 15:00 Berlin.
      clock.set(Date.UTC(2026, 11, 12, 14, 0, 0));
      const ticket = await newTicket();
      expect(ticket.sla_due_at).toBe(Date.UTC(2026, 11, 14, 9, 0, 0)); // Monday 10:00 Berlin
      expect(ticket.first_response_due_at).toBe(Date.UTC(2026, 11, 14, 8, 30, 0));
      // Wednesday 23 December, 16:30 Berlin: half an hour today, then the holidays (24–26) and Sunday.
      clock.set(Date.UTC(2026, 11, 23, 15, 30, 0));
      const beforeHolidays = await newTicket();
      expect(beforeHolidays.sla_due_at).toBe(Date.UTC(2026, 11, 28, 8, 30, 0));
      // Over the holidays only its first response (due 17:00 on the 23rd) has breached.
      clock.set(Date.UTC(2026, 11, 26, 12, 0, 0));
      await monitor.runOnce();
      expect((await slaEvents(t.ctx.handle.db, beforeHolidays.id)).map((e) => e.metric)).toEqual(['first_response']);

      // The calendar is edited to open on Saturdays: clocks started before keep counting with the
      // version they started with; a ticket written now counts with the new one.
      const saturdays = { ...OFFICE, hours: { ...OFFICE.hours, sat: [{ start: 540, end: 1020 }] } };
      const version = await t.ctx.handle.db.insertInto('calendar_versions').values({ calendar_id: calendarId, definition: JSON.stringify(saturdays), created_at: clock.now() }).returning('id').executeTakeFirstOrThrow();
      await t.ctx.handle.db.updateTable('calendars').set({ version_id: version.id }).where('id', '=', calendarId).execute();
      clock.set(Date.UTC(2027, 0, 2, 10, 0, 0)); // Saturday 2 January 2027, 11:00 Berlin
      const onSaturday = await newTicket();
      expect(onSaturday.sla_due_at).toBe(Date.UTC(2027, 0, 2, 11, 0, 0));
      expect(onSaturday.sla_calendar_version_id).toBe(version.id);
      expect((await findTicketById(t.ctx.handle.db, beforeHolidays.id))!.sla_calendar_version_id).toBe(ticket.sla_calendar_version_id);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`the SLA watches' queries (${dialect})`, () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await startTestApp(dialect);
    });
    afterEach(() => t.close());

    it('each watch reads its own partial index, never the table (the due tickets and the next instant)', async () => {
      const db = t.ctx.handle.db;
      const now = Date.now();
      // Mostly tickets no watch may fire for (closed, answered, marked), a few that each watch may.
      const rows: NewTicketRow[] = Array.from({ length: 3000 }, (_, i) => {
        const watched = i % 30 === 0;
        const closed = !watched && i % 2 === 0;
        const due = now - 3_540_000 + i;
        return {
          token: `tok-${i}`,
          customer_name: 'C',
          customer_email: 'c@example.com',
          title: 'T',
          description: 'D',
          priority: 'high',
          status: closed ? 'closed' : 'open',
          agent_id: null,
          created_at: now - 3_600_000 + i,
          assigned_at: null,
          closed_at: closed ? now : null,
          sla_due_at: due,
          sla_breached_at: watched ? null : now,
          sla_warn_at: due - 1000,
          sla_warned_at: watched ? null : now,
          first_response_due_at: due,
          first_response_warn_at: due - 1000,
          first_response_at: watched ? null : now,
          next_reply_due_at: watched ? due : null,
          next_reply_warn_at: watched ? due - 1000 : null,
        };
      });
      for (let i = 0; i < rows.length; i += 100) await db.insertInto('tickets').values(rows.slice(i, i + 100)).execute();
      await sql`analyze`.execute(db);
      const explain = async (query: { sql: string; parameters: readonly unknown[] }) =>
        JSON.stringify(
          (
            await db.transaction().execute(async (trx) => {
              // Small as the table is, PostgreSQL might still read all of it; forbid that to see which index it picks.
              if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
              return trx.executeQuery(CompiledQuery.raw((dialect === 'sqlite' ? 'explain query plan ' : 'explain ') + query.sql, [...query.parameters]));
            })
          ).rows,
        );
      for (const watch of SLA_WATCHES) {
        expect(await explain(watchDueQuery(watch, dialect, now, 100).compile(db)), watch.index).toContain(watch.index);
      }
      const next = await explain(nextWatchQuery(dialect).compile(db));
      for (const watch of SLA_WATCHES) expect(next, watch.index).toContain(watch.index);
      if (dialect === 'sqlite') expect(next).not.toMatch(/SCAN tickets(?! USING)/);
    });
  });
}
