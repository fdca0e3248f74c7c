/**
 * Turning `pause_while_waiting` off starts the paused resolution clocks again (§11): the pages
 * showing those tickets hear it live, as they hear a customer's message that starts a clock again
 * (a `message` change to the ticket's agent and admins), so an open dashboard or ticket page stops
 * showing "SLA paused" without a reload. As with the customer's message, the restart itself is no
 * webhook event: the settings change writes none.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { WEBHOOK_EVENTS } from '../../src/core/webhooks.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { updateSettings } from '../../src/services/admin.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { createEndpoint } from '../../src/services/webhookEndpoints.js';
import { addStaff } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { liveDesk } from './support.js';

for (const dialect of DIALECTS) {
  describe(`paused clocks started again, live (${dialect})`, () => {
    const desk = liveDesk(dialect, { heartbeatMs: 200 });
    const { streamAs } = desk;

    it('tells the ticket’s agent and the admins of each ticket whose clock starts again, and writes no webhook event', async () => {
      const live = desk.live();
      const alice = await addStaff(live.ctx, 'alice');
      const root = await addStaff(live.ctx, 'root', { role: 'admin' });
      await changePresence(live.ctx, alice, 'available');
      await saveSettings(live.ctx.handle.db, { ...DEFAULT_SETTINGS, pauseWhileWaiting: true });
      await createEndpoint(live.ctx, null, { url: 'https://hooks.example.com/all', events: [...WEBHOOK_EVENTS] }, false);
      const paused = [];
      for (const title of ['Printer', 'Scanner']) {
        const ticket = await intakeTicket(live.ctx, { name: 'Carla', email: 'carla@example.com', title, description: 'Broken.', priority: 'high' });
        await postStaffMessage(live.ctx, { id: alice, role: 'agent' }, ticket.id, { kind: 'reply', body: 'Is it plugged in?', close: false, seen: null, channel: 'web' });
        expect((await findTicketById(live.ctx.handle.db, ticket.id))!.sla_paused_at).not.toBeNull();
        paused.push(ticket.id);
      }
      const a = await streamAs('alice');
      const admin = await streamAs('root');
      const webhookEvents = async () => (await live.ctx.handle.db.selectFrom('webhook_events').select('id').execute()).length;
      const before = await webhookEvents();

      await updateSettings(live.ctx, root, (s) => ({ ...s, pauseWhileWaiting: false }));
      expect((await findTicketById(live.ctx.handle.db, paused[0]!))!.sla_paused_at).toBeNull();
      const expected = paused.map((ticketId) => ({ ticketId, type: 'message', fromAgentId: alice, toAgentId: alice }));
      await a.until(() => a.data('ticket').length >= 2, 2000, "alice's events");
      await admin.until(() => admin.data('ticket').length >= 2, 2000, "the admin's events");
      expect(a.data('ticket')).toEqual(expected);
      expect(admin.data('ticket')).toEqual(expected);
      expect(await webhookEvents()).toBe(before);
      expect(live.errors).toEqual([]);
    });
  });
}
