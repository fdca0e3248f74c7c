/**
 * `ticket.sla_breached` names the SLA target it missed (§11, §13), on both engines: breaches fired
 * by the real monitor, delivered by the real worker to a real HTTP receiver that checks each
 * signature with the Standard Webhooks verifier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { postCustomerMessageOn, postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { staffWithToken } from '../api/support.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { type Receiver, startReceiver, verified } from '../support/webhookReceiver.js';

const SECOND = 1000;
const HOUR = 3_600 * SECOND;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

for (const dialect of DIALECTS) {
  describe(`ticket.sla_breached webhooks (${dialect})`, () => {
    let t: TestApp;
    let receiver: Receiver;
    // Monday 7 December 2026, 09:00 UTC.
    const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock, config: { webhooksAllowPrivate: true } });
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await receiver.close();
      await t.close();
    });

    it('each breach says which target it missed (metric beside the ticket), signed; the ticket stays the API shape', async () => {
      const admin = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      const created = await admin.api.post('/api/v1/webhooks', { url: receiver.url('/breaches'), events: ['ticket.sla_breached'] });
      expect(created.status).toBe(201);
      const { secret } = created.body as { secret: string };
      await saveSettings(t.ctx.handle.db, { ...DEFAULT_SETTINGS, firstResponse: { high: 30, medium: null, low: null }, nextReply: { high: 30, medium: null, low: null }, sla: { high: HOUR / SECOND, medium: 240, low: 3600 } });
      const alice = await addStaff(t.ctx, 'alice');
      await changePresence(t.ctx, alice, 'available');
      const ticket = await intakeTicket(t.ctx, { name: 'Carla', email: 'carla@example.com', title: 'Printer', description: 'On fire.', priority: 'high' });
      const monitor = new SlaMonitor(t.ctx);

      // First response missed; then answered late, the customer writes, and the next reply is missed; then the resolution.
      clock.advance(30 * SECOND + 1);
      await monitor.runOnce();
      await postStaffMessage(t.ctx, { id: alice, role: 'agent' }, ticket.id, { kind: 'reply', body: 'On it.', close: false, seen: null, channel: 'web' });
      await postCustomerMessageOn(t.ctx, ticket.id, { body: 'Any news?', channel: 'web' });
      clock.advance(30 * SECOND + 1);
      await monitor.runOnce();
      clock.advance(HOUR);
      await monitor.runOnce();

      const worker = new WebhookWorker({ handle: t.ctx.handle, clock, logger: quiet, publicUrl: 'http://helpdesk.test', allowPrivate: true, timeoutMs: 5_000 });
      for (let i = 0; i < 10 && (await worker.runOnce()).claimed > 0; i++);
      const bodies = (await receiver.waitFor('/breaches', 3)).map((r) => verified(r, secret) as ReturnType<typeof verified> & { metric?: string });
      expect(bodies.map((b) => `${b.type} ${b.metric} ${b.data.reference}`)).toEqual(
        ['first_response', 'next_reply', 'resolution'].map((metric) => `ticket.sla_breached ${metric} HD-${ticket.id}`),
      );
      // The metric is the one the ticket's own event names (the API's history).
      const events = await t.ctx.handle.db.selectFrom('ticket_events').select('metric').where('ticket_id', '=', ticket.id).where('type', '=', 'sla_breached').orderBy('id').execute();
      expect(events.map((e) => e.metric)).toEqual(bodies.map((b) => b.metric));
      // Additive: `data` is still the ticket alone, as the API returns it.
      expect(bodies[0]!.data).toMatchObject({ reference: `HD-${ticket.id}`, title: 'Printer', priority: 'high' });
      expect(bodies[0]!.data).not.toHaveProperty('metric');
    });
  });
}
