/**
 * A customer who writes while the agent's close waits out its undo window (§9 with the undo window
 * of src/core/pendingClose.ts), through the real app and the real job on both engines: the message
 * was not there when the agent decided to close, so it ends the pending close; the ticket stays open,
 * waiting on the agent, and the customer gets no "closed" email right after writing. A close asked
 * for after the message commits as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PendingCloseJob } from '../../src/jobs/pendingCloses.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { changePresence } from '../../src/services/presence.js';
import { addStaff, Client, csrfFrom, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { historyViolations } from '../support/invariants.js';

const WINDOW_MS = 10_000;

for (const dialect of DIALECTS) {
  describe(`a customer message during the close's undo window (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    let ana: number;
    let anaClient: Client;
    let job: PendingCloseJob;
    const db = () => t.ctx.handle.db;
    const closedMails = async (id: number) => (await db().selectFrom('outbox').select('id').where('ticket_id', '=', id).where('kind', '=', 'closed').execute()).length;

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock, config: { closeUndoSeconds: WINDOW_MS / 1000 } });
      ana = await addStaff(t.ctx, 'ana', { capacity: 50 });
      anaClient = new Client(t.app);
      await anaClient.login('ana');
      await changePresence(t.ctx, ana, 'available');
      job = new PendingCloseJob(t.ctx);
    });
    afterAll(async () => {
      expect(await historyViolations(db())).toEqual([]);
      await t.close();
    });

    it('ends the pending close: the ticket stays open, waiting on the agent, and no closed email follows the message', async () => {
      const customer = new Client(t.app);
      const token = await submitViaForm(customer);
      const ticket = (await findTicketByToken(db(), token))!;
      expect(ticket.agent_id).toBe(ana);
      const close = await anaClient.submit('/agents/dashboard/', {}, `/agents/tickets/${ticket.id}/close/`);
      expect(close.statusCode).toBe(303);
      expect((await findTicketByToken(db(), token))!.close_due_at).toBe(clock.now() + WINDOW_MS);

      clock.advance(4000);
      const page = await customer.get(`/tickets/status/${token}/`);
      const sent = await customer.post(`/tickets/status/${token}/reply/`, { body: 'Wait, one more question!', _csrf: csrfFrom(page.body) });
      expect(sent.statusCode).toBe(303);
      expect(sent.headers.location).toBe(`/tickets/status/${token}/`);
      expect(await findTicketByToken(db(), token)).toMatchObject({ status: 'open', waiting_on: 'agent', close_due_at: null, close_requested_by: null });

      expect(await job.runOnce(clock.now() + 2 * WINDOW_MS)).toBe(0);
      expect((await findTicketByToken(db(), token))!.status).toBe('open');
      expect(await closedMails(ticket.id)).toBe(0);

      // Having read it, the agent closes again: that close stands.
      await anaClient.submit('/agents/dashboard/', {}, `/agents/tickets/${ticket.id}/close/`);
      clock.advance(WINDOW_MS);
      expect(await job.runOnce()).toBe(1);
      expect((await findTicketByToken(db(), token))!.status).toBe('closed');
      expect(await closedMails(ticket.id)).toBe(1);
    });
  });
}
