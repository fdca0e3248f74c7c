/**
 * The all-time dashboard figures read closed tickets from closed_ticket_summary, which triggers
 * keep. Whatever happens to tickets (intake, routing, closing through the services, rows written or
 * changed or deleted directly), the all-time figures must equal those of a scan of every ticket: the
 * windowed queries with a window reaching before the first ticket.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentFigures, countByState, ticketTotals } from '../../src/repositories/stats.js';
import { requeueTicket } from '../../src/services/admin.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { intakeTicket } from '../support/intake.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';

const MINUTE = 60_000;

for (const dialect of DIALECTS) {
  describe(`closed-ticket summary (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    const db = () => t.ctx.handle.db;

    /** All-time figures (summary) against a scan of every ticket (a window older than all of them). */
    async function expectSummaryMatchesScan(): Promise<void> {
      const now = clock.now();
      const allTime = { since: null, now };
      const scan = { since: -Number.MAX_SAFE_INTEGER, now };
      expect(await ticketTotals(db(), allTime)).toEqual(await ticketTotals(db(), scan));
      expect(await agentFigures(db(), allTime)).toEqual(await agentFigures(db(), scan));
      const totals = await ticketTotals(db(), scan);
      expect(await countByState(db())).toEqual({ pending: totals.pending, open: totals.open, closed: totals.closed });
    }

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
    });
    afterAll(() => t.close());

    it('follows intake, routing and closing through the services', async () => {
      const alice = await addStaff(t.ctx, 'alice', { capacity: 2 });
      const bob = await addStaff(t.ctx, 'bob', { capacity: 2 });
      const admin = await addStaff(t.ctx, 'root', { role: 'admin' });
      await changePresence(t.ctx, alice, 'available');
      await changePresence(t.ctx, bob, 'available');
      const ids: number[] = [];
      for (const [k, priority] of ['high', 'medium', 'low', 'high', 'medium', 'low', 'high'].entries()) {
        ids.push((await intakeTicket(t.ctx, { name: 'C', email: `c${k}@example.com`, title: `T${k}`, description: 'D', priority })).id);
        clock.advance(30_000);
      }
      await expectSummaryMatchesScan();
      // Some close in time, some late; closing pulls from the queue.
      for (const id of ids.slice(0, 5)) {
        const ticket = await db().selectFrom('tickets').select(['agent_id']).where('id', '=', id).executeTakeFirstOrThrow();
        if (ticket.agent_id !== null) await closeTicket(t.ctx, { id: ticket.agent_id, role: 'agent' }, id);
        clock.advance(3 * MINUTE);
        await expectSummaryMatchesScan();
      }
      // An admin closes a pending ticket (no agent), and sends an open one back to the queue.
      const pending = await db().selectFrom('tickets').select('id').where('status', '=', 'open').where('agent_id', 'is', null).executeTakeFirst();
      if (pending) await closeTicket(t.ctx, { id: admin, role: 'admin' }, pending.id);
      const held = await db().selectFrom('tickets').select('id').where('status', '=', 'open').where('agent_id', 'is not', null).executeTakeFirst();
      if (held) await requeueTicket(t.ctx, admin, held.id);
      await expectSummaryMatchesScan();
      const summary = await sql<{ n: number }>`select sum(closed) as n from closed_ticket_summary`.execute(db());
      expect(Number(summary.rows[0]!.n)).toBeGreaterThan(0);
    });

    it('follows rows written, changed and deleted directly', async () => {
      const base = { customer_name: 'C', customer_email: 'c@example.com', title: 'T', description: 'D', assigned_at: null, sla_breached_at: null };
      const now = clock.now();
      const agent = (await db().selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow()).id;
      await db()
        .insertInto('tickets')
        .values([
          { ...base, token: 'direct-1', priority: 'low', status: 'closed', agent_id: agent, created_at: now - 10 * MINUTE, closed_at: now - 5 * MINUTE, sla_due_at: now - 8 * MINUTE },
          { ...base, token: 'direct-2', priority: 'medium', status: 'closed', agent_id: null, created_at: now - 10 * MINUTE, closed_at: now - 9 * MINUTE, sla_due_at: now - 6 * MINUTE },
          { ...base, token: 'direct-3', priority: 'high', status: 'open', agent_id: agent, created_at: now - 10 * MINUTE, closed_at: null, sla_due_at: now - 9 * MINUTE },
        ])
        .execute();
      await expectSummaryMatchesScan();
      // A closed ticket's times, agent and priority rewritten (tests and repairs do this), an open one closed late.
      await db().updateTable('tickets').set({ closed_at: now - 1000, priority: 'high', agent_id: null }).where('token', '=', 'direct-1').execute();
      await db().updateTable('tickets').set({ status: 'closed', closed_at: now }).where('token', '=', 'direct-3').execute();
      await expectSummaryMatchesScan();
      // Reopened by hand (never by the product), then deleted.
      await db().updateTable('tickets').set({ status: 'open', closed_at: null }).where('token', '=', 'direct-2').execute();
      await expectSummaryMatchesScan();
      await db().deleteFrom('ticket_events').where('ticket_id', 'in', db().selectFrom('tickets').select('id').where('token', 'like', 'direct-%')).execute();
      await db().deleteFrom('outbox').where('ticket_id', 'in', db().selectFrom('tickets').select('id').where('token', 'like', 'direct-%')).execute();
      await db().deleteFrom('tickets').where('token', 'like', 'direct-%').execute();
      await expectSummaryMatchesScan();
    });
  });
}
