/**
 * The ticket's agent hears a customer's status-page reply live (SPEC §9), over the real
 * Server-Sent Events stream (LISTEN/NOTIFY on PostgreSQL), and no other agent does. The agent
 * dashboard refetches itself on every `ticket` event (src/public/agent-dashboard.js), so this event
 * is what brings the new message to the agent's screen.
 */
import { describe, expect, it } from 'vitest';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { addStaff, Client, submitViaForm } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { liveDesk } from './support.js';

for (const dialect of DIALECTS) {
  describe(`a customer's reply, live (${dialect})`, () => {
    const desk = liveDesk(dialect, { heartbeatMs: 200 });
    const { streamAs } = desk;

    it('reaches the ticket’s agent as a message event, and not another agent', async () => {
      const live = desk.live();
      const alice = await addStaff(live.ctx, 'alice', { capacity: 1 });
      const bob = await addStaff(live.ctx, 'bob', { capacity: 1 });
      const a = await streamAs('alice');
      const b = await streamAs('bob');
      const customer = new Client(live.app);
      const token = await submitViaForm(customer, { title: 'For Alice' });
      const ticket = (await findTicketByToken(live.ctx.handle.db, token))!;
      expect(ticket.agent_id).toBe(alice);
      await a.until(() => a.data('ticket').length === 1, 2000, "alice's created event");

      const status = `/tickets/status/${token}/`;
      const sent = await customer.submit(status, { body: 'Any news?' }, `${status}reply/`);
      expect(sent.statusCode).toBe(303);
      await a.until(() => a.data('ticket').length === 2, 2000, "alice's message event");
      expect(a.data('ticket')[1]).toEqual({ ticketId: ticket.id, type: 'message', fromAgentId: alice, toAgentId: alice });

      // Events reach a stream in order: once Bob hears of his own next ticket, a message event
      // meant for him would have come before it. It did not.
      const his = (await findTicketByToken(live.ctx.handle.db, await submitViaForm(new Client(live.app), { title: 'For Bob' })))!;
      expect(his.agent_id).toBe(bob);
      await b.until(() => b.data('ticket').length >= 1, 2000, "bob's created event");
      expect(b.data('ticket')).toEqual([{ ticketId: his.id, type: 'created', fromAgentId: null, toAgentId: bob }]);
      expect(a.data('ticket').filter((e) => e.ticketId === his.id)).toEqual([]);
      expect(live.errors).toEqual([]);
    });
  });
}
